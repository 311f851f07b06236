"""Admin screens of the strategy app; importing the modules registers their ModelAdmins."""

from . import actions, plans, progress, quarters, reminders, sections, strategies
from .sections import SectionBlockForm

__all__ = ["SectionBlockForm", "actions", "plans", "progress", "quarters", "reminders", "sections", "strategies"]
