"""Validators that several apps' models share."""

from __future__ import annotations

from django.core.exceptions import ValidationError

# Every character Python's str.splitlines() breaks a line on: a name with one of these is two lines
# in an e-mail subject (which refuses it), a PDF heading or a CSV cell.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def validate_single_line(value: str) -> None:
    """A name is one line: no line break of any kind, and no tab or other control character."""
    if any(char in LINE_BREAKS or (ord(char) < 32) or ord(char) == 127 for char in value):
        raise ValidationError(
            "Een naam past op één regel: zonder regeleinde, tab of ander stuurteken.", code="single_line"
        )


def one_line(value: str) -> str:
    """`value` with every run of whitespace (line breaks included) as one space, trimmed."""
    return " ".join(value.split())
