"""Forms for reporting progress on an action: on the action page, on Mijn acties and in the admin.

The forms only read what was typed; the rules (no future date, nothing inside a closed quarter, a
finished action at 100 %) are `services.progress_errors`, and saving is `services.report_progress`,
which sets the author to the logged-in user. No form has an author field.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from core import clock
from core.history import VERSION_FIELD

from . import services
from .models import ProgressUpdate, QuarterClose, Status

PERCENTAGE_ERROR = services.PERCENTAGE_ERROR
# Within this many days of a quarter's start, Mijn acties offers to date an update in the quarter before.
LOOK_BACK_DAYS = 14


class ProgressUpdateForm(forms.ModelForm):
    """A dated progress update; the view or the admin passes the action (on the instance).

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

    def update_date(self) -> datetime.date | None:
        return self.cleaned_data.get("date")

    def clean(self) -> dict[str, Any]:
        # ModelForm.clean() returns cleaned_data; only an override may return None.
        cleaned = cast(dict[str, Any], super().clean())
        if self.instance.pk is not None and not self.has_changed():
            return cleaned  # an untouched row of the admin's inline is not saved, so not checked
        action = cleaned.get("action") or (self.instance.action if self.instance.action_id else None)
        errors = services.progress_errors(
            action=action,
            date=self.update_date() if "date" not in self.errors else None,
            status=cleaned.get("status"),
            percentage=cleaned.get("percentage") if "percentage" not in self.errors else None,
            update=self.instance if self.instance.pk is not None else None,
            today=self.today,
        )
        for field, messages in errors.items():
            for message in messages:
                self.add_error(None if field == services.NON_FIELD or field not in self.fields else field, message)
        return cleaned

    def report(self, user: Any) -> ProgressUpdate:
        """Save through the one progress service (the author is `user`)."""
        return services.report_progress(
            user=user,
            action=self.instance.action,
            date=cast(datetime.date, self.update_date()),
            status=self.cleaned_data["status"],
            percentage=self.cleaned_data["percentage"],
            narrative=self.cleaned_data.get("narrative", ""),
            update=self.instance if self.instance.pk is not None else None,
            # Carried by the admin's forms (core.admin_versioning.VersionCheckForm); a new update has none.
            expected_version=self.cleaned_data.get(VERSION_FIELD),
        )


class QuickUpdateForm(ProgressUpdateForm):
    """The compact form on "Mijn acties": dated today, or, on a card of the quarter just ended,
    on that quarter's last day (`reports_on`), pre-filled with the action's last state.

    Which quarter a card reports on is fixed by the card, never re-dated: an update for a quarter
    that was closed meanwhile is refused by the progress service's rule, with its message.
    """

    class Meta(ProgressUpdateForm.Meta):
        fields = ["status", "percentage", "narrative"]
        widgets = {"narrative": forms.Textarea(attrs={"rows": 2})}

    def __init__(
        self,
        *args: Any,
        today: datetime.date,
        reports_on: datetime.date | None = None,
        latest: ProgressUpdate | None = None,
        **kwargs: Any,
    ) -> None:
        """`reports_on`: the last day of the quarter just ended, for a card of that quarter; `latest`: the
        action's last update, whose state the card starts from."""
        if latest is not None:
            initial = kwargs.setdefault("initial", {})
            initial.update({"status": latest.status, "percentage": latest.percentage, "narrative": latest.narrative})
        super().__init__(*args, today=today, **kwargs)
        self.reports_on = reports_on
        self.instance.date = reports_on or today

    def update_date(self) -> datetime.date | None:
        return self.reports_on or self.today


def previous_quarter_end(today: datetime.date) -> datetime.date:
    """The last day of the quarter before the one of `today`."""
    _quarter, start, _end = clock.quarter_of(today)
    return start - datetime.timedelta(days=1)


def look_back_date(today: datetime.date) -> datetime.date | None:
    """The last day of the quarter just ended, while Mijn acties shows its cards.

    That is during the first two weeks of a quarter, unless the bureau has closed the quarter already.
    """
    _quarter, start, _end = clock.quarter_of(today)
    if (today - start).days >= LOOK_BACK_DAYS:
        return None
    previous_end = previous_quarter_end(today)
    if QuarterClose.objects.closing(previous_end) is not None:
        return None
    return previous_end
