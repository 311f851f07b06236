"""Columns: one cell of a file to one value of a model and back (pretix's ImportColumn, ours in Dutch).

- A column has a Dutch header and reads a cell strictly: "260.000" is not 260 and an unknown district
  is an error, not an empty field (`parse` raises ValueError with the Dutch sentence).
- `render` writes the value for an export: numbers stay numbers, dates stay dates; `preview` shows it
  as a person reads it on our pages (1.378.037, "pm", "-", 31-03-2024).
- Exported text cannot start a spreadsheet formula (`neutralise`); reading it back undoes that.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from core.formatting import MINUS, format_amount, format_number

# A cell starting with one of these is read as a formula (or as the start of one) by spreadsheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
WHOLE_NUMBER = re.compile(r"-?\d+")
# What one import run remembers of its lookups: (column, query) -> the object or None.
Cache = dict[tuple[Any, ...], Any]
NUMBER_MESSAGE = "Vul een heel getal in, zonder punten of tekens."
YEAR_MESSAGE = "Vul een jaar in, bijvoorbeeld 2024."
QUARTER_MESSAGE = "Een kwartaal is 1, 2, 3 of 4."
AMOUNT_MESSAGE = "Vul een bedrag in hele euro's in, bijvoorbeeld 1234000 of € 1.234.000."
CENTS_MESSAGE = "Bedragen zijn hele euro's: ‘%(value)s’ heeft centen. Rond het bedrag af op hele euro's."
COMMA_MESSAGE = (
    "‘%(value)s’ is geen bedrag in hele euro's: een komma staat voor centen. "
    "Schrijf duizendtallen met een punt (1.234.000) of zonder scheidingsteken (1234000)."
)


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading quote; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unneutralise(text: str) -> str:
    """The reverse of `neutralise`, so an exported file imports to the same text."""
    if len(text) > 1 and text[0] == "'" and text[1] in "".join(FORMULA_TRIGGERS):
        return text[1:]
    return text


def cell_text(value: Any) -> str:
    """A cell as stripped text; a number from a spreadsheet as its digits (2024, not 2024.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unneutralise(str(value).strip())


def follow(obj: Any, path: str) -> Any:
    """The value at `path` ("section__plan__year") of `obj`, or None where the path breaks off."""
    for attribute in path.split("__"):
        if obj is None:
            return None
        try:
            obj = getattr(obj, attribute)
        except (AttributeError, ObjectDoesNotExist):
            return None
    return obj


class Column:
    """One column of a file. `attribute` is the model field it fills, or a path it shows (read-only).

    `name` is set from the attribute name in the resource that declares the column.
    """

    name = ""

    def __init__(self, attribute: str, header: str, *, readonly: bool = False) -> None:
        self.attribute = attribute
        self.header = header
        self.readonly = readonly or "__" in attribute

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def parse(self, value: Any, row: dict[str, Any] | None = None, cache: Cache | None = None) -> Any:
        return cell_text(value)

    def get(self, obj: Any) -> Any:
        return follow(obj, self.attribute)

    def render(self, value: Any) -> Any:
        return "" if value is None else value

    def preview(self, value: Any) -> str:
        rendered = self.render(value)
        return "" if rendered is None else str(rendered)


class Text(Column):
    pass


class WholeNumber(Column):
    """Whole numbers only, with an optional minus sign; exported as a number, not as text.

    Django's IntegerField reads "260.000" (Dutch for 260000) as 260, so it is not used for amounts or keys.
    """

    def __init__(self, attribute: str, header: str, message: str = NUMBER_MESSAGE, **kwargs: Any) -> None:
        super().__init__(attribute, header, **kwargs)
        self.message = message

    def parse(self, value: Any, row: dict[str, Any] | None = None, cache: Cache | None = None) -> int | None:
        return parse_whole_number(value, self.message)


def parse_whole_number(value: Any, message: str = NUMBER_MESSAGE) -> int | None:
    if isinstance(value, bool):
        raise ValueError(message)
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        if value != int(value):
            raise ValueError(message)
        return int(value)
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    if not WHOLE_NUMBER.fullmatch(text):
        raise ValueError(message)
    return int(text)


def whole_number(text: str, message: str = NUMBER_MESSAGE) -> int:
    value = parse_whole_number(text, message)
    if value is None:
        raise ValueError(message)
    return value


DIGITS = re.compile(r"[0-9]+")
THOUSANDS = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+")
WHOLE_CENTS = re.compile(r"([0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+),(?:00|-)")
WITH_CENTS = re.compile(r"([0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+),[0-9]+|[0-9]+\.[0-9]{1,2}")
COMMA_THOUSANDS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")


class Amount(WholeNumber):
    """Whole euros, as a person writes them: 1234000, 1.234.000, € 1.234.000, -12.500, € 1.234,-.

    As our pages show them, too: "pm" is an amount not yet known (empty) and "-" is zero. A comma
    stands for cents, as in Dutch: "260,000" is refused rather than read as 260 (or as 260000); an
    amount with cents is refused with its own message, never rounded silently.
    """

    def __init__(self, attribute: str, header: str, **kwargs: Any) -> None:
        super().__init__(attribute, header, AMOUNT_MESSAGE, **kwargs)

    def parse(self, value: Any, row: dict[str, Any] | None = None, cache: Cache | None = None) -> int | None:
        if isinstance(value, float | Decimal) and value != int(value):
            raise ValueError(CENTS_MESSAGE % {"value": format_number(Decimal(str(value)))})
        if not isinstance(value, str):
            return super().parse(value, row, cache)
        written = value.strip()
        if not written or written.casefold() == "pm":
            return None
        text = "".join(written.split()).replace("€", "")  # spaces of any kind and the euro sign
        text = text.replace(MINUS, "-")  # an amount copied from one of our pages carries the real minus sign
        if text in ("-", "€-"):
            return 0  # our pages write a zero amount as "-"
        sign = 1
        if text.startswith("-"):
            sign, text = -1, text[1:]
        elif text.endswith("-") and not text.endswith(",-"):
            sign, text = -1, text[:-1]  # 1.234- as accountants write it
        if DIGITS.fullmatch(text):
            return sign * int(text)
        if THOUSANDS.fullmatch(text):
            return sign * int(text.replace(".", ""))
        if WHOLE_CENTS.fullmatch(text):
            return sign * int(text.split(",")[0].replace(".", ""))
        if COMMA_THOUSANDS.fullmatch(text):  # 260,000: cents to a Dutch reader, thousands to others
            raise ValueError(COMMA_MESSAGE % {"value": written})
        if WITH_CENTS.fullmatch(text):
            raise ValueError(CENTS_MESSAGE % {"value": written})
        raise ValueError(self.message)

    def preview(self, value: Any) -> str:
        return format_amount(value)


class Choice(Column):
    """A choice by its stored value or its Dutch label, in any case; exported as the stored value."""

    def __init__(self, attribute: str, header: str, choices: Iterable[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(attribute, header, **kwargs)
        self.choices = list(choices)
        self.lookup = {str(key).lower(): key for key, _label in self.choices}
        self.lookup.update({str(label).lower(): key for key, label in self.choices})

    def parse(self, value: Any, row: dict[str, Any] | None = None, cache: Cache | None = None) -> str:
        text = cell_text(value)
        if not text:
            return ""
        try:
            return self.lookup[text.lower()]
        except KeyError:
            options = ", ".join(str(key) for key, _label in self.choices if key)
            message = _("‘%(value)s’ is geen keuze; kies uit: %(options)s.")
            raise ValueError(message % {"value": text, "options": options}) from None

    def render(self, value: Any) -> Any:
        return value or ""

    def preview(self, value: Any) -> str:
        return str(dict(self.choices).get(value, value or ""))


class Date(Column):
    """A date as 2024-03-31 or 31-03-2024, or a date cell of a spreadsheet; exported as a date."""

    FORMATS = ("%Y-%m-%d", "%d-%m-%Y")

    def parse(self, value: Any, row: dict[str, Any] | None = None, cache: Cache | None = None) -> datetime.date | None:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = cell_text(value)
        if not text:
            return None
        for date_format in self.FORMATS:
            try:
                return datetime.datetime.strptime(text, date_format).date()
            except ValueError:
                continue
        raise ValueError(_("‘%(value)s’ is geen datum; schrijf bijvoorbeeld 2024-03-31.") % {"value": text})

    def render(self, value: Any) -> Any:
        return "" if value is None else value

    def preview(self, value: Any) -> str:
        return "" if value is None else value.strftime("%d-%m-%Y")


class Lookup(Column):
    """A related object named by a human key, possibly with the help of other columns of the row.

    Each distinct key is looked up once per import: a file of 10,000 rows for one plan asks for the
    plan once. Subclasses say how to find the object (`query`), what is missing (`missing`) and
    what an export writes (`render_path`).
    """

    model: type[Model]
    render_path = "pk"

    def query(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        """Query arguments for the object named by `text`; raise ValueError (in Dutch) when they cannot be made."""
        raise NotImplementedError

    def missing(self, text: str, row: dict[str, Any]) -> str:
        raise NotImplementedError

    def queryset(self) -> QuerySet[Any]:
        return self.model._default_manager.all()

    def parse(self, value: Any, row: dict[str, Any] | None = None, cache: Cache | None = None) -> Model | None:
        """The object, looked up once per import: `cache` belongs to one run (columns are shared)."""
        text = cell_text(value)
        if not text:
            return None
        row = row or {}
        query = self.query(text, row)
        key = (self.name, type(self).__name__, *sorted(query.items()))
        cache = {} if cache is None else cache
        if key not in cache:
            cache[key] = self.queryset().filter(**query).first()
        found = cache[key]
        if found is None:
            raise ValueError(self.missing(text, row))
        return found

    def render(self, value: Any) -> Any:
        value = follow(value, self.render_path)
        return "" if value is None else value

    def preview(self, value: Any) -> str:
        return str(self.render(value))


def other_column(row: dict[str, Any], column: str) -> str:
    """The text of another column of the row, which a lookup needs."""
    if column not in row:
        raise ValueError(_("De kolom ‘%(column)s’ ontbreekt.") % {"column": column})
    text = cell_text(row[column])
    if not text:
        raise ValueError(_("Vul ook de kolom ‘%(column)s’ in.") % {"column": column})
    return text
