"""Signals that core's machinery sends for the apps above it (which core may not import)."""

from __future__ import annotations

from django.dispatch import Signal

# A confirmed import in the admin has finished: written, or refused as a whole because of errors.
# Arguments: request, model, result (core.imports.service.Outcome).
import_finished = Signal()
