"""The pages a role reaches, taken from the admin's own URL registry and the app's URL list.

The browser walks (axe, 390 px, 200 % zoom) open these; a new admin, a new admin URL or a new permission
comes into the walk by itself instead of waiting for someone to extend a hand list.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from core import permissions
from districts.models import DistrictPlan
from strategy.models import Action

# The admin's own views of a model; the rest of get_urls() are the model admin's extra pages.
STANDARD_VIEWS = {"changelist", "add", "change", "history", "delete"}
# Extra pages that answer a POST only (the import's second step, reached by sending a file).
POST_ONLY = {"process_import"}

APP_PAGES = [
    "/",
    "/jaarplannen/",
    "/jaarplan/2024/",
    "/jaarplan/2024/begroting/",
    "/jaarplan/2024/vergelijk/2024/",
    "/districten/",
    "/districten/twente/",
    "/themas/",
    "/toegankelijkheid/",
    # The account: password, second factor (overview, recovery codes, security keys; the ones that
    # change a factor ask to confirm first), single sign-on's error pages, logging out.
    "/account/wachtwoord/",
    "/account/bevestigen/",
    "/account/tweede-factor/",
    "/account/tweede-factor/totp/deactivate/",
    "/account/tweede-factor/recovery-codes/generate/",
    "/account/tweede-factor/webauthn/",
    "/account/tweede-factor/webauthn/add/",
    "/account/sso/login/cancelled/",
    "/account/sso/login/error/",
    "/account/sso/",
    "/uitloggen/",
]


def _first_pk(model_admin: Any, request: Any) -> Any:
    return model_admin.get_queryset(request).order_by("pk").values_list("pk", flat=True).first()


def admin_pages(user: Any) -> list[str]:
    """Every admin page `user` may open: the start page and, per registered model the user may see, its
    list, add page, the first object's change and history pages, and the model admin's extra pages
    (import, export, the round, adoption ...), with the first object where they take one."""
    request = RequestFactory().get("/admin/")
    request.user = user
    pages = ["/admin/"]
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_view_or_change_permission(request):
            continue
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append(reverse(f"{prefix}_changelist"))
        if model_admin.has_add_permission(request):
            pages.append(reverse(f"{prefix}_add"))
        pk = _first_pk(model_admin, request)
        if pk is not None:
            pages += [reverse(f"{prefix}_change", args=[pk]), reverse(f"{prefix}_history", args=[pk])]
        for pattern in model_admin.get_urls():
            name = pattern.name or ""
            view = name.removeprefix(prefix.removeprefix("admin:") + "_")
            if view == name or view in STANDARD_VIEWS or view in POST_ONLY:
                continue
            for args in ([], [pk]):
                try:
                    pages.append(reverse(f"admin:{name}", args=args))
                    break
                except NoReverseMatch:
                    continue
    return list(dict.fromkeys(pages))


def role_pages(user: Any) -> list[str]:
    """The app's pages, the user's own pages and, for staff, every admin page the user may open."""
    pages = list(APP_PAGES)
    action = Action.objects.filter(section__plan__year=2024).order_by("pk").first()
    if action is not None:
        pages.append(f"/acties/{action.pk}/")
    pages.append("/mijn-acties/")  # also for the stuurgroep, which reports nothing and is told so
    if user.is_staff:
        pages += admin_pages(user)
        for plan in DistrictPlan.objects.filter(plan__year=2024).order_by("pk"):
            pages.append(f"/admin/districts/baselineassessment/ronde/{plan.pk}/")
    if permissions.is_bureau(user):
        pages += ["/rechtenoverzicht/", "/accounts/", "/accounts/nieuw/"]
    return list(dict.fromkeys(pages))
