"""An independent check of a tagged PDF of ours: the `pdfua` checker (PyPI) and our own structure
assertions with pikepdf, for every document the app renders (jaarplan, voortgangsrapportage, a closed
quarter's frozen report, the jaarverslag ...).

Use: `assert pdf_problems(content) == []`; the list names each problem found.
"""

from __future__ import annotations

import io
import re
import tempfile
from typing import Any
from xml.etree.ElementTree import fromstring

import pikepdf
from pdfua import validate

RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
EXT = "{http://www.aiim.org/pdfa/ns/extension/}"
SCHEMA = "{http://www.aiim.org/pdfa/ns/schema#}"
PROPERTY = "{http://www.aiim.org/pdfa/ns/property#}"
PDFUAID = "http://www.aiim.org/pdfua/ns/id/"
MARKED = re.compile(rb"/(\w+)\s*(?:<<(.*?)>>\s*BDC|BMC)", re.S)
MCID = re.compile(rb"/MCID (\d+)")


def _kids(node: Any) -> list[Any]:
    kids = node.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _is_element(node: Any) -> bool:
    return isinstance(node, pikepdf.Dictionary) and "/S" in node


def elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every structure element reachable from the tree's root, in document order."""
    found = []
    todo = list(reversed(_kids(pdf.Root.StructTreeRoot)))
    while todo:
        node = todo.pop()
        if _is_element(node):
            found.append(node)
            todo.extend(reversed(_kids(node)))
    return found


def _extension_schema_problems(pdf: pikepdf.Pdf) -> list[str]:
    # Our own render's XMP packet, not outside input.
    xmp = fromstring(pdf.Root.Metadata.read_bytes())  # noqa: S314
    uses_pdfuaid = any(PDFUAID in key for element in xmp.iter() for key in [element.tag, *element.attrib])
    if not uses_pdfuaid:
        return ["XMP: geen pdfuaid:part (PDF/UA-identificatie)"]
    for schema in xmp.iter(f"{RDF}li"):
        if schema.findtext(f"{SCHEMA}namespaceURI") != PDFUAID:
            continue
        problems = []
        if schema.findtext(f"{SCHEMA}prefix") != "pdfuaid":
            problems.append("XMP: extensieschema van pdfuaid zonder prefix pdfuaid")
        properties = {
            (
                prop.findtext(f"{PROPERTY}name"),
                prop.findtext(f"{PROPERTY}valueType"),
                prop.findtext(f"{PROPERTY}category"),
            )
            for prop in schema.iter(f"{RDF}li")
            if prop is not schema
        }
        if ("part", "Integer", "internal") not in properties:
            problems.append("XMP: extensieschema van pdfuaid beschrijft de eigenschap part niet")
        if not schema.findtext(f"{SCHEMA}schema"):
            problems.append("XMP: extensieschema van pdfuaid zonder naam")
        return problems
    return ["XMP: pdfuaid gebruikt zonder PDF/A-extensieschema (ISO 19005-3 6.6.2.3.1)"]


def _marked_content_problems(pdf: pikepdf.Pdf, reachable: set[Any]) -> tuple[list[str], int]:
    """Every marked-content sequence belongs to a structure element in the tree, or is an artifact."""
    numbers = pdf.Root.StructTreeRoot.ParentTree.Nums
    parents = {int(numbers[i]): numbers[i + 1] for i in range(0, len(numbers), 2)}
    problems, artifacts = [], 0
    for number, page in enumerate(pdf.pages, start=1):
        data = b"".join(
            part.read_bytes()
            for part in (page.obj.Contents if isinstance(page.obj.Contents, pikepdf.Array) else [page.obj.Contents])
        )
        entries = parents.get(int(page.obj.get("/StructParents", -1)))
        loose = []
        for match in MARKED.finditer(data):
            if match[1] == b"Artifact":
                artifacts += 1
                continue
            mcid = MCID.search(match[2] or b"")
            if mcid is None:
                loose.append(match[1].decode())
                continue
            entry = entries[int(mcid[1])] if entries is not None and int(mcid[1]) < len(entries) else None
            if not _is_element(entry) or entry.objgen not in reachable:
                loose.append(f"MCID {mcid[1].decode()}")
        if loose:
            problems.append(f"pagina {number}: inhoud buiten de boom en geen artefact: {loose[:5]} ({len(loose)})")
    return problems, artifacts


