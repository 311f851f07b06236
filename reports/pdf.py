"""The jaarplan as PDF through WeasyPrint, reading nothing but the project's own static files."""

from __future__ import annotations

import datetime
import functools
import io
import logging
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import SubElement, fromstring, register_namespace, tostring

import pikepdf
import pydyf
from django.contrib.staticfiles import finders
from django.db import connection
from django.utils import timezone
from fontTools.ttLib import woff2
from weasyprint import HTML
from weasyprint.pdf.metadata import NS, DocumentMetadata
from weasyprint.urls import URLFetcher, URLFetcherResponse

from strategy.models import SectionBlock

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


# ISO 19005-3 6.6.2.3.1: a PDF/A file may use an XMP property outside the predefined schemas only when
# its XMP declares that schema (a PDF/A extension schema). pdfuaid is one: its schema goes along.
EXTENSION = {
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
}
PDFUA_SCHEMA = {
    "schema": "PDF/UA Universal Accessibility Schema",
    "namespaceURI": NS["pdfuaid"],
    "prefix": "pdfuaid",
}
PDFUA_PROPERTY = {
    "name": "part",
    "valueType": "Integer",
    "category": "internal",
    "description": "Indicates, which part of ISO 14289 standard is followed",
}


class ArchivalMetadata(DocumentMetadata):
    """The document's metadata, declaring PDF/UA-1 beside the PDF/A identification, with the extension
    schema that PDF/A requires for the pdfuaid property."""

    def generate_rdf_metadata(self, variant: str, version: int, conformance: str | None) -> bytes:
        for prefix, uri in EXTENSION.items():
            register_namespace(prefix, uri)
        rdf_ns, ext, schema_ns, property_ns = NS["rdf"], *EXTENSION.values()
        # WeasyPrint's own serialisation of the metadata it just built, not outside input.
        rdf = fromstring(super().generate_rdf_metadata(variant, version, conformance))  # noqa: S314
        element = SubElement(rdf, f"{{{rdf_ns}}}Description")
        element.attrib[f"{{{rdf_ns}}}about"] = ""
        element.attrib[f"{{{NS['pdfuaid']}}}part"] = PDFUA_PART

        described = SubElement(rdf, f"{{{rdf_ns}}}Description")
        described.attrib[f"{{{rdf_ns}}}about"] = ""
        bag = SubElement(SubElement(described, f"{{{ext}}}schemas"), f"{{{rdf_ns}}}Bag")
        schema = SubElement(bag, f"{{{rdf_ns}}}li", {f"{{{rdf_ns}}}parseType": "Resource"})
        for name, value in PDFUA_SCHEMA.items():
            SubElement(schema, f"{{{schema_ns}}}{name}").text = value
        properties = SubElement(SubElement(schema, f"{{{schema_ns}}}property"), f"{{{rdf_ns}}}Seq")
        prop = SubElement(properties, f"{{{rdf_ns}}}li", {f"{{{rdf_ns}}}parseType": "Resource"})
        for name, value in PDFUA_PROPERTY.items():
            SubElement(prop, f"{{{property_ns}}}{name}").text = value
        return tostring(rdf, encoding="utf-8")


def _page_references(pdf: Any) -> tuple[bytes, ...]:
    """pydyf's PDF.page_references, computed once per page count instead of on every call.

    WeasyPrint's tagging asks it for every structure element; pydyf rebuilds the tuple of all pages
    each time, which is quadratic: about 7 s of a 10x plan's tagged render. Pages are only ever
    appended, so the tuple for a given count stays right.
    """
    kids = pdf.pages["Kids"]
    cached = pdf.__dict__.get("_page_references")
    if cached is None or cached[0] != len(kids):
        cached = (len(kids), tuple(f"{number} 0 R".encode("ascii") for number in kids[::3]))
        pdf.__dict__["_page_references"] = cached
    return cached[1]


