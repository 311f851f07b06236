"""What the strategy's admin modules share: document order, number search, closed quarters."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from ..models import (
    plan_outlines,
)

PERCENTAGE_ERRORS = {
    "min_value": _("Een percentage ligt tussen 0 en 100."),
    "max_value": _("Een percentage ligt tussen 0 en 100."),
}

# The jaarplan goes three levels deep (4 Begroting, 4.1 Wat kost het?, 4.1.1 ...); deeper
# sections still sort under their grandparent, only their place among deeper siblings is approximate.
DOCUMENT_DEPTH = 3


def document_order_keys(prefix: str = "") -> dict[str, Case]:
    """Annotations that sort sections as the plan prints them: chapter, paragraph, subparagraph.

    Key i is the `order` of the section's ancestor at level i, or -1 when the section is shallower,
    so a chapter sorts before its paragraphs. `prefix` reaches the section from another model.
    """
    keys: dict[str, Case] = {}
    for level in range(1, DOCUMENT_DEPTH + 1):
        whens = []
        for depth in range(1, DOCUMENT_DEPTH):
            at_depth = Q(**{f"{prefix}{'parent__' * (depth - 1)}parent__isnull": True})
            value = F(f"{prefix}{'parent__' * (depth - level)}order") if level <= depth else Value(-1)
            whens.append(When(at_depth, then=value))
        default = F(f"{prefix}{'parent__' * (DOCUMENT_DEPTH - level)}order")
        keys[f"document_key_{level}"] = Case(*whens, default=default, output_field=IntegerField())
    return keys


# A section is picked by its number ("3.2.2", or "2.2" for 2.2 and its paragraphs) or a plan's year.
NUMBER_TERM = re.compile(r"^\d+(\.\d+)*\.?$")
YEAR_TERM = re.compile(r"^20\d\d$")
ACTION_NUMBER_TERM = re.compile(r"^\d+(\.\d+)*(\.|-\d+)?$")


def split_numbers(search_term: str, pattern: re.Pattern[str] = NUMBER_TERM) -> tuple[list[str], str]:
    """The terms that look like a number ("3.2.2"), and the words, which Django's search looks up."""
    terms = search_term.split()
    numbers = [term for term in terms if pattern.match(term)]
    return numbers, " ".join(term for term in terms if term not in numbers)


def sections_numbered(sections: QuerySet[Any], number: str, plan_path: str = "plan_id") -> list[int]:
    """The ids of the sections (of the plans in `sections`) numbered `number` or below it ("2.2" and "2.2.1")."""
    number = number.rstrip(".")
    plan_ids = set(sections.order_by().values_list(plan_path, flat=True).distinct())
    return [
        pk
        for outline in plan_outlines(plan_ids).values()
        for pk, section_number in outline.numbers.items()
        if section_number == number or section_number.startswith(f"{number}.")
    ]
