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
    action_districts,
    district_label,
    plan_label,
    plan_outline,
    plan_outlines,
    plans_action_districts,
    preload_labels,
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
    "action_districts",
    "checked_image",
    "district_label",
    "plan_label",
    "plan_outline",
    "plan_outlines",
    "plans_action_districts",
    "preload_labels",
]
