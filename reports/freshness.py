"""Freshness: whether a rendered report (a cached page body, a stored PDF) still shows the data as it is.

The one place that decides it, for pages and PDFs alike. A report depends on two things, each with a
cheap version; a stored rendering is valid as long as neither changed:

- `render_version()`: a hash of everything that shapes the output besides the data: the Python of
  the plan apps (builders, dashboards, the budget checks, the Markdown allow-list, the amount
  formatting, the model methods they call), the templates, the print stylesheets and letters, the
  translations, and the versions of the libraries that render (Django, WeasyPrint, Markdown, nh3).
  Whole packages rather than a list of modules: a list would miss the next helper someone adds.
  Computed once per process, since only a deploy (a restart) changes it; with DEBUG on, on every
  call, so an edited template shows at once under `runserver`.
- `data_version()`: ONE query over every table a report reads. Every plan model keeps its history
  with django-simple-history, which writes a historical row on each create, change and delete (also
  `bulk_create_with_history` in the imports), so the newest history id and the number of history rows
  per table change with every edit through the app. Writes that bypass history are covered too:
  raw saves (`loaddata`, `import_plan`) and plain `bulk_create` insert rows, which moves the newest
  id of the table itself; a data migration moves the newest applied migration. Not covered, and not
  done anywhere in the app: `QuerySet.update()` without a save afterwards (`core.history.claim_version`
  is always followed by one) and edits in SQL by hand. The count is there for PostgreSQL: of two
  transactions the one with the lower history id may commit last, which leaves the maximum alone.
  Counting reads every id, so the query grows with the tables: under a millisecond with the 2024
  plan, a few milliseconds at some hundred thousand history rows (cleaning up old history helps).

Together they are the `content_version()`. A cached page body is stored under it. A stored PDF
(`reports.models.RenderedDocument`) keeps the content version it was last checked against
(`checked_version`): a download or a poll whose content version is the stored one is served with one
query for the document, however large the report. Only when the version moved does the worker
(`reports.rendering.render_document`, never the request) build the report again and compare its
`fingerprint()`: the same fingerprint (an edit elsewhere, say in another year's plan) only records the
new checked version; another one renders the PDF afresh.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import cast

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Model
from simple_history.models import HistoricalChanges

# The apps whose code builds and renders the reports; all of their Python counts.
RENDER_PACKAGES = ("core", "strategy", "districts", "budget", "reports")
# Code in these folders never runs while a report is built or rendered.
NOT_RENDERING = {"migrations", "management", "__pycache__"}
# Library upgrades that change the HTML or the PDF.
RENDER_LIBRARIES = ("django", "weasyprint", "pydyf", "tinycss2", "cssselect2", "fonttools", "markdown", "nh3")


def render_inputs() -> Iterator[tuple[str, bytes]]:
    """(name, content) of every input that shapes a report besides its data, in a fixed order."""
    base = Path(settings.BASE_DIR)
    files: list[Path] = []
    for package in RENDER_PACKAGES:
        files += (p for p in (base / package).rglob("*.py") if not NOT_RENDERING.intersection(p.parts))
    files += (base / "templates").rglob("*.html")
    files += (base / "static" / "reports").rglob("*")
    for folder in getattr(settings, "LOCALE_PATHS", []):
        files += Path(folder).rglob("*.mo")
    for path in sorted(p for p in files if p.is_file()):
        yield str(path.relative_to(base)), path.read_bytes()
    for library in RENDER_LIBRARIES:
        try:
            yield library, metadata.version(library).encode()
        except metadata.PackageNotFoundError:
            yield library, b"-"


def _compute_render_version() -> str:
    digest = hashlib.sha256()
    for name, content in render_inputs():
        digest.update(f"{name}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


@functools.cache
def _render_version_of_this_process() -> str:
    return _compute_render_version()


def render_version() -> str:
    """A hash of the code, templates, stylesheets and libraries that render the reports."""
    if settings.DEBUG:
        return _compute_render_version()
    return _render_version_of_this_process()


def _ids_of(number: int, model: type[Model]) -> str:
    quote = connection.ops.quote_name
    pk, table = cast(str, model._meta.pk.column), model._meta.db_table  # a concrete field always has a column
    # Names from the models' own metadata, quoted; nothing from a request.
    return f"SELECT {number} AS t, {quote(pk)} AS k FROM {quote(table)}"  # noqa: S608


@functools.cache
def _data_version_sql() -> str:
    """One SELECT over every plan table, its history table and the applied migrations.

    Per table the newest id and the number of rows, as one aggregate over the ids of all of them:
    on PostgreSQL half the work of a separate MAX and COUNT per table (planning 49 aggregates).
    """
    histories = sorted((m for m in apps.get_models() if issubclass(m, HistoricalChanges)), key=lambda m: m._meta.label)
    models = [model for history in histories for model in (history.instance_type, history)]  # type: ignore[attr-defined]
    models.append(MigrationRecorder.Migration)
    ids = " UNION ALL ".join(_ids_of(number, model) for number, model in enumerate(models))
    return f"SELECT t, MAX(k), COUNT(*) FROM ({ids}) all_ids GROUP BY t ORDER BY t"  # noqa: S608


def data_version() -> str:
    """A hash that changes with every change to the plan data (one query; see the module docstring)."""
    with connection.cursor() as cursor:
        cursor.execute(_data_version_sql())
        rows = cursor.fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def content_version() -> str:
    """Code and data together: what a cached page body is stored under."""
    return hashlib.sha256(f"{render_version()}:{data_version()}".encode()).hexdigest()


def fingerprint(data: object) -> str:
    """What one document prints: the report data and everything that renders it.

    `data` is the plain report context: its repr holds every value the document prints (the
    Markdown sources included), so comparing fingerprints needs no rendering at all. The render
    version covers the rest: templates, print stylesheets and letters, and the Python that shapes
    the output (builders, Markdown allow-list, amount formatting ...), so a deploy that changes any
    of them renders the stored PDFs afresh. Building the report costs its queries: only the worker
    asks for a fingerprint, and only when the content version moved.
    """
    digest = hashlib.sha256(render_version().encode())
    digest.update(repr(data).encode())
    return digest.hexdigest()
