"""A round of "basis op orde": the stand of every municipality of a district on every norm, in one form.

A coordinator (of their own district) or the bureau chooses a stand and a date per cell and saves
once. The rules are those of the single assessment form: each new assessment passes the model's
validation (one per municipality, norm and day) and the permission policy; one refused cell and
nothing is saved. Each assessment is saved on its own, so it gets its own historical record.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core import permissions

from . import services
from .models import BaselineAssessment, BaselineNorm, DistrictPlan, Municipality

UNCHANGED = ""


@dataclass
class Cell:
    municipality: Municipality
    norm: BaselineNorm
    status: forms.BoundField
    date: forms.BoundField
    latest: BaselineAssessment | None

    @property
    def errors(self) -> list[str]:
        return [*self.status.errors, *self.date.errors]


@dataclass
class Row:
    municipality: Municipality
    cells: list[Cell]


def may_fill_round(user: Any, district_plan: DistrictPlan) -> bool:
    """May the user record assessments in this district? The policy decides, for an assessment there."""
    probe = BaselineAssessment(municipality=Municipality(district_id=district_plan.district_id))
    return permissions.can_add(user, BaselineAssessment) and permissions.can_change(user, probe)


class BaselineRoundForm(forms.Form):
    """One field pair (stand, date) per municipality and norm; a cell without a stand stays as it is."""

    def __init__(
        self,
        *args: Any,
        district_plan: DistrictPlan,
        user: Any,
        today: datetime.date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.district_plan = district_plan
        self.user = user
        # Queries: the district's municipalities, the norms of its plan, their latest assessments.
        self.municipalities = list(Municipality.objects.filter(district_id=district_plan.district_id).order_by("name"))
        self.norms = list(district_plan.norms.order_by("order", "pk"))
        latest: dict[tuple[int, int], BaselineAssessment] = {}
        for assessment in BaselineAssessment.objects.filter(norm__in=self.norms).order_by("-assessed_on", "-pk"):
            latest.setdefault((assessment.municipality_id, assessment.norm_id), assessment)

        choices = [(UNCHANGED, _("– ongewijzigd –")), *BaselineAssessment.Status.choices]
        self.rows: list[Row] = []
        for municipality in self.municipalities:
            cells = []
            for norm in self.norms:
                prefix = self.prefix_of(municipality, norm)
                self.fields[f"{prefix}-status"] = forms.ChoiceField(
                    label=_("Stand %(municipality)s bij %(norm)s") % {"municipality": municipality, "norm": norm.title},
                    choices=choices,
                    required=False,
                )
                self.fields[f"{prefix}-date"] = forms.DateField(
                    label=_("Datum %(municipality)s bij %(norm)s") % {"municipality": municipality, "norm": norm.title},
                    required=False,
                    initial=today,
                    # The browser offers no day after today; clean() refuses one all the same.
                    widget=forms.DateInput(attrs={"type": "date", "max": today.isoformat()}, format="%Y-%m-%d"),
                    error_messages={"invalid": _("Vul een geldige datum in.")},
                )
                cells.append(
                    Cell(
                        municipality,
                        norm,
                        self[f"{prefix}-status"],
                        self[f"{prefix}-date"],
                        latest.get((municipality.pk, norm.pk)),
                    )
                )
            self.rows.append(Row(municipality, cells))
        self.assessments: list[BaselineAssessment] = []

    @staticmethod
    def prefix_of(municipality: Municipality, norm: BaselineNorm) -> str:
        return f"cel-{municipality.pk}-{norm.pk}"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.assessments = []
        for row in self.rows:
            for cell in row.cells:
                assessment = self._clean_cell(cleaned, cell)
                if assessment is not None:
                    self.assessments.append(assessment)
        if not self.errors and not self.assessments:
            raise ValidationError(_("Kies bij minstens één gemeente en norm een stand; er is niets opgeslagen."))
        return cleaned

    def _clean_cell(self, cleaned: dict[str, Any], cell: Cell) -> BaselineAssessment | None:
        status_name, date_name = cell.status.name, cell.date.name
        status = cleaned.get(status_name)
        if not status:
            return None
        day = cleaned.get(date_name)
        if day is None:
            if date_name not in self.errors:
                self.add_error(date_name, _("Vul een datum in."))
            return None
        assessment = BaselineAssessment(municipality=cell.municipality, norm=cell.norm, status=status, assessed_on=day)
        if not permissions.can_change(self.user, assessment):
            self.add_error(status_name, _("U mag de stand van deze gemeente niet vastleggen."))
            return None
        try:
            # The single form's rules: one assessment per municipality, norm and day; the norm of its district.
            assessment.full_clean()
        except ValidationError as error:
            for message in error.messages:
                self.add_error(date_name, message)
            return None
        return assessment

    def save(self) -> list[BaselineAssessment]:
        """All assessments or none, through the service (districts.services.record_baseline_round)."""
        return services.record_baseline_round(assessments=self.assessments, user=self.user)
