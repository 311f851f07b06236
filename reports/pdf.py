"""The jaarplan as PDF through WeasyPrint, reading nothing but the project's own static files."""

from __future__ import annotations

import datetime
import functools
import hashlib
import io
import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.db import connection
from django.utils import timezone
from weasyprint.pdf.metadata import NS, DocumentMetadata
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .versions import render_version

logger = logging.getLogger(__name__)

# Documents get this base URL (the .invalid domain never resolves). Only URLs below it are
# fetched, and only when they name a static file of the project; every other URL (file:,
# http(s): elsewhere, data:, ...) is refused without any I/O.
BASE_URL = "https://riec-plan.invalid/static/"
# The plan's uploaded figures, as the web page addresses them (/figuren/<id>-<sha256 prefix>.png).
FIGURE_URL = re.compile(r"^https://riec-plan\.invalid/figuren/(\d+)-([0-9a-f]{16})\.(?:png|jpg)$")
MIME_TYPES = {".css": "text/css", ".woff2": "font/woff2", ".svg": "image/svg+xml", ".png": "image/png"}


@functools.lru_cache(maxsize=16)
def decompressed_font(path: Path, mtime_ns: int) -> bytes:
    """A WOFF2 letter as plain TrueType, decompressed once per process (and again when the file changes).

    WeasyPrint decompresses every WOFF2 letter in every render: for the four Open Sans faces that was
    about a fifth of a cold jaarplan render. The worker renders many documents in one process.
    """
    from fontTools.ttLib import woff2

    out = io.BytesIO()
    woff2.decompress(io.BytesIO(path.read_bytes()), out)
    return out.getvalue()


class StaticOnlyFetcher(URLFetcher):
    def __init__(self) -> None:
        super().__init__(fail_on_errors=False)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if match := FIGURE_URL.match(url):
            return self.fetch_figure(url, int(match[1]), match[2])
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
        if path.suffix == ".woff2":
            return URLFetcherResponse(
                url, decompressed_font(path, path.stat().st_mtime_ns), {"Content-Type": "font/ttf"}
            )
        content_type = MIME_TYPES.get(path.suffix, "application/octet-stream")
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    def fetch_figure(self, url: str, pk: int, digest: str) -> URLFetcherResponse:
        from strategy.models import SectionBlock

        found = SectionBlock.stored_image(pk, digest)
        if found is None:
            self.refused.append(url)
            raise ValueError(f"no such figure: {url[:80]}")
        return URLFetcherResponse(url, found[0], {"Content-Type": found[1]})


# PDF/A-3a is archival (ISO 19005-3: fonts embedded, sRGB output intent, XMP metadata) and tagged
# (level A: a structure tree, marked content, /Lang); the same tagged file also meets PDF/UA-1, which
# WeasyPrint 70 only declares as a variant of its own, so the PDF/UA identification is added to the
# XMP packet of the PDF/A render (`ArchivalMetadata`).
PDF_VARIANT = "pdf/a-3a"
PDFUA_PART = "1"


class ArchivalMetadata(DocumentMetadata):
    """The document's metadata, declaring PDF/UA-1 beside the PDF/A identification."""

    def generate_rdf_metadata(self, variant: str, version: int, conformance: str | None) -> bytes:
        from xml.etree.ElementTree import SubElement, fromstring, tostring

        # WeasyPrint's own serialisation of the metadata it just built, not outside input.
        rdf = fromstring(super().generate_rdf_metadata(variant, version, conformance))  # noqa: S314
        element = SubElement(rdf, f"{{{NS['rdf']}}}Description")
        element.attrib[f"{{{NS['rdf']}}}about"] = ""
        element.attrib[f"{{{NS['pdfuaid']}}}part"] = PDFUA_PART
        return tostring(rdf, encoding="utf-8")


def w3c_date(moment: datetime.datetime) -> str:
    """A moment as W3C date-time (the form WeasyPrint writes to /CreationDate and the XMP packet)."""
    return moment.astimezone(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def render_pdf(html: str, fetcher: StaticOnlyFetcher | None = None, *, tagged: bool = True) -> bytes:
    """Render a document to PDF bytes. Never inside a database transaction: it takes seconds.

    Tagged (the default): PDF/A-3a and PDF/UA-1, language and title from the HTML (<html lang>,
    <title>), the title shown in the viewer's title bar, the creation date the moment of rendering.
    `tagged=False` renders the same HTML untagged, only to compare render costs (`make bench`).
    """
    from weasyprint import HTML

    if connection.in_atomic_block:
        raise RuntimeError("PDF rendering must not run inside a database transaction")
    source = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher or StaticOnlyFetcher())
    if not tagged:
        return source.write_pdf()
    # The variant is given to the layout too: it sets the sRGB output intent there.
    document = source.render(pdf_variant=PDF_VARIANT)
    document.metadata = ArchivalMetadata(**vars(document.metadata))
    document.metadata.created = document.metadata.modified = w3c_date(timezone.now())
    return document.write_pdf(pdf_variant=PDF_VARIANT)


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
