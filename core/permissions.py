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

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q

from .roles import BUREAU, COORDINATOR, STEERING_GROUP


@dataclass
class Scope:
    """What the policy knows of a model; each app declares it once for its models (and for the
    models of lower apps that live in its part of the plan, as districts does for sections).

    `district_paths` are lookups from the object to a District ("section__district_plan__district"):
    an object belongs to the districts that any of them reaches. From them follow the Python
    lookup (`district_ids_of`), the queryset filter (`district_filter`) and the joins that let the
    lookup run without queries (`district_related`).
    """

    is_plan: bool = False  # the object is an annual plan itself
    plan_path: str | None = None  # lookup from the object to its AnnualPlan ("section__plan")
    district_paths: tuple[str, ...] = ()
    coordinator_edits: bool = False  # district data a coordinator keeps up to date for their district
    coordinator_deletes: bool = True  # ... and may also delete (not the district's own chapter)
    open_after_adoption: bool = False  # progress and assessments continue on an adopted plan


_scopes: dict[type[Model], Scope] = {}
_user_districts: list[Callable[[Any], Iterable[Model]]] = []


def register(model: type[Model], **fields: Any) -> None:
    """Declare (or extend) what the policy needs to know about a model."""
    scope = _scopes.setdefault(model, Scope())
    for name, value in fields.items():
        if not hasattr(scope, name):
            raise TypeError(f"Scope has no field {name!r}")
        setattr(scope, name, tuple(value) if name == "district_paths" else value)


def register_user_districts(resolver: Callable[[Any], Iterable[Model]]) -> None:
    """How to find the districts a user coordinates (the districts app knows)."""
    _user_districts.append(resolver)


def scope_of(model: type[Model] | Model) -> Scope:
    model_class = model if isinstance(model, type) else type(model)
    return _scopes.get(model_class, Scope())


def district_related(model: type[Model], prefix: str = "") -> tuple[str, ...]:
    """select_related() paths with which `district_ids_of` and `districts_of` make no query."""
    return tuple(f"{prefix}{path}" for path in scope_of(model).district_paths)


def district_filter(model: type[Model], district_ids: Iterable[Any]) -> Q:
    """The objects of `model` that belong to one of the districts (by id or District)."""
    ids = list(district_ids)
    condition = Q(pk__in=[])
    for path in scope_of(model).district_paths:
        condition |= Q(**{f"{path}__in": ids})
    return condition


def _follow(obj: Any, path: list[str]) -> Any:
    value = obj
    for attribute in path:
        try:
            value = getattr(value, attribute)
        except ObjectDoesNotExist:  # a reverse one-to-one that is not there
            return None
        if value is None:
            return None
    return value


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


# The roles the bureau gives on its accounts desk; superusers and the bureau's own accounts are managed
# by a superuser in the admin, so nobody on the desk can raise their own rights.
DESK_ROLES = (COORDINATOR, STEERING_GROUP)


def can_manage_accounts(user: Any) -> bool:
    """The accounts desk: the RIEC-bureau."""
    return is_bureau(user)


def can_manage_account(user: Any, account: Any) -> bool:
    """Whether `user` may change `account` on the accounts desk (never a superuser, a bureau account,
    staff with Django permissions of its own, or their own account)."""
    if not can_manage_accounts(user) or account.pk == getattr(user, "pk", None):
        return False
    if account.is_superuser or BUREAU in set(account.groups.values_list("name", flat=True)):
        return False
    return not account.user_permissions.exists()


def user_district_ids(user: Any) -> set[int]:
    return {district.pk for district in user_districts(user)}


def user_districts(user: Any) -> list[Model]:
    """The districts a coordinator coordinates (empty for other roles), by name; asked once per request."""
    if not is_coordinator(user):
        return []
    cached = getattr(user, "_riec_districts", None)
    if cached is None:
        found = {district.pk: district for resolver in _user_districts for district in resolver(user)}
        cached = sorted(found.values(), key=str)
        user._riec_districts = cached
    return list(cached)


# Objects -------------------------------------------------------------------------------------


def plan_of(obj: Model) -> Any:
    scope = scope_of(obj)
    if scope.is_plan:
        return obj
    return _follow(obj, scope.plan_path.split("__")) if scope.plan_path else None


