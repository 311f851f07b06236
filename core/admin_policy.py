"""Admin classes that ask the permission policy (core.permissions) for every decision.

Every ModelAdmin and inline of the plan apps derives from these, so the admin never decides
on Django's model permissions alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Model, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from . import history, permissions
from .admin_versioning import VersionedAdminMixin, VersionedInlineMixin
from .history import is_versioned
from .markup import render_markdown


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


# Stale edits ----------------------------------------------------------------------------------------


def markdown_display(name: str, label: Any) -> Callable[[Model], SafeString]:
    """A read-only "field" that shows the Markdown of `name` rendered, as the report does."""

    def display(obj: Model) -> SafeString:
        return render_markdown(getattr(obj, name, "") or "")

    display.short_description = label  # type: ignore[attr-defined]
    display.__name__ = f"{name}_rendered"
    return display


def _swap_fields(fieldsets: Any, displays: dict[str, Any]) -> list[Any]:
    """The fieldsets with each Markdown field replaced by its rendered display (once)."""
    seen: set[Any] = set()

    def swap(fields: Any) -> Any:
        if isinstance(fields, list | tuple):
            swapped = [swap(item) for item in fields]
            return type(fields)(item for item in swapped if item is not None)
        item = displays.get(fields, fields)
        if item in seen:  # Django may list a read-only field again after the form's own fields
            return None
        seen.add(item)
        return item

    return [(title, {**options, "fields": swap(options["fields"])}) for title, options in fieldsets]


class MarkdownReadonlyMixin:
    """Text fields in `markdown_fields` are shown rendered (lists, bold) when the page is read-only.

    Read-only is the policy's answer for this object (an adopted plan, another district); an editable
    form keeps the Markdown source in its text box.
    """

    markdown_fields: tuple[str, ...] = ()
    model: type[Model]

    def _shows_read_only(self, request: HttpRequest, obj: Model | None) -> bool:
        raise NotImplementedError

    def _markdown_displays(self, request: HttpRequest, obj: Model | None) -> dict[str, Any]:
        if not self.markdown_fields or not self._shows_read_only(request, obj):
            return {}
        # One callable per field and admin: Django compares the fieldsets' entries with the read-only ones.
        cache: dict[str, Any] = self.__dict__.setdefault("_markdown_display_cache", {})
        for name in self.markdown_fields:
            if name not in cache:
                label = getattr(self.model._meta.get_field(name), "verbose_name", name)
                cache[name] = markdown_display(name, label)
        return cache

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        displays = self._markdown_displays(request, obj)
        return _swap_fields(fieldsets, displays) if displays else fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        # Read-only entries are left out of the form (an inline builds its form from the fieldsets).
        fields = super().get_readonly_fields(request, obj)  # type: ignore[misc]
        displays = self._markdown_displays(request, obj)
        return (*fields, *displays.values()) if displays else fields


# Lists ----------------------------------------------------------------------------------------------


class PolicyActionForm(ActionForm):
    # "Actie" is a thing of the plan here; Django's bulk "actions" are what is done with the selection.
    action = forms.ChoiceField(label=gettext_lazy("Met de geselecteerde:"))


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """The autocomplete's answers labelled for the whole page at once by the admin of their model."""

    def get_context_data(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(*args, **kwargs)
        rows = list(context["object_list"])
        preload = getattr(self.model_admin, "preload_labels", None)
        if preload is not None:
            preload(rows)
        context["object_list"] = rows
        return context


def labelled_autocomplete_view(site: admin.AdminSite) -> Callable[[HttpRequest], Any]:
    """The admin site's autocomplete view with `LabelledAutocompleteJsonView` (set in riec_plan/urls.py)."""

    def view(request: HttpRequest) -> Any:
        return LabelledAutocompleteJsonView.as_view(admin_site=site)(request)

    return view


class LabelledChangeList(ChangeList):
    """After loading a page, the admin loads what the labels of its rows need at once (`preload_labels`)."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        preload = getattr(self.model_admin, "preload_labels", None)
        if preload is not None:
            # Evaluates the page once; the queryset keeps the rows for the template (and list_editable).
            preload(list(self.result_list))


def district_model(model: type[Model]) -> type[Model] | None:
    """The model the policy's district paths of `model` end in (the District), found from the declaration."""
    paths = permissions.scope_of(model).district_paths
    if not paths:
        return None
    current: Any = model
    for name in paths[0].split("__"):
        current = current._meta.get_field(name).related_model
    return current  # type: ignore[no-any-return]


REGIONAL = "regionaal"


class DistrictListFilter(admin.SimpleListFilter):
    """Filter on the district of an object as the policy finds it; "regionaal" for objects of no district."""

    title = gettext_lazy("district")
    parameter_name = "district"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        districts = district_model(model_admin.model)
        if districts is None:
            return []
        choices = [(str(district.pk), str(district)) for district in districts._default_manager.all()]
        return [*choices, (REGIONAL, REGIONAL)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        if value == REGIONAL:
            every = [pk for pk, _label in self.lookup_choices if pk != REGIONAL]
            return queryset.exclude(permissions.district_filter(queryset.model, every))
        if not value.isdigit():
            return queryset.none()
        # Through reverse relations an object can match on two paths: once is enough.
        return queryset.filter(permissions.district_filter(queryset.model, [int(value)])).distinct()


def district_sort_key(model: type[Model]) -> Any:
    """An expression that sorts objects by the name of their district (the policy's first path that has one)."""
    names = [F(f"{path}__name") for path in permissions.district_related(model)]
    if not names:
        return None
    return names[0] if len(names) == 1 else Coalesce(*names)


class PolicyModelAdmin(VersionedAdminMixin, MarkdownReadonlyMixin, PolicyChoicesMixin, SimpleHistoryAdmin):
    """Every admin of the plan apps: policy-checked, with a history page and stale-edit refusal."""

    object_history_template = "admin/history/object_history.html"
    object_history_list_template = "admin/history/object_history_list.html"
    object_history_form_template = "admin/history/object_history_form.html"
    action_form = PolicyActionForm

    def _shows_read_only(self, request: HttpRequest, obj: Model | None) -> bool:
        return self._is_frozen(request, obj)

    # An object of an adopted plan is frozen, but the progress under it is not (an action's updates):
    # its page may then still be saved, for the rows of those inlines; its own fields are read-only
    # and it is not saved itself.

    def _is_frozen(self, request: HttpRequest, obj: Model | None) -> bool:
        return obj is not None and not permissions.can_change(request.user, obj)

    def _open_inlines_editable(self, request: HttpRequest, obj: Model) -> bool:
        return any(
            permissions.scope_of(inline.model).open_after_adoption
            and permissions.can_change_model(request.user, inline.model)
            for inline in self.inlines
        ) and permissions.can_report_under(request.user, obj)

    def _carries_version(self, request: HttpRequest, obj: Model | None) -> bool:
        return obj is not None and is_versioned(self.model) and not self._is_frozen(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fields = super().get_readonly_fields(request, obj)
        if obj is None or not (self._is_frozen(request, obj) and self._open_inlines_editable(request, obj)):
            return fields  # (a frozen page that cannot be saved is read-only by Django itself)
        # The declared fields, not get_fieldsets: that would ask get_form, which asks this again.
        declared = flatten_fieldsets(self.fieldsets) if self.fieldsets else list(self.fields or ())
        return (*fields, *(name for name in declared if name not in fields))

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return LabelledChangeList

    def preload_labels(self, rows: list[Any]) -> None:
        """Give the rows the labels they are shown by, for the whole page at once (one query, not one per row).

        `str()` of a model reads its own fields only; an admin whose rows are labelled with related data
        (a section's number, district and year) asks its selector here. Called for the change list's page,
        the autocomplete's answers, the object of a change, delete or history page and an import's preview.
        """

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # What a row's label names besides its own fields (its plan's year, its group) is loaded with it on
        # every page, not only in the list: the change, delete and history pages and the autocomplete.
        queryset = super().get_queryset(request)
        if isinstance(self.list_select_related, (list, tuple)) and self.list_select_related:
            queryset = queryset.select_related(*self.list_select_related)
        return queryset

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            self.preload_labels([obj])
        return obj

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: str | None = None) -> Any:
        # The message names the saved object by its label ("3.2.2-9 ..."); saving cleared it.
        self.preload_labels([obj])
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: Any) -> Any:
        self.preload_labels([obj])
        return super().response_change(request, obj)

    def history_view_title(self, request: HttpRequest, obj: Any) -> Any:
        self.preload_labels([obj])
        return super().history_view_title(request, obj)

    def get_historical_record_context_helper(self, request: HttpRequest, historical_record: Any) -> Any:
        # Old → new in Dutch: choice labels, "25 januari 2024", 7.843.124, "leeg".
        return history.DutchRecordContextHelper(self.model, historical_record)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.can_view(request.user)

    def action_checkbox(self, obj: Model) -> SafeString:
        """The row's checkbox for the bulk actions: Django's own markup, without a template per row.

        Django renders a forms.CheckboxInput through the template engine for every row of a
        changelist, about a quarter of the time of a list of 40 actions or cost lines.
        """
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            format_html(_("Select this object for an action - {}"), str(obj)),
        )

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_view(request.user, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.can_add(request.user, self.model)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is None:
            return permissions.can_change_model(request.user, self.model)
        # A frozen object (an update in a closed quarter) is shown read only, with its reason (render_change_form);
        # an adopted plan's action stays savable for its open inlines (progress) only.
        return (
            permissions.can_change(request.user, obj) and permissions.frozen_reason(obj) is None
        ) or self._open_inlines_editable(request, obj)

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

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], add: bool = False, change: bool = False, **kwargs: Any
    ) -> Any:
        obj = context.get("original")
        reason = permissions.frozen_reason(obj) if obj is not None and not add else None
        if reason and request.method == "GET":
            # Read only for a reason of the domain: the page says which.
            messages.warning(request, reason)
        return super().render_change_form(request, context, add=add, change=change, **kwargs)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        # Refused here, not in has_delete_permission: deleting the object's parent still takes it along.
        obj = self.get_object(request, unquote(object_id))
        reason = permissions.frozen_reason(obj, deleting=True) if obj is not None else None
        if obj is not None and reason:
            self.message_user(request, reason, messages.ERROR)
            opts = self.model._meta
            return redirect(
                reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_change",
                    args=(obj.pk,),
                    current_app=self.admin_site.name,
                )
            )
        return super().delete_view(request, object_id, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change and self._is_frozen(request, obj) and self._open_inlines_editable(request, obj):
            # Only the open inlines (progress) are saved; the frozen object's fields were read-only.
            if form.changed_data:
                raise PermissionDenied
            return
        # The new or changed object itself must be within the user's reach (district, open plan).
        if not permissions.can_change(request.user, obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    # History: everyone who may view the object sees its history; only the bureau restores an
    # earlier version, and only while the object may be changed (not while its plan is adopted).

    def has_change_history_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if not permissions.is_bureau(request.user):
            return False
        return obj is None or (permissions.can_change(request.user, obj) and permissions.frozen_reason(obj) is None)

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        try:  # an id that is no id of this model: 404, not a ValueError in the history query (500)
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404 from None
        if not hasattr(self.model, "history"):
            # A write-once model without simple-history (sent reminders): Django's own log of admin changes.
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)  # type: ignore[arg-type]
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> Any:
        # Decided on the object as it is now: the old version itself may say "concept".
        current = self.get_object(request, unquote(object_id))
        if current is None:
            raise Http404
        try:  # "abc" is no version of anything: 404, not a ValueError deep in the query (500)
            self.model.history.model._meta.pk.to_python(unquote(version_id))  # type: ignore[attr-defined]
        except ValidationError:
            raise Http404 from None
        if not self.has_change_history_permission(request, current):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        if not permissions.can_delete(request.user, obj):
            raise PermissionDenied
        super().delete_model(request, obj)

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        # Django's bulk delete logs before it deletes: refused here, "Recente acties" shows no deletion
        # that did not happen.
        self._may_delete_all(request, queryset)
        return super().log_deletions(request, queryset)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._may_delete_all(request, queryset)
        super().delete_queryset(request, queryset)

    def _may_delete_all(self, request: HttpRequest, objects: Any) -> None:
        # The bulk action must not delete what the user may not delete one by one.
        if not all(permissions.can_delete(request.user, obj) for obj in objects):
            raise PermissionDenied
        for obj in objects:
            reason = permissions.frozen_reason(obj, deleting=True)
            if reason:
                raise PermissionDenied(reason)


class PolicyInlineMixin(MarkdownReadonlyMixin, PolicyChoicesMixin):
    """An inline may be edited when its parent may be changed and the user edits this kind of data."""

    model: type[Model]

    def _shows_read_only(self, request: HttpRequest, obj: Model | None) -> bool:
        # `obj` is the parent: its rows are read-only when it may not be changed, or the kind of data not.
        return not (self._parent_ok(request, obj) and permissions.can_change_model(request.user, self.model))

    def _parent_ok(self, request: HttpRequest, obj: Model | None) -> bool:
        if obj is None:
            return True
        if permissions.frozen_reason(obj) is not None:
            return False
        if permissions.scope_of(self.model).open_after_adoption:
            # Progress rows stay open under a frozen parent of an adopted plan.
            return permissions.can_report_under(request.user, obj)
        return permissions.can_change(request.user, obj)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_view(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._parent_ok(request, obj) and permissions.can_add(request.user, self.model)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._parent_ok(request, obj) and permissions.can_change_model(request.user, self.model)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._parent_ok(request, obj) and permissions.can_change_model(request.user, self.model)


class PolicyTabularInline(VersionedInlineMixin, PolicyInlineMixin, admin.TabularInline):
    """A table of rows that fits the screen: a related object is chosen in its cell, and edited on its own page."""

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(field.widget, RelatedFieldWidgetWrapper):
            # Four icons per cell (change, add, delete, view) would push the table past 1366 px.
            widget = field.widget
            widget.can_add_related = widget.can_change_related = False
            widget.can_delete_related = widget.can_view_related = False
        return field


class PolicyStackedInline(VersionedInlineMixin, PolicyInlineMixin, admin.StackedInline):
    pass
