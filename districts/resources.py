"""Import and export of municipalities and of the "basis op orde" assessments.

A municipality is named by its name, its district by the district's name; an assessment by the
municipality, the year of the district plan, the norm (its number in that plan, or its title) and
the date. See core/imports for the rules every import follows.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.imports.columns import (
    WHOLE_NUMBER,
    YEAR_MESSAGE,
    Cache,
    Choice,
    Date,
    Lookup,
    Text,
    WholeNumber,
    cell_text,
    other_column,
    whole_number,
)
from core.imports.resources import Resource

from .models import BaselineAssessment, BaselineNorm, District, Municipality, Province


class DistrictByName(Lookup):
    model = District
    render_path = "name"

    def query(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        return {"name__iexact": text}

    def missing(self, text: str, row: dict[str, Any]) -> str:
        names = ", ".join(District.objects.values_list("name", flat=True))
        return _("Er is geen district ‘%(name)s’; kies uit: %(names)s.") % {"name": text, "names": names}


class MunicipalityResource(Resource):
    model = Municipality
    name = "Gemeenten"
    name_ = Text("name", "Naam")
    district = DistrictByName("district", "District")
    province = Choice("province", "Provincie", Province.choices)

    key = ("name_",)
    select_related = ("district",)
    case_insensitive_keys = ("name_",)


MUNICIPALITY, YEAR = "Gemeente", "Jaar"
# Where a norm's lookup keeps the row's municipality (no header of a file can be this).
MUNICIPALITY_FOUND = "\x00gemeente"


class MunicipalityByName(Lookup):
    model = Municipality
    render_path = "name"

    def query(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        return {"name__iexact": text}

    def missing(self, text: str, row: dict[str, Any]) -> str:
        return _("Er is geen gemeente ‘%(name)s’.") % {"name": text}


class Norm(Lookup):
    """A norm of the municipality's district plan of the row's year, by its number or its title."""

    model = BaselineNorm
    render_path = "order"
    municipalities = MunicipalityByName("municipality", MUNICIPALITY)

    def parse(self, value: Any, row: dict[str, Any] | None = None, cache: Cache | None = None) -> Any:
        row = row or {}
        if cell_text(value):
            # other_column refuses an empty cell, so the lookup returns a Municipality (or raises).
            municipality = self.municipalities.parse(other_column(row, MUNICIPALITY), row, cache)
            row = {**row, MUNICIPALITY_FOUND: municipality}
        return super().parse(value, row, cache)

    def query(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        year = whole_number(other_column(row, YEAR), YEAR_MESSAGE)
        municipality = row[MUNICIPALITY_FOUND]
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


class BaselineAssessmentResource(Resource):
    model = BaselineAssessment
    name = "Stand basis op orde"
    municipality = MunicipalityByName("municipality", MUNICIPALITY)
    # The year of the district plan is read by the norm's lookup; on export it comes from the norm.
    year = WholeNumber("norm__district_plan__plan__year", YEAR)
    norm = Norm("norm", "Norm")
    norm_title = Text("norm__title", "Normtitel")
    assessed_on = Date("assessed_on", "Datum")
    status = Choice("status", "Stand", BaselineAssessment.Status.choices)
    note = Text("note", "Toelichting")

    key = ("municipality", "norm", "assessed_on")
    select_related = ("norm__district_plan__plan", "norm__district_plan__district")

    @classmethod
    def required_headers(cls) -> list[str]:
        return [*super().required_headers(), YEAR]

    def not_allowed(self, instance: Any) -> str:
        return _("U mag de stand van gemeente %(municipality)s (district %(district)s) niet wijzigen.") % {
            "municipality": instance.municipality.name,
            "district": instance.municipality.district.name,
        }
