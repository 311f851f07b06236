"""The stale-edit rule in the admin: a form carries the version it was opened with and a save of an
older version is refused with the differences (core.history), for pages, inlines and history restores.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext as _

from . import history
from .history import VERSION_FIELD, StaleVersionError, is_versioned


class VersionCheckForm(forms.ModelForm):
    """Carries the version the form was opened with and refuses to save over a newer one.

    Mixed into the admin's own form for the object (and into the forms of inline rows) by
    VersionedAdminMixin; the check here gives the message, the UPDATE in `history.claim_version`
    is what guarantees that two saves from the same version cannot both win.
    """

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={"required": "Dit formulier mist zijn versie; laad de pagina opnieuw."},
    )
    # An inline row that was not touched is not saved, so it cannot overwrite anything.
    check_unchanged = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:
            self.fields[VERSION_FIELD].required = False  # a new inline row has no version yet
        else:
            self.initial.setdefault(VERSION_FIELD, self.instance.version)

    def has_changed(self) -> bool:
        return any(name != VERSION_FIELD for name in self.changed_data)

    def _post_clean(self) -> None:
        # A private method of Django's BaseModelForm that django-stubs does not declare.
        super()._post_clean()  # type: ignore[misc]  # self.instance now holds the posted values
        posted = self.cleaned_data.get(VERSION_FIELD)
        if posted is None or (not self.check_unchanged and not self.has_changed()):
            return
        model = type(self.instance)
        current = model._default_manager.filter(pk=self.instance.pk).first()
        if current is None or current.version == posted:
            return
        by = history.last_saved_by(current)
        errors = [
            _(
                "Iemand anders heeft deze %(name)s opgeslagen nadat u de pagina opende%(by)s. "
                "Uw wijzigingen zijn niet opgeslagen. Per veld: uw waarde → de huidige waarde."
            )
            % {"name": model._meta.verbose_name, "by": f" ({by})" if by else ""}
        ]
        errors += [
            f"{label}: “{mine}” → “{now}”"
            for label, mine, now in history.differences(self.instance, current, list(self.fields))
        ]
        errors.append(_("Laad de pagina opnieuw en breng uw wijziging aan in de huidige versie."))
        self.add_error(None, ValidationError(errors))


def _add_version(fieldsets: Any) -> list[Any]:
    if VERSION_FIELD in flatten_fieldsets(fieldsets):
        return list(fieldsets)
    name, options = fieldsets[0]
    return [(name, {**options, "fields": [*options["fields"], VERSION_FIELD]}), *fieldsets[1:]]


def _without_version(fields: Any) -> Any:
    # `version` is not editable on the model: the model form may not name it, the mixin declares it.
    return None if fields is None else [name for name in fields if name != VERSION_FIELD]


class VersionedFormSetMixin:
    """Saves a changed inline row only if it is still at the version the page was opened with."""

    def save_existing(self, form: Any, obj: Any, commit: bool = True) -> Any:
        expected = form.cleaned_data.get(VERSION_FIELD)
        if not commit or expected is None:
            return super().save_existing(form, obj, commit=commit)  # type: ignore[misc]
        obj = form.save(commit=False)
        history.save_if_current(obj, expected=expected)
        form._save_m2m()
        return obj


class VersionedAdminMixin:
    """Any admin of a model with a `version` field refuses stale saves; other admins are unaffected.

    The change form carries the version as a hidden field; `save_model` saves through
    `history.save_if_current`. A save that loses the race after validation raises
    StaleVersionError inside the admin's transaction, which rolls back; the page is then shown
    again, and the form's own check, now seeing the newer version, explains what changed.
    """

    model: type[Model]

    def _carries_version(self, request: HttpRequest, obj: Model | None) -> bool:
        return obj is not None and is_versioned(self.model) and self.has_change_permission(request, obj)  # type: ignore[attr-defined]

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        return _add_version(fieldsets) if self._carries_version(request, obj) else fieldsets

    def get_form(self, request: HttpRequest, obj: Model | None = None, change: bool = False, **kwargs: Any) -> Any:
        if not self._carries_version(request, obj):
            return super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        fields = kwargs.pop("fields") if "fields" in kwargs else flatten_fieldsets(self.get_fieldsets(request, obj))
        form = super().get_form(request, obj, change=change, fields=_without_version(fields), **kwargs)  # type: ignore[misc]
        return type(form.__name__, (VersionCheckForm, form), {})

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().changeform_view(request, *args, **kwargs)  # type: ignore[misc]
        except StaleVersionError:
            return super().changeform_view(request, *args, **kwargs)  # type: ignore[misc]

    def history_form_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().history_form_view(request, *args, **kwargs)  # type: ignore[misc]
        except StaleVersionError:
            return super().history_form_view(request, *args, **kwargs)  # type: ignore[misc]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        expected = form.cleaned_data.get(VERSION_FIELD) if change else None
        if expected is None:
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            return
        obj._history_user = request.user
        history.save_if_current(obj, expected=expected)


class VersionedInlineMixin:
    """Inline rows of a versioned model carry their version too, so a table of contents stays editable."""

    model: type[Model]

    def _carries_version(self, request: HttpRequest, obj: Model | None) -> bool:
        return obj is not None and is_versioned(self.model) and self.has_change_permission(request, obj)  # type: ignore[attr-defined]

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        return _add_version(fieldsets) if self._carries_version(request, obj) else fieldsets

    def get_formset(self, request: HttpRequest, obj: Model | None = None, **kwargs: Any) -> Any:
        if not self._carries_version(request, obj):
            return super().get_formset(request, obj, **kwargs)  # type: ignore[misc]
        fields = kwargs.pop("fields") if "fields" in kwargs else flatten_fieldsets(self.get_fieldsets(request, obj))
        formset = super().get_formset(request, obj, fields=_without_version(fields), **kwargs)  # type: ignore[misc]
        form = type(formset.form.__name__, (VersionCheckForm, formset.form), {"check_unchanged": False})
        return type(formset.__name__, (VersionedFormSetMixin, formset), {"form": form})


# Markdown shown as the report shows it ------------------------------------------------------------
