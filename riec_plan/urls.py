"""URL configuration of riec-plan."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import TemplateView

from . import views

admin.site.site_header = "RIEC Oost-Nederland – jaarplan"
admin.site.site_title = "RIEC-plan"
admin.site.index_title = "Beheer van strategie, jaarplannen, districten en begroting"
# At 1366 px the lists need the width; the start page and the breadcrumbs lead everywhere.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("health/", views.health, name="health"),
    path("inloggen/", auth_views.LoginView.as_view(), name="login"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
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