def w3c_date(moment: datetime.datetime) -> str:
    """A moment as W3C date-time (the form WeasyPrint writes to /CreationDate and the XMP packet)."""
    return moment.astimezone(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def render_pdf(html: str, fetcher: StaticOnlyFetcher | None = None, *, tagged: bool = True) -> bytes:
    """Render a document to PDF bytes. Never inside a database transaction: it takes seconds.

    Tagged (the default): PDF/A-3a and PDF/UA-1, language and title from the HTML (<html lang>,
    <title>), the title shown in the viewer's title bar, the creation date the moment of rendering.
    `tagged=False` renders the same HTML untagged, only to compare render costs (`make bench`).
    """
    pydyf.PDF.page_references = property(_page_references)  # type: ignore[assignment,method-assign]
    if connection.in_atomic_block:
        raise RuntimeError("PDF rendering must not run inside a database transaction")
    source = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher or StaticOnlyFetcher())
    if not tagged:
        return source.write_pdf()
    # The variant is given to the layout too: it sets the sRGB output intent there.
    document = source.render(pdf_variant=PDF_VARIANT)
    document.metadata = ArchivalMetadata(**vars(document.metadata))
    document.metadata.created = document.metadata.modified = w3c_date(timezone.now())
    return finish_tagged(document.write_pdf(pdf_variant=PDF_VARIANT), link_texts(html))


