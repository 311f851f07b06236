"""Import and export of municipalities and of the "basis op orde" assessments.

A municipality is named by its name, its district by the district's name; an assessment by the
municipality, the year of the district plan, the norm (its number in that plan, or its title) and
the date. See core/imports.py for the rules every import follows.
"""

from __future__ import annotations

from typing import Any, cast

from django.utils.translation import gettext as _
from import_export.fields import Field

from core.imports import (
    WHOLE_NUMBER,
    ChoiceWidget,
    DateWidget,
    LookupWidget,
    PolicyResource,
    TextWidget,
    WholeNumberWidget,
    other_column,
    whole_number,
)

from .models import BaselineAssessment, BaselineNorm, District, Municipality, Province


class DistrictWidget(LookupWidget):
    model = District
    render_path = "name"

    def lookup(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        return {"name__iexact": text}

    def missing(self, text: str, row: dict[str, Any]) -> str:
        names = ", ".join(District.objects.values_list("name", flat=True))
        return _("Er is geen district ‘%(name)s’; kies uit: %(names)s.") % {"name": text, "names": names}


class MunicipalityResource(PolicyResource):
    name = Field("name", "Naam", TextWidget())
    district = Field("district", "District", DistrictWidget())
    province = Field("province", "Provincie", ChoiceWidget(Province.choices))

    select_related = ("district",)
    case_insensitive_keys = ("name",)

    class Meta:
        model = Municipality
        name = "Gemeenten"
        fields = ("name", "district", "province")
        import_id_fields = ("name",)


MUNICIPALITY, YEAR = "Gemeente", "Jaar"


class MunicipalityWidget(LookupWidget):
    model = Municipality
    render_path = "name"

    def lookup(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        return {"name__iexact": text}

    def missing(self, text: str, row: dict[str, Any]) -> str:
        return _("Er is geen gemeente ‘%(name)s’.") % {"name": text}


class NormWidget(LookupWidget):
    """A norm of the municipality's district plan of the row's year, by its number or its title."""

    model = BaselineNorm
    render_path = "order"

    def __init__(self) -> None:
        super().__init__()
        self.municipalities = MunicipalityWidget()

    def lookup(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        year = whole_number(other_column(row, YEAR), "Vul een jaar in, bijvoorbeeld 2024.")
        # other_column refuses an empty cell, so the widget returns a Municipality (or raises).
        municipality = cast(Municipality, self.municipalities.clean(other_column(row, MUNICIPALITY)))
        query: dict[str, Any] = {"district_plan__plan__year": year, "district_plan__district": municipality.district_id}
        if WHOLE_NUMBER.fullmatch(text):
            query["order"] = int(text)
        else:
            query["title__iexact"] = text
        return query

    def missing(self, text: str, row: dict[str, Any]) -> str:
        return _("Het districtsplan %(year)s van de gemeente %(municipality)s heeft geen norm ‘%(norm)s’.") % {
            "year": row.get(YEAR),
            "municipality": row.get(MUNICIPALITY),
            "norm": text,
        }

    def queryset(self) -> Any:
        return BaselineNorm.objects.select_related("district_plan")


class BaselineAssessmentResource(PolicyResource):
    municipality = Field("municipality", MUNICIPALITY, MunicipalityWidget())
    # The year of the district plan is read by the norm's lookup; on export it comes from the norm.
    year = Field("norm__district_plan__plan__year", YEAR, WholeNumberWidget(), readonly=True)
    norm = Field("norm", "Norm", NormWidget())
    norm_title = Field("norm__title", "Normtitel", TextWidget(), readonly=True)
    assessed_on = Field("assessed_on", "Datum", DateWidget())
    status = Field("status", "Stand", ChoiceWidget(BaselineAssessment.Status.choices))
    note = Field("note", "Toelichting", TextWidget())

    select_related = ("norm__district_plan__plan", "norm__district_plan__district")

    class Meta:
        model = BaselineAssessment
        name = "Stand basis op orde"
        fields = ("municipality", "year", "norm", "norm_title", "assessed_on", "status", "note")
        import_id_fields = ("municipality", "norm", "assessed_on")

    def required_columns(self) -> list[str]:
        return [YEAR]

    def not_allowed(self, instance: Any) -> str:
        return _("U mag de stand van gemeente %(municipality)s (district %(district)s) niet wijzigen.") % {
            "municipality": instance.municipality.name,
            "district": instance.municipality.district.name,
        }
