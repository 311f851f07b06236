"""Is the background worker alive? Its loop's heartbeat, and the answer for /health/worker/ and the admin.

The PDFs are made by `manage.py run_worker` (core/management/commands/run_worker.py), django-tasks'
database worker whose loop beats here: at most every BEAT_EVERY while it waits for work, and when
it starts and ends a task. A worker counts as running while its last beat is younger than
IDLE_LIMIT, or TASK_LIMIT while it is busy with a task (a PDF takes seconds, not minutes). A loop
that dies writes its stop here and ends its process with a non-zero code, so systemd or the
Procfile's supervisor starts a new one; a process killed outright simply stops beating.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import socket
from dataclasses import dataclass

from django.db import DatabaseError
from django.utils import formats, timezone
from django_tasks_db.models import DBTaskResult

from .models import WorkerHeartbeat

BEAT_EVERY = datetime.timedelta(seconds=10)
IDLE_LIMIT = datetime.timedelta(seconds=60)
TASK_LIMIT = datetime.timedelta(minutes=15)
# Rows of workers gone for this long are removed when a worker starts.
FORGET_AFTER = datetime.timedelta(days=7)


class Heartbeat:
    """The row of one worker process, written by its loop."""

    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id
        self.last_written: datetime.datetime | None = None

    def start(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": now,
                "beat_at": now,
                "busy_since": None,
                "stopped_at": None,
                "stop_reason": "",
            },
        )
        self.last_written = now

    def beat(self, *, busy: bool | None = None) -> None:
        """A sign of life: written when BEAT_EVERY has passed, or at once when `busy` changes (True/False)."""
        now = timezone.now()
        if busy is None and self.last_written is not None and now - self.last_written < BEAT_EVERY:
            return
        values: dict[str, object] = {"beat_at": now}
        if busy is not None:
            values["busy_since"] = now if busy else None
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(**values)
        self.last_written = now

    def stop(self, reason: str) -> None:
        """The loop ended (a failure): say so at once, rather than only falling silent. Best effort."""
        # The database may be why the loop died; then the silence tells it.
        with contextlib.suppress(DatabaseError):
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(
                stopped_at=timezone.now(), busy_since=None, stop_reason=reason[:300]
            )


@dataclass(frozen=True)
class WorkerStatus:
    running: bool
    # The newest sign of life of any worker (its stop, when it stopped), None if none ever ran.
    last_seen: datetime.datetime | None
    # When the oldest task still waiting to be run was queued.
    oldest_queued: datetime.datetime | None

    def problem(self) -> str:
        """What the bureau reads in the admin when the worker is down; "" while it runs."""
        if self.running:
            return ""
        restart = "Vraag de technisch beheerder hem (opnieuw) te starten."
        if self.last_seen is None:
            return f"PDF-worker draait niet: er heeft nog nooit een worker gedraaid. Er komen geen PDF's. {restart}"
        since = formats.date_format(timezone.localtime(self.last_seen), "j F Y H:i")
        return f"PDF-worker draait niet sinds {since}. Nieuwe PDF's worden niet gemaakt tot hij weer draait. {restart}"


def _alive(row: WorkerHeartbeat, now: datetime.datetime) -> bool:
    if row.stopped_at is not None:
        return False
    return now - row.beat_at <= (TASK_LIMIT if row.busy_since is not None else IDLE_LIMIT)


def status(now: datetime.datetime | None = None) -> WorkerStatus:
    """Is any worker running, when was one last seen, and since when does the oldest task wait (2 queries)."""
    now = now or timezone.now()
    rows = list(WorkerHeartbeat.objects.all())
    seen = [row.stopped_at or row.beat_at for row in rows]
    oldest = DBTaskResult.objects.ready().order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    return WorkerStatus(
        running=any(_alive(row, now) for row in rows),
        last_seen=max(seen) if seen else None,
        oldest_queued=oldest,
    )
