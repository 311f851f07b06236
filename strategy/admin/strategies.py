"""Admin screens for the strategy, its goals and programme lines."""

from __future__ import annotations

from django.contrib import admin

from core.admin_policy import (
    PolicyModelAdmin,
    PolicyTabularInline,
)

from ..models import (
    Goal,
    ProgrammeLine,
    Strategy,
)

# Strategy ---------------------------------------------------------------------------------------


class GoalInline(PolicyTabularInline):
    model = Goal
    fields = ("number", "short_title", "title")
    extra = 0


class ProgrammeLineInline(PolicyTabularInline):
    model = ProgrammeLine
    fields = ("number", "title", "goal")
    autocomplete_fields = ("goal",)
    extra = 0


@admin.register(Strategy)
class StrategyAdmin(PolicyModelAdmin):
    list_display = ("name", "subtitle", "start_year", "end_year")
    search_fields = ("name", "subtitle")
    inlines = (GoalInline, ProgrammeLineInline)


@admin.register(Goal)
class GoalAdmin(PolicyModelAdmin):
    list_display = ("number", "short_title", "title", "strategy")
    list_display_links = ("number", "short_title")
    list_select_related = ("strategy",)
    list_filter = ("strategy",)
    search_fields = ("short_title", "title")
    autocomplete_fields = ("strategy",)
    ordering = ("strategy__start_year", "number")


@admin.register(ProgrammeLine)
class ProgrammeLineAdmin(PolicyModelAdmin):
    list_display = ("number", "title", "goal", "strategy")
    list_display_links = ("number", "title")
    list_select_related = ("strategy", "goal")
    list_filter = ("strategy",)
    search_fields = ("title",)
    autocomplete_fields = ("strategy", "goal")
    ordering = ("strategy__start_year", "number")
