"""Forms for reporting progress on an action."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from core import clock

from .models import ProgressUpdate, Status

PERCENTAGE_ERROR = _("Vul een percentage tussen 0 en 100 in.")


class ProgressUpdateForm(forms.ModelForm):
    """A dated progress update; the view sets the action and the author on the instance.

    `today` is passed in by the views (their fixable date decides what counts as the future); the
    admin, which cannot pass it, gets the clock's today. The same rules hold in both places.
    """

    class Meta:
        model = ProgressUpdate
        fields = ["date", "status", "percentage", "narrative"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "narrative": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"percentage": _("Percentage gereed")}
        error_messages = {
            "date": {"required": _("Vul een datum in."), "invalid": _("Vul een geldige datum in.")},
            "status": {"required": _("Kies een status."), "invalid_choice": _("Kies een status uit de lijst.")},
            "percentage": {
                "required": _("Vul een percentage tussen 0 en 100 in."),
                "invalid": PERCENTAGE_ERROR,
                "min_value": PERCENTAGE_ERROR,
                "max_value": PERCENTAGE_ERROR,
            },
        }

    def __init__(self, *args: Any, today: datetime.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today = today or clock.today()
        if "date" in self.fields:
            # The instance is new, so its (empty) date would otherwise win over a field initial.
            if not self.initial.get("date"):
                self.initial["date"] = today
            self.fields["date"].widget.attrs["max"] = today.isoformat()
        # (The admin shows a read-only user a form without fields.)
        if "status" in self.fields:
            # The model field has choices, so its form field is a (Typed)ChoiceField.
            status = cast(forms.ChoiceField, self.fields["status"])
            # A status is a choice to make, not a default to overlook.
            status.choices = [("", _("– kies een status –")), *Status.choices]
        if "percentage" in self.fields:
            self.fields["percentage"].widget.attrs.update({"min": 0, "max": 100, "step": 1, "inputmode": "numeric"})

    def clean_percentage(self) -> int | None:
        # The model validators would also refuse these, but with two generic messages.
        value = self.cleaned_data.get("percentage")
        if value is not None and not 0 <= value <= 100:
            raise forms.ValidationError(PERCENTAGE_ERROR, code="range")
        return value

    def clean_date(self) -> datetime.date | None:
        value = self.cleaned_data.get("date")
        if value is not None and value > self.today:
            raise forms.ValidationError(_("De datum ligt in de toekomst; vul vandaag of een eerdere datum in."))
        return value

    def clean(self) -> dict[str, Any]:
        # ModelForm.clean() returns cleaned_data; only an override may return None.
        cleaned = cast(dict[str, Any], super().clean())
        percentage = cleaned.get("percentage")
        if cleaned.get("status") == Status.DONE and percentage is not None and percentage != 100:
            self.add_error("percentage", _("Een afgeronde actie staat op 100%. Pas het percentage of de status aan."))
        return cleaned


class QuickUpdateForm(ProgressUpdateForm):
    """The compact form on "Mijn acties": the update is dated today."""

    class Meta(ProgressUpdateForm.Meta):
        fields = ["status", "percentage", "narrative"]
        widgets = {"narrative": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, today=today, **kwargs)
        self.instance.date = today
