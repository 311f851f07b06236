"""URL configuration of riec-plan."""

from __future__ import annotations

from allauth.account import views as account_views
from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from accounts import desk, login, rights
from core.admin_policy import labelled_autocomplete_view

from . import views

admin.site.site_header = "RIEC Oost-Nederland – jaarplan"
admin.site.site_title = "RIEC-plan"
admin.site.index_title = "Beheer van strategie, jaarplannen, districten en begroting"
# At 1366 px the lists need the width; the start page and the breadcrumbs lead everywhere.
admin.site.enable_nav_sidebar = False
# The answers of an autocomplete are labelled for the whole page at once (core.admin_policy).
admin.site.autocomplete_view = labelled_autocomplete_view(admin.site)  # type: ignore[method-assign,assignment]

# The admin has no login form of its own: it sends to /inloggen/, with its second factor.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

# django-allauth's pages that riec-plan uses, under Dutch addresses: no sign-up, no password reset by
# mail (the bureau resets passwords), no e-mail management.
account_patterns = [
    path("inactief/", account_views.account_inactive, name="account_inactive"),
    path("bevestigen/", account_views.reauthenticate, name="account_reauthenticate"),
    path("wachtwoord/", account_views.password_change, name="account_change_password"),
    path("wachtwoord/instellen/", account_views.password_set, name="account_set_password"),
    # The second factor: overview, authenticator app (TOTP), recovery codes, security keys (WebAuthn).
    path("tweede-factor/", include("allauth.mfa.urls")),
    # Single sign-on (OpenID Connect): errors, cancellation, and the provider's login and callback.
    path("sso/", include("allauth.socialaccount.urls")),
    path("", include("allauth.socialaccount.providers.openid_connect.urls")),
]

urlpatterns = [
    path("health/", views.health, name="health"),
    path("health/worker/", views.health_worker, name="health_worker"),
    path(".well-known/security.txt", views.security_txt, name="security_txt"),
    path("inloggen/", login.login, name="account_login"),
    path("uitloggen/", account_views.logout, name="account_logout"),
    # The names of Django's own login views, which these addresses had before.
    path("inloggen/", login.login, name="login"),
    path("uitloggen/", account_views.logout, name="logout"),
    path("account/", include(account_patterns)),
    path("rechtenoverzicht/", rights.review, name="rights_review"),
    path("rechtenoverzicht.csv", rights.review_csv, name="rights_review_csv"),
    # The accounts desk of the bureau (coordinator and stuurgroep accounts).
    path("accounts/", desk.desk, name="accounts_desk"),
    path("accounts/nieuw/", desk.new_account, name="accounts_desk_new"),
    path("accounts/<int:pk>/", desk.account, name="accounts_desk_account"),
    path("accounts/<int:pk>/wachtwoord/", desk.reset_password, name="accounts_desk_password"),
    path("accounts/<int:pk>/tweede-factor/", desk.reset_second_factor, name="accounts_desk_second_factor"),
    path("accounts/<int:pk>/actief/", desk.set_active, name="accounts_desk_active"),
    path("accounts/<int:pk>/single-sign-on/", desk.allow_sso_link, name="accounts_desk_sso"),
    path("admin/", admin.site.urls),
    # The accessibility statement, as Dutch public bodies publish one (Besluit digitale toegankelijkheid overheid).
    path(
        "toegankelijkheid/",
        TemplateView.as_view(template_name="accessibility.html"),
        name="accessibility",
    ),
    path("", include("strategy.urls")),
    path("", include("budget.urls")),
    path("", include("reports.urls")),
]

# A lost database during any part of a request answers 503 (riec_plan/logging.py), not 500.
handler500 = "riec_plan.views.server_error"
handler404 = "riec_plan.views.page_not_found"