class _LinkTexts(HTMLParser):
    """The text of every in-document link (<a href="#id">text</a>), by its target id."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: dict[str, str] = {}
        self._open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") or ""
        if tag == "a" and href.startswith("#"):
            self._open.append((href[1:], []))

    def handle_data(self, data: str) -> None:
        for _, parts in self._open:
            parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open:
            target, parts = self._open.pop()
            self.texts.setdefault(target, " ".join("".join(parts).split()))


def link_texts(html: str) -> dict[str, str]:
    parser = _LinkTexts()
    parser.feed(html)
    return parser.texts


MARKED = re.compile(rb"/(\w+)\s*<</MCID (\d+)>>\s*BDC")
PAGINATION = b"/Artifact\n<</Type /Pagination>>\nBDC"


def _kids(element: Any) -> list[Any]:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _is_element(node: Any) -> bool:
    return isinstance(node, pikepdf.Dictionary) and "/S" in node


def _elements(root: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    """The structure elements below `root`, in document order."""
    found: list[pikepdf.Dictionary] = []
    todo = [kid for kid in reversed(_kids(root)) if _is_element(kid)]
    while todo:
        element = todo.pop()
        found.append(element)
        todo.extend(kid for kid in reversed(_kids(element)) if _is_element(kid))
    return found


def _marked_content(element: pikepdf.Dictionary) -> list[tuple[Any, int]]:
    """(page, MCID) of every marked-content sequence in `element` and below."""
    found = []
    for node in [element, *_elements(element)]:
        for kid in _kids(node):
            if isinstance(kid, int):
                found.append((node.Pg.objgen, kid))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                found.append((kid.Pg.objgen if "/Pg" in kid else node.Pg.objgen, int(kid.MCID)))
    return found


def finish_tagged(content: bytes, links: dict[str, str]) -> bytes:
    """What WeasyPrint's tagged output lacks for PDF/UA-1 and PDF/A, added afterwards with pikepdf.

    - running headers and footers (margin boxes, which WeasyPrint marks but leaves out of the tree)
      and a split table's repeated header become pagination artifacts;
    - a table split over pages is one Table again (with its caption), as it is one table in the HTML:
      a Table without a Caption continues the one before it (every table of the documents has one);
    - TH cells get /Scope (Column in the table's head, Row in its body), list items an LBody;
    - a link's description is its text ("Wat kost het?"), not the anchor id WeasyPrint writes;
    - images are not interpolated (PDF/A), and the viewer opens with the bookmarks shown.
    """
    pdf = pikepdf.open(io.BytesIO(content))
    root = pdf.Root.StructTreeRoot
    elements = _elements(_kids(root)[0])
    numbers = root.ParentTree.Nums
    parents = {int(numbers[index]): numbers[index + 1] for index in range(0, len(numbers), 2)}
    page_numbers = {page.obj.objgen: int(page.obj.StructParents) for page in pdf.pages if "/StructParents" in page.obj}
    artifacts = _unreachable_content(elements, parents, page_numbers)
    _complete_elements(pdf, elements, artifacts)
    _finish_pages(pdf, artifacts, links)
    for page, marked in artifacts.items():
        entries = parents[page_numbers[page]]
        for mcid in marked:
            entries[mcid] = None  # an artifact belongs to no structure element
    for image in pdf.objects:
        if isinstance(image, pikepdf.Stream) and image.get("/Subtype") == "/Image" and "/Interpolate" in image:
            del image.Interpolate
    pdf.Root.PageMode = pikepdf.Name.UseOutlines
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _unreachable_content(
    elements: list[pikepdf.Dictionary], parents: dict[int, Any], page_numbers: dict[Any, int]
) -> dict[Any, set[int]]:
    """Per page, the marked content (MCIDs) that no element of the structure tree reaches: the running
    headers and footers, which become pagination artifacts."""
    reachable = {element.objgen for element in elements}
    artifacts: dict[Any, set[int]] = {}
    for page, number in page_numbers.items():
        for mcid, entry in enumerate(parents[number]):
            if not _is_element(entry) or entry.objgen not in reachable:
                artifacts.setdefault(page, set()).add(mcid)
    return artifacts


def _complete_elements(pdf: pikepdf.Pdf, elements: list[pikepdf.Dictionary], artifacts: dict[Any, set[int]]) -> None:
    """Join split tables (their repeated headers become artifacts), give TH cells a /Scope and list
    items an LBody."""
    previous: pikepdf.Dictionary | None = None
    for element in elements:
        kind = str(element.S)
        if kind == "/Table":
            if previous is not None and not any(_is_element(k) and k.S == "/Caption" for k in _kids(element)):
                _continue_table(previous, element, artifacts)
            else:
                previous = element
        elif kind == "/TH":
            _give_scope(element)
        elif kind == "/LI":
            _give_body(pdf, element)


def _give_scope(cell: pikepdf.Dictionary) -> None:
    """A header cell's /Scope: Column in the table's head, Row in its body."""
    row_group = cell.P.P
    scope = pikepdf.Name.Column if row_group.get("/S") == "/THead" else pikepdf.Name.Row
    attributes = cell.get("/A")
    if isinstance(attributes, pikepdf.Dictionary) and attributes.get("/O") == "/Table":
        attributes.Scope = scope
    else:
        cell.A = pikepdf.Dictionary(O=pikepdf.Name.Table, Scope=scope)


def _finish_pages(pdf: pikepdf.Pdf, artifacts: dict[Any, set[int]], links: dict[str, str]) -> None:
    """Turn each page's artifacts into artifacts in its content, and describe its links by their text."""
    for sheet in pdf.pages:
        marked = artifacts.get(sheet.obj.objgen)
        if marked:
            sheet.obj.Contents = pdf.make_stream(_as_artifacts(sheet.obj.Contents, marked))
        for annotation in sheet.obj.get("/Annots", []):
            target = annotation.get("/Dest")
            if annotation.get("/Subtype") == "/Link" and isinstance(target, pikepdf.String):
                annotation.Contents = pikepdf.String(links.get(str(target)) or str(target))


def _as_artifacts(contents: Any, marked: set[int]) -> bytes:
    """A page's content with the marked-content sequences `marked` (MCIDs) turned into artifacts."""
    parts = contents if isinstance(contents, pikepdf.Array) else [contents]
    data = b"\n".join(part.read_bytes() for part in parts)
    return MARKED.sub(lambda match: PAGINATION if int(match[2]) in marked else match[0], data)


def _continue_table(table: pikepdf.Dictionary, rest: pikepdf.Dictionary, artifacts: dict[Any, set[int]]) -> None:
    """Move the rows of `rest` (a table's continuation on the next page) into `table`; its repeated
    header is drawn again on that page, but it is no second header: an artifact."""
    for kid in _kids(rest):
        if _is_element(kid) and kid.S == "/THead":
            for page, mcid in _marked_content(kid):
                artifacts.setdefault(page, set()).add(mcid)
            continue
        if _is_element(kid):
            kid.P = table
        table.K.append(kid)
    parent = rest.P
    parent.K = pikepdf.Array([kid for kid in _kids(parent) if not (_is_element(kid) and kid.objgen == rest.objgen)])


def _give_body(pdf: pikepdf.Pdf, item: pikepdf.Dictionary) -> None:
    """A list item holds a label (Lbl) and a body (LBody): wrap the other elements it holds in an LBody."""
    kids = _kids(item)
    if any(_is_element(kid) and kid.S == "/LBody" for kid in kids):
        return
    labels = [kid for kid in kids if not _is_element(kid) or kid.S == "/Lbl"]
    rest = [kid for kid in kids if _is_element(kid) and kid.S != "/Lbl"]
    if not rest:
        return
    body = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.LBody, P=item, K=pikepdf.Array(rest))
    )
    if "/Pg" in item:
        body.Pg = item.Pg
    for kid in rest:
        kid.P = body
    item.K = pikepdf.Array([*labels, body])
