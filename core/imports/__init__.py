"""riec-plan's import pipeline (pretix's shape): columns, file readers, preview and apply, the admin screens.

- columns: one cell to one value and back, the Dutch way (`parse`, `render`, `preview`).
- files: uploaded CSV and XLSX read within limits.
- resources: what an app declares per kind of import (model, columns, natural key, rules).
- service: `preview(kind, rows, user)` and `apply(kind, rows, user)`, all or nothing.
- pending: the upload waiting for its confirmation, claimed once.
- export / admin: the admin's screens.
"""

from __future__ import annotations

from .columns import neutralise

__all__ = ["neutralise"]
