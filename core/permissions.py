"""The one permission policy of riec-plan: who may view, add, change or delete what.

The admin, the views and the imports all ask these functions; nothing decides on its own.

- Every active, logged-in user may view everything (the data is shared within the partnership;
  anonymous visitors see nothing).
- RIEC-bureau staff (and superusers) change everything.
- A district coordinator changes only the district-bound data of their own district(s).
- The stuurgroep reads everything and adopts a plan.
- An adopted plan, and everything in it, is read-only for everyone, except progress updates and
  assessments, which continue through the year; the bureau can reopen it.

Each app registers for its models where the plan and the district of an object are found
(`register`), so this module needs no import of the apps that depend on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q

from .roles import BUREAU, COORDINATOR, STEERING_GROUP

# Resolves an object to the ids of the districts it belongs to (empty: none).
DistrictResolver = Callable[[Any], set[int]]


@dataclass
class Scope:
    plan_path: str | None = None  # attribute path from the object to its AnnualPlan ("section__plan")
    district: DistrictResolver | None = None
    district_filter: Callable[[set[int]], Q] | None = None  # the same as a queryset filter
    coordinator_edits: bool = False  # district data a coordinator keeps up to date for their district
    open_after_adoption: bool = False  # progress and assessments continue on an adopted plan


_scopes: dict[type[Model], Scope] = {}
_user_districts: list[Callable[[Any], set[int]]] = []


def register(model: type[Model], **fields: Any) -> None:
    """Declare (or extend) what the policy needs to know about a model."""
    scope = _scopes.setdefault(model, Scope())
    for name, value in fields.items():
        setattr(scope, name, value)


def register_user_districts(resolver: Callable[[Any], set[int]]) -> None:
    _user_districts.append(resolver)


def scope_of(model: type[Model] | Model) -> Scope:
    model_class = model if isinstance(model, type) else type(model)
    return _scopes.get(model_class, Scope())


# Roles ---------------------------------------------------------------------------------------


def _group_names(user: Any) -> set[str]:
    cached = getattr(user, "_riec_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._riec_groups = cached
    return cached


def is_active_user(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_bureau(user: Any) -> bool:
    return is_active_user(user) and (user.is_superuser or BUREAU in _group_names(user))


def is_steering_group(user: Any) -> bool:
    return is_active_user(user) and STEERING_GROUP in _group_names(user)


def is_coordinator(user: Any) -> bool:
    return is_active_user(user) and COORDINATOR in _group_names(user)


def user_district_ids(user: Any) -> set[int]:
    if not is_coordinator(user):
        return set()
    cached = getattr(user, "_riec_districts", None)
    if cached is None:
        cached = set().union(*(resolver(user) for resolver in _user_districts)) if _user_districts else set()
        user._riec_districts = cached
    return cached


# Objects -------------------------------------------------------------------------------------


def plan_of(obj: Model) -> Any:
    path = scope_of(obj).plan_path
    if not path:
        return None
    value: Any = obj
    for attribute in path.split("__"):
        value = getattr(value, attribute, None)
        if value is None:
            return None
    return value


def district_ids_of(obj: Model) -> set[int]:
    resolver = scope_of(obj).district
    return resolver(obj) if resolver else set()


def is_locked(obj: Model) -> bool:
    """True when the object belongs to an adopted plan and is not progress data."""
    if scope_of(obj).open_after_adoption:
        return False
    plan = obj if type(obj).__name__ == "AnnualPlan" else plan_of(obj)
    return bool(plan is not None and getattr(plan, "status", None) == "vastgesteld")


# Questions the admin, views and imports ask ----------------------------------------------------


def can_view(user: Any, obj: Model | None = None) -> bool:
    return is_active_user(user)


def can_add(user: Any, model: type[Model]) -> bool:
    """May the user add objects of this kind at all (the object itself is checked on save)?"""
    if is_bureau(user):
        return True
    return is_coordinator(user) and scope_of(model).coordinator_edits


def can_change(user: Any, obj: Model) -> bool:
    if not is_active_user(user) or is_locked(obj):
        return False
    if is_bureau(user):
        return True
    if is_coordinator(user) and scope_of(obj).coordinator_edits:
        districts = district_ids_of(obj)
        return bool(districts) and districts <= user_district_ids(user)
    return False


def can_delete(user: Any, obj: Model) -> bool:
    # A coordinator removes their district's items, but not the district's chapter itself.
    if type(obj).__name__ == "DistrictPlan" and not is_bureau(user):
        return False
    return can_change(user, obj)


def can_change_model(user: Any, model: type[Model]) -> bool:
    """Whether the user may change some objects of this kind (for menus and list pages)."""
    return is_bureau(user) or (is_coordinator(user) and scope_of(model).coordinator_edits)


def editable_filter(user: Any, model: type[Model]) -> Q | None:
    """A queryset filter for the objects the user may change, or None for all of them."""
    if is_bureau(user):
        return None
    scope = scope_of(model)
    if is_coordinator(user) and scope.coordinator_edits and scope.district_filter:
        return scope.district_filter(user_district_ids(user))
    return Q(pk__in=[])


def can_adopt(user: Any, plan: Any) -> bool:
    return (is_bureau(user) or is_steering_group(user)) and plan.status == "concept"


def can_reopen(user: Any, plan: Any) -> bool:
    return is_bureau(user) and plan.status == "vastgesteld"


def choices_filter(user: Any, model: type[Model]) -> Q | None:
    """Limit on the objects a coordinator may pick in a form (their own district's); None: no limit."""
    if is_bureau(user) or not is_coordinator(user):
        return None
    scope = scope_of(model)
    return scope.district_filter(user_district_ids(user)) if scope.district_filter else None


def can_report_progress(user: Any, action: Any) -> bool:
    """May the user post a progress update on this action (also on an adopted plan)?"""
    from .models import ProgressUpdate

    return can_change(user, ProgressUpdate(action=action))
