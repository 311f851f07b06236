"""What must add up before a plan is adopted: checks that other apps register.

The budget's checks (budget/checks.py) decide whether a plan may be adopted without a second
thought, but strategy may not import budget. So, as with the copy hooks of `plan_copy`, an app
registers its checks in its `AppConfig.ready()` and `adopt_plan` runs whatever is registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from core.formatting import format_amount, format_difference

from .models import AnnualPlan


class CheckOutcome(Protocol):
    """One comparison, as budget.checks.CheckResult gives it: what is there, what should be."""

    @property
    def name(self) -> str: ...

    @property
    def expected(self) -> int: ...

    @property
    def actual(self) -> int: ...

    @property
    def difference(self) -> int: ...

    @property
    def ok(self) -> bool: ...


AdoptionCheck = Callable[[AnnualPlan], Iterable[CheckOutcome]]


@dataclass(frozen=True)
class FailedCheck:
    """A check that does not add up, with its amounts as the adopt page and the history show them."""

    group: str
    name: str
    expected: int
    actual: int
    difference: int

    @property
    def actual_display(self) -> str:
        return format_amount(self.actual)

    @property
    def expected_display(self) -> str:
        return format_amount(self.expected)

    @property
    def difference_display(self) -> str:
        return format_difference(self.difference)

    def __str__(self) -> str:
        return f"{self.group}: {self.name} ({self.difference_display})"


_checks: dict[str, tuple[str, AdoptionCheck]] = {}


def register_adoption_check(name: str, group: str, check: AdoptionCheck) -> None:
    """Let an app check a plan before adoption; `group` names the checks on the page ("Begroting").

    Registering under the same name again replaces the check.
    """
    _checks[name] = (group, check)


def adoption_checks() -> list[tuple[str, str, AdoptionCheck]]:
    return [(name, group, check) for name, (group, check) in _checks.items()]


def failing_checks(plan: AnnualPlan) -> list[FailedCheck]:
    """Every registered check of `plan` that does not add up, in the order of registration."""
    return [
        FailedCheck(
            group=group,
            name=outcome.name,
            expected=outcome.expected,
            actual=outcome.actual,
            difference=outcome.difference,
        )
        for _name, group, check in adoption_checks()
        for outcome in check(plan)
        if not outcome.ok
    ]
