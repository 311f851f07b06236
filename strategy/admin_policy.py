"""Admin classes that ask the permission policy (strategy.permissions) for every decision.

Every ModelAdmin and inline of the plan apps derives from these, so the admin never decides
on Django's model permissions alone.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from . import permissions


def _limit(request: HttpRequest, queryset: QuerySet[Any], model: type[Model]) -> QuerySet[Any]:
    limit = permissions.choices_filter(request.user, model)
    return queryset if limit is None else queryset.filter(limit)


class PolicyChoicesMixin:
    """Foreign-key choices of a coordinator are limited to their own district."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and hasattr(field, "queryset"):
            field.queryset = _limit(request, field.queryset, db_field.related_model)
        return field


class PolicyModelAdmin(PolicyChoicesMixin, admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.can_view(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_view(request.user, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.can_add(request.user, self.model)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is None:
            return permissions.can_change_model(request.user, self.model)
        return permissions.can_change(request.user, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is None:
            return permissions.can_change_model(request.user, self.model)
        return permissions.can_delete(request.user, obj)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str) -> Any:
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path.endswith("/autocomplete/"):
            # The autocomplete of a form field offers only what the form will accept.
            queryset = _limit(request, queryset, self.model)
        return queryset, may_have_duplicates

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The new or changed object itself must be within the user's reach (district, open plan).
        if not permissions.can_change(request.user, obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        if not permissions.can_delete(request.user, obj):
            raise PermissionDenied
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # The bulk action must not delete what the user may not delete one by one.
        if not all(permissions.can_delete(request.user, obj) for obj in queryset):
            raise PermissionDenied
        super().delete_queryset(request, queryset)


class PolicyInlineMixin(PolicyChoicesMixin):
    """An inline may be edited when its parent may be changed and the user edits this kind of data."""

    model: type[Model]

    def _parent_ok(self, request: HttpRequest, obj: Model | None) -> bool:
        return obj is None or permissions.can_change(request.user, obj)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_view(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._parent_ok(request, obj) and permissions.can_add(request.user, self.model)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._parent_ok(request, obj) and permissions.can_change_model(request.user, self.model)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._parent_ok(request, obj) and permissions.can_change_model(request.user, self.model)


class PolicyTabularInline(PolicyInlineMixin, admin.TabularInline):
    pass


class PolicyStackedInline(PolicyInlineMixin, admin.StackedInline):
    pass
