"""The jaarplan as PDF through WeasyPrint, reading nothing but the project's own static files."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.db import connection
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .versions import render_version

logger = logging.getLogger(__name__)

# Documents get this base URL (the .invalid domain never resolves). Only URLs below it are
# fetched, and only when they name a static file of the project; every other URL (file:,
# http(s): elsewhere, data:, ...) is refused without any I/O.
BASE_URL = "https://riec-plan.invalid/static/"
MIME_TYPES = {".css": "text/css", ".woff2": "font/woff2", ".svg": "image/svg+xml", ".png": "image/png"}


class StaticOnlyFetcher(URLFetcher):
    def __init__(self) -> None:
        super().__init__(fail_on_errors=False)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        relative = unquote(urlsplit(url).path).removeprefix("/static/")
        if not url.startswith(BASE_URL) or ".." in Path(relative).parts:
            self.refused.append(url)
            logger.warning("PDF: ophalen geweigerd van %s", url[:200])
            raise ValueError(f"refused: {url[:80]}")
        found = finders.find(relative)
        if not found:
            self.refused.append(url)
            raise ValueError(f"not a static file: {relative[:80]}")
        path = Path(found if isinstance(found, str) else found[0])
        content_type = MIME_TYPES.get(path.suffix, "application/octet-stream")
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def render_pdf(html: str, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """Render a document to PDF bytes. Never inside a database transaction: it takes seconds."""
    from weasyprint import HTML

    if connection.in_atomic_block:
        raise RuntimeError("PDF rendering must not run inside a database transaction")
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher or StaticOnlyFetcher()).write_pdf()


def fingerprint(data: object) -> str:
    """The PDF is a function of the report data and of everything that renders it.

    `data` is the plain report context: its repr holds every value the document prints (the
    Markdown sources included), so comparing fingerprints needs no rendering at all. The render
    version covers the rest: templates, print stylesheets and letters, and the Python that shapes
    the output (builders, Markdown allow-list, amount formatting, this module ...), so a deploy
    that changes any of them renders the stored PDFs afresh.
    """
    digest = hashlib.sha256(render_version().encode())
    digest.update(repr(data).encode())
    return digest.hexdigest()
