"""Answers that many rows of one page share, computed once per request instead of once per row.

A label such as "3.2.2 Specifieke ontwikkelingen – Twente (2024)" needs the numbers of all sections
of the plan, its year and the districts of its chapters. A change list, an autocomplete answer or a
history page shows dozens of such labels: the first one loads what the plan's labels need, the
others read it from this memo.

The memo lives for one request (`RequestMemoMiddleware`) and is emptied as soon as anything is
saved or deleted (`forget_all`, connected in core/apps.py), so a label is never older than the data
on the page. Outside a request (shell, commands) nothing is kept and every answer is computed anew,
unless the caller opens a `scope()`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db.models import Model
from django.http import HttpRequest, HttpResponse

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

_current: ContextVar[dict[Hashable, Any] | None] = ContextVar("riec_request_memo", default=None)


def remember(key: Hashable, compute: Callable[[], T]) -> T:
    """The memoised answer for `key`, computed by `compute()` the first time within the scope."""
    memo = _current.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]  # type: ignore[no-any-return]


def remember_many(namespace: str, ids: Iterable[K], load: Callable[[list[K]], dict[K, T]]) -> dict[K, T]:
    """The memoised answers for several ids at once; those not known yet are loaded together.

    `load(missing_ids)` answers for every id it is given (a page of rows from many plans: one query).
    """
    wanted = list(dict.fromkeys(ids))
    memo = _current.get()
    if memo is None:
        return load(wanted)
    missing = [item for item in wanted if (namespace, item) not in memo]
    if missing:
        loaded = load(missing)
        for item in missing:
            memo[(namespace, item)] = loaded[item]
    return {item: memo[(namespace, item)] for item in wanted}


def forget_all(*args: Any, **kwargs: Any) -> None:
    """Empty the memo (a signal receiver: after every save and delete)."""
    memo = _current.get()
    if memo:
        memo.clear()


@contextmanager
def scope() -> Iterator[None]:
    """Keep answers for the duration of the block (a request, or a command that labels many rows)."""
    token = _current.set({})
    try:
        yield
    finally:
        _current.reset(token)


class RequestMemoMiddleware:
    """One memo per request, rendering of the response included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with scope():
            return self.get_response(request)


def related_value(obj: Model, field_name: str, lookup: str) -> Any:
    """`obj.<field_name>.<lookup>` ("plan", "year") without a query per row.

    From the related object when it is loaded already (select_related); otherwise one query per
    related object and request. `lookup` may span relations ("district__name").
    """
    descriptor = getattr(type(obj), field_name)
    if descriptor.is_cached(obj):
        value: Any = getattr(obj, field_name)
        for attribute in lookup.split("__"):
            if value is None:
                return None
            value = getattr(value, attribute)
        return value
    related_id = getattr(obj, descriptor.field.attname)
    if related_id is None:
        return None
    related_model = descriptor.field.related_model
    return remember(
        ("related_value", related_model._meta.label, related_id, lookup),
        lambda: related_model._default_manager.filter(pk=related_id).values_list(lookup, flat=True).first(),
    )