def _structure_problems(pdf: pikepdf.Pdf, tree: list[pikepdf.Dictionary]) -> list[str]:
    problems = []
    for element in tree:
        kind = str(element.S)
        kids = [str(kid.S) for kid in _kids(element) if _is_element(kid)]
        if kind == "/TH":
            attributes = element.get("/A")
            scopes = [
                a.get("/Scope")
                for a in (attributes if isinstance(attributes, pikepdf.Array) else [attributes])
                if isinstance(a, pikepdf.Dictionary)
            ]
            if not any(scope in ("/Row", "/Column", "/Both") for scope in scopes):
                problems.append("TH zonder /Scope")
        elif kind == "/LI" and "/LBody" not in kids:
            problems.append(f"LI zonder LBody ({kids})")
        elif kind == "/Table" and kids.count("/Caption") != 1:
            problems.append(f"Table zonder (één) Caption: {kids[:4]}")
        elif kind == "/Figure" and not element.get("/Alt"):
            problems.append("Figure zonder /Alt")
    return problems


def pdf_problems(content: bytes) -> list[str]:
    """What the pdfua checker and our structure assertions find wrong in a tagged PDF; empty when none."""
    problems: list[str] = []
    pdf = pikepdf.open(io.BytesIO(content))
    problems += [f"pdfua {f.rule_id} {f.severity.name}: {f.message}" for f in _pdfua_findings(content)]
    problems += _extension_schema_problems(pdf)
    tree = elements(pdf)
    loose, artifacts = _marked_content_problems(pdf, {element.objgen for element in tree})
    problems += loose
    # Running headers and footers (page numbers on every page but the cover) are artifacts.
    if artifacts < len(pdf.pages) - 1:
        problems.append(f"kop- en voetregels niet als artefact: {artifacts} artefacten op {len(pdf.pages)} pagina's")
    problems += _structure_problems(pdf, tree)
    for page in pdf.pages:
        for annotation in page.obj.get("/Annots", []):
            destination = annotation.get("/Dest")
            if annotation.get("/Subtype") != "/Link":
                continue
            description = str(annotation.get("/Contents", ""))
            if not description.strip() or (destination is not None and description == str(destination)):
                problems.append(f"link beschreven door een anker-id, niet door zijn tekst: {description!r}")
        for state in page.obj.get("/Resources", {}).get("/ExtGState", {}).values():
            if any(float(state.get(key, 1)) < 1 for key in ("/ca", "/CA")):
                problems.append(f"doorzichtigheid (opacity) op pagina {page.index + 1}")
    for image in pdf.objects:
        if isinstance(image, pikepdf.Stream) and image.get("/Subtype") == "/Image" and image.get("/Interpolate"):
            problems.append("afbeelding met /Interpolate true (PDF/A)")
    if pdf.Root.get("/PageMode") != "/UseOutlines":
        problems.append("opent zonder bladwijzers (/PageMode /UseOutlines)")
    return problems


def _pdfua_findings(content: bytes) -> list[Any]:
    """The findings of pdfua (errors and warnings alike), which reads a file."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(content)
        file.flush()
        return list(validate(file.name).findings)


def document_fonts(pdf: pikepdf.Pdf) -> set[str]:
    """The fonts of every page and every drawing (SVG) on it, without the subset prefix."""
    found: set[str] = set()
    todo = [page.Resources for page in pdf.pages]
    while todo:
        resources = todo.pop()
        found.update(str(font.BaseFont).split("+")[-1] for font in resources.get("/Font", {}).values())
        todo.extend(x.Resources for x in resources.get("/XObject", {}).values() if "/Resources" in x)
    return found