def districts_of(obj: Model) -> list[Model]:
    """The districts the object belongs to (no query when loaded with `district_related`)."""
    found: dict[Any, Model] = {}
    for path in scope_of(obj).district_paths:
        district = _follow(obj, path.split("__"))
        if district is not None:
            found[district.pk] = district
    return list(found.values())


def district_ids_of(obj: Model) -> set[int]:
    """The ids of the districts the object belongs to; reads the last step's id, not the row."""
    ids: set[int] = set()
    for path in scope_of(obj).district_paths:
        *steps, last = path.split("__")
        holder = _follow(obj, steps)
        district_id = getattr(holder, f"{last}_id", None) if holder is not None else None
        if district_id is not None:
            ids.add(district_id)
    return ids


def is_locked(obj: Model) -> bool:
    """True when the object belongs to an adopted plan and is not progress data."""
    if scope_of(obj).open_after_adoption:
        return False
    plan = plan_of(obj)
    return bool(plan is not None and plan.is_adopted)


# Questions the admin, views and imports ask ----------------------------------------------------


def can_view(user: Any, obj: Model | None = None) -> bool:
    return is_active_user(user)


def can_add(user: Any, model: type[Model]) -> bool:
    """May the user add objects of this kind at all (the object itself is checked on save)?"""
    if is_bureau(user):
        return True
    return is_coordinator(user) and scope_of(model).coordinator_edits


def can_change(user: Any, obj: Model) -> bool:
    return not is_locked(obj) and can_report_under(user, obj)


def can_report_under(user: Any, obj: Model) -> bool:
    """May the user keep the progress data under `obj` up to date (its updates, which are
    `open_after_adoption`)? As `can_change`, but the adoption of the plan does not stop it: coordinators
    report progress on the adopted plan all year, while the object itself stays frozen."""
    if not is_active_user(user):
        return False
    if is_bureau(user):
        return True
    if is_coordinator(user) and scope_of(obj).coordinator_edits:
        districts = district_ids_of(obj)
        return bool(districts) and districts <= user_district_ids(user)
    return False


def can_delete(user: Any, obj: Model) -> bool:
    # A coordinator removes their district's items, but not the district's chapter itself.
    if not scope_of(obj).coordinator_deletes and not is_bureau(user):
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
    if is_coordinator(user) and scope.coordinator_edits and scope.district_paths:
        return district_filter(model, user_district_ids(user))
    return Q(pk__in=[])


def can_adopt(user: Any, plan: Any) -> bool:
    return (is_bureau(user) or is_steering_group(user)) and not plan.is_adopted


def can_reopen(user: Any, plan: Any) -> bool:
    return is_bureau(user) and plan.is_adopted


def choices_filter(user: Any, model: type[Model]) -> Q | None:
    """Limit on the objects a coordinator may pick in a form (their own district's); None: no limit."""
    if is_bureau(user) or not is_coordinator(user):
        return None
    return district_filter(model, user_district_ids(user)) if scope_of(model).district_paths else None


# Frozen objects ----------------------------------------------------------------------------------
#
# Some objects are kept as they are for a reason of the domain, whoever asks: a progress update in a
# closed quarter (strategy), a norm that municipalities were assessed on (districts: retired, not
# deleted). Each app registers the reason for its models; the admin, the imports, the views and the
# services ask `frozen_reason`, so the answer and its Dutch wording are the same everywhere.

FrozenReason = Callable[[Any], "str | None"]
_frozen: dict[type[Model], list[tuple[FrozenReason, bool]]] = {}


def register_frozen(model: type[Model], reason_fn: FrozenReason, for_delete_only: bool = False) -> None:
    """Declare why a stored object of `model` may not be changed (or, `for_delete_only`, not deleted).

    `reason_fn(obj)` returns the reason in Dutch, or None when the object is not frozen.
    """
    _frozen.setdefault(model, []).append((reason_fn, for_delete_only))


def frozen_reason(obj: Model, deleting: bool = False) -> str | None:
    """Why the stored object may not be changed (or, `deleting`, deleted), in Dutch; None when it may."""
    if obj.pk is None:
        return None
    for reason_fn, for_delete_only in _frozen.get(type(obj), []):
        if for_delete_only and not deleting:
            continue
        reason = reason_fn(obj)
        if reason:
            return str(reason)
    return None
