"""The strategy and its yearly plans: goals, programme lines, sections, actions and progress.

One module per idea; every model and helper stays importable from `strategy.models`.
"""

from strategy.models.actions import Action, ActionManager, ActionQuerySet, ProgressUpdate, Status
from strategy.models.blocks import (
    FIGURE_MAX_BYTES,
    FIGURE_MAX_PIXELS,
    FIGURE_TYPES,
    SectionBlock,
    SectionBlockManager,
    checked_image,
)
from strategy.models.labels import (
    PlanOutline,
    district_label,
    label_actions,
    label_sections,
    plan_label,
    plan_outline,
    plan_outlines,
)
from strategy.models.phenomena import Phenomenon, PhenomenonManager
from strategy.models.plans import (
    AnnualPlan,
    AnnualPlanManager,
    AnnualPlanQuerySet,
    PlanSection,
    PlanSectionManager,
    PlanSectionQuerySet,
)
from strategy.models.quarters import (
    ActionSnapshot,
    QuarterClose,
    QuarterCloseManager,
    QuarterCloseQuerySet,
    SentReminder,
)
from strategy.models.strategy import (
    PERCENTAGE_VALIDATORS,
    QUARTER_VALIDATORS,
    Goal,
    GoalManager,
    ProgrammeLine,
    ProgrammeLineManager,
    Strategy,
    StrategyManager,
)

__all__ = [
    "FIGURE_MAX_BYTES",
    "FIGURE_MAX_PIXELS",
    "FIGURE_TYPES",
    "PERCENTAGE_VALIDATORS",
    "QUARTER_VALIDATORS",
    "Action",
    "ActionManager",
    "ActionQuerySet",
    "ActionSnapshot",
    "AnnualPlan",
    "AnnualPlanManager",
    "AnnualPlanQuerySet",
    "Goal",
    "GoalManager",
    "Phenomenon",
    "PhenomenonManager",
    "PlanOutline",
    "PlanSection",
    "PlanSectionManager",
    "PlanSectionQuerySet",
    "ProgrammeLine",
    "ProgrammeLineManager",
    "ProgressUpdate",
    "QuarterClose",
    "QuarterCloseManager",
    "QuarterCloseQuerySet",
    "SectionBlock",
    "SectionBlockManager",
    "SentReminder",
    "Status",
    "Strategy",
    "StrategyManager",
    "checked_image",
    "district_label",
    "label_actions",
    "label_sections",
    "plan_label",
    "plan_outline",
    "plan_outlines",
]
