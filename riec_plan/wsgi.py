"""The WSGI application for gunicorn (`gunicorn riec_plan.wsgi`, see gunicorn.conf.py).

Loading it also does the work that would otherwise fall on a worker's first request (warm_up):
with gunicorn's preload_app the master does it once and every worker, also one restarted after
max_requests, is forked ready to answer at full speed.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riec_plan.settings.base")

application = get_wsgi_application()


def warm_up() -> None:
    """Import every view module, compile the project's templates, load the translations and hash the
    code and templates that render the reports (reports.freshness.render_version, once per process).

    Without this a new worker's first request pays for them: about half a second, most of it
    importing WeasyPrint (reports.views -> reports.pdf). Nothing here opens a database connection,
    so no connection is shared between the forked workers.
    """
    from django.conf import settings
    from django.template import engines
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and with it every view
    engine = engines["django"]
    for directory in engine.dirs:
        for path in sorted(Path(directory).rglob("*.html")):
            engine.get_template(path.relative_to(directory).as_posix())
    with translation.override(settings.LANGUAGE_CODE):
        translation.gettext("Log in")
    from reports.freshness import render_version

    render_version()


warm_up()
