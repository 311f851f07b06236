"""Preparing next year's plan: a concept copy of an existing plan, to be edited from there.

`create_next_year_plan` copies what the strategy app owns (the plan, its sections, phenomena and the
actions still open) and then runs the copy hooks the other plan apps register in their
`AppConfig.ready()`, so this module never imports `districts` or `budget`: the dependencies keep
pointing one way. Every hook receives a `PlanCopy` with the mapping from the source's section ids to
the new sections, so district chapters land under the copied sections.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core import permissions

from .models import Action, AnnualPlan, Phenomenon, PlanSection, SectionBlock, Status


@dataclass(frozen=True)
class PlanCopy:
    """What a copy hook needs: where from, where to, the new sections by old id and the indexation (%)."""

    source: AnnualPlan
    target: AnnualPlan
    sections: dict[int, PlanSection]
    indexation: Decimal


CopyHook = Callable[[PlanCopy], None]

_hooks: dict[str, CopyHook] = {}


def register_copy_hook(name: str, hook: CopyHook) -> None:
    """Let an app copy its part of a plan; registering under the same name again replaces the hook."""
    _hooks[name] = hook


def copy_hooks() -> list[tuple[str, CopyHook]]:
    return list(_hooks.items())


def _indexation(plan: AnnualPlan, indexation: Decimal | int | str | None) -> Decimal:
    if indexation is None:
        return Decimal(plan.price_compensation)
    try:
        value = Decimal(str(indexation))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise ValidationError({"indexation": "De indexering is een percentage tussen 0 en 100."})
    return value


def _check_can_copy(plan: AnnualPlan, year: int) -> None:
    strategy = plan.strategy
    if AnnualPlan.objects.filter(year=year).exists():
        raise ValidationError(
            f"Er bestaat al een jaarplan voor {year}. Pas dat jaarplan aan of verwijder het eerst; "
            f"er is niets gekopieerd."
        )
    # The same rule as AnnualPlan.clean(): the year after the strategy ends may still be prepared.
    if not strategy.start_year <= year <= strategy.end_year + 1:
        raise ValidationError(
            f"Het jaar {year} valt buiten de looptijd van {strategy} ({strategy.start_year}-{strategy.end_year}); "
            f"maak eerst een nieuwe meerjarenstrategie."
        )


def saved(obj: Any) -> Any:
    """Validate and save one copied object; every app's copy hook saves through here.

    Field and model validation (`clean`) run as for a form. The unique constraints are left to the
    database: the copy writes into a plan made in the same transaction, so a clash would be a bug, and
    checking them here costs one query per object (half the copy's time).
    """
    obj.full_clean(validate_constraints=False, validate_unique=False)
    obj.save()
    return obj


def _copy_sections(source: AnnualPlan, target: AnnualPlan) -> dict[int, PlanSection]:
    """Every section, parents before children, with the same order and slug: the numbers stay the same."""
    old_sections = PlanSection.objects.numbered(
        PlanSection.objects.filter(plan=source).select_related("goal", "programme_line")
    )
    copies: dict[int, PlanSection] = {}
    for old in old_sections:  # document order: a parent is always copied before its children
        copies[old.pk] = saved(
            PlanSection(
                plan=target,
                parent=copies[old.parent_id] if old.parent_id else None,
                order=old.order,
                slug=old.slug,
                title=old.title,
                body=old.body,
                goal=old.goal,
                programme_line=old.programme_line,
                table=old.table,
            )
        )
    return copies


def _copy_phenomena(source: AnnualPlan, target: AnnualPlan, sections: dict[int, PlanSection]) -> None:
    for old in Phenomenon.objects.filter(plan=source).order_by("category", "order"):
        saved(
            Phenomenon(
                plan=target,
                section=sections[old.section_id] if old.section_id else None,
                category=old.category,
                order=old.order,
                name=old.name,
                description=old.description,
            )
        )


def _copy_blocks(sections: dict[int, PlanSection]) -> None:
    """Text and figures between items carry over with their sections, uploaded images included."""
    for old in SectionBlock.objects.filter(section_id__in=list(sections)).order_by(
        "section_id", "after_items", "order"
    ):
        saved(
            SectionBlock(
                section=sections[old.section_id],
                after_items=old.after_items,
                order=old.order,
                text=old.text,
                caption=old.caption,
                alt_text=old.alt_text,
                image=old.image,
                image_type=old.image_type,
                image_sha256=old.image_sha256,
            )
        )


def _copy_open_actions(source: AnnualPlan, sections: dict[int, PlanSection]) -> None:
    """Actions whose latest update is not "afgerond" carry over, each linked to the action it continues.

    Progress stays with the old action (its page shows the last state). A due moment that lies in the
    old plan's year or before has passed by the time the new plan runs: it is cleared, which marks the
    copy "te herzien" (`Action.due_to_review`) instead of overdue; a later due moment is kept. A copy of
    an action without a due moment is not "te herzien": it is without a moment, as its action was.
    """
    actions = (
        Action.objects.filter(section__plan=source)
        .select_related("goal", "programme_line")
        .with_latest_update()
        .order_by("section_id", "order")
    )
    for old in actions:
        if old.status == Status.DONE:
            continue
        passed = old.due_year is not None and old.due_year <= source.year
        saved(
            Action(
                section=sections[old.section_id],
                order=old.order,
                title=old.title,
                description=old.description,
                owner=old.owner,
                goal=old.goal,
                programme_line=old.programme_line,
                due_year=None if passed else old.due_year,
                due_quarter=None if passed else old.due_quarter,
                due_note="" if passed else old.due_note,
                continues=old,
                due_passed=passed,
            )
        )


@transaction.atomic
def create_next_year_plan(*, plan: AnnualPlan, user: Any, indexation: Decimal | int | str | None = None) -> AnnualPlan:
    """Create the concept plan for `plan.year + 1` as a copy of `plan`; only the RIEC-bureau may.

    `indexation` is the percentage by which the cost lines rise (default: the plan's loon- en
    prijscompensatie); it becomes the new plan's price compensation. Refused with a ValidationError,
    and nothing written, when next year's plan exists or the year is outside the strategy period + 1.
    """
    if not permissions.is_bureau(user):
        raise PermissionDenied("Alleen het RIEC-bureau maakt het jaarplan voor volgend jaar.")
    # Locking the source serialises two bureau members pressing the button at the same time.
    source = AnnualPlan.objects.select_for_update().select_related("strategy").get(pk=plan.pk)
    year = source.year + 1
    _check_can_copy(source, year)
    percentage = _indexation(source, indexation)

    target = AnnualPlan(
        strategy=source.strategy,
        year=year,
        title=f"Jaarplan {year}",
        organisation=source.organisation,
        status=AnnualPlan.Status.CONCEPT,
        adopted_on=None,
        foreword_salutation=source.foreword_salutation,
        foreword=source.foreword,
        foreword_signatory=source.foreword_signatory,
        foreword_signatory_role=source.foreword_signatory_role,
        reading_guide=source.reading_guide,
        price_compensation=percentage,
    )
    target._change_reason = f"Gemaakt als kopie van {source}"  # type: ignore[attr-defined]
    saved(target)

    sections = _copy_sections(source, target)
    _copy_phenomena(source, target, sections)
    _copy_blocks(sections)
    _copy_open_actions(source, sections)

    copy = PlanCopy(source=source, target=target, sections=sections, indexation=percentage)
    for _name, hook in copy_hooks():
        hook(copy)
    return target
