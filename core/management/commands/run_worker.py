"""`manage.py run_worker`: django-tasks' database worker (`db_worker`) with a heartbeat, that cannot die silently.

The library's loop is used as it is, one round at a time: a round runs every task that is ready
(`--batch` mode of its loop) and returns; between rounds the loop beats (core.worker) and waits
`--interval` seconds. Every option of `db_worker` works the same here.

Why not `db_worker` itself: its loop, when it fails, leaves the process alive under the
autoreloader (`--reload`, the default with DJANGO_DEBUG, as in `make run`), and nothing tells that
PDFs are no longer made. Here a failing loop records its stop and ends the whole process with exit
code 1 (also from the autoreloader's thread), so systemd (`Restart=always`) or the Procfile's
supervisor starts a new one, and /health/worker/ and the admin show the stop at once.
"""

from __future__ import annotations

import logging
import os
import random
import time
from typing import Any

from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from core.worker import Heartbeat

logger = logging.getLogger("core.worker")


class OneRoundPerRun(logging.Filter):
    """The library announces every start and end of its loop; with a round a second, that is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.INFO and record.funcName == "run")


class HeartbeatWorker(db_worker.Worker):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.heartbeat = Heartbeat(self.worker_id)
        self.one_batch = self.batch  # `--batch`: one round, then stop

    def run(self) -> None:
        try:
            self.run_rounds()
        except Exception as exc:
            logger.exception("De worker-lus is gestopt door een fout; het proces stopt met code 1")
            self.heartbeat.stop(f"{type(exc).__name__}: {exc}")
            # os._exit, not sys.exit: under the autoreloader this runs in a thread, whose SystemExit
            # would end only the thread and leave a process that makes no PDFs.
            os._exit(1)
        except BaseException:  # a stop signal (SystemExit) or Ctrl-C: no failure, but no worker either
            self.heartbeat.stop("gestopt")
            raise
        self.heartbeat.stop("gestopt")  # --batch or --max-tasks done, or stopped after its task

    def run_rounds(self) -> None:
        self.heartbeat.start()
        logger.info("Worker %s gestart", self.worker_id)
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311  (not all workers at once after a deploy)
        self.startup_delay = False
        self.batch = True  # the library's loop returns when nothing is ready
        while self.running:
            self.heartbeat.beat()
            super().run()
            if self.one_batch or (self.max_tasks is not None and self._run_tasks >= self.max_tasks):
                return
            if self.running:
                time.sleep(self.interval)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        self.heartbeat.beat(busy=True)
        try:
            super().run_task(db_task_result)
        finally:
            self.heartbeat.beat(busy=False)


class Command(db_worker.Command):
    help = "Run the background worker (django-tasks' db_worker) with a heartbeat; a failing loop exits with 1"

    def configure_logging(self, verbosity: int) -> None:
        super().configure_logging(verbosity)
        logging.getLogger("django_tasks_db").addFilter(OneRoundPerRun())
        if not logger.hasHandlers():
            logger.addHandler(logging.StreamHandler(self.stdout))
        logger.setLevel(logging.getLogger("django_tasks_db").level)

    def handle(self, *args: Any, **options: Any) -> None:
        # The library builds its Worker by name in its own module; this command builds ours.
        original = db_worker.Worker
        db_worker.Worker = HeartbeatWorker  # type: ignore[misc]
        try:
            super().handle(*args, **options)
        finally:
            db_worker.Worker = original  # type: ignore[misc]
