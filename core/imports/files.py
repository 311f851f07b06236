"""Reading uploaded files within limits, the Dutch way (the readers of core.imports).

- An upload never touches the local disk: `BoundedMemoryUploadHandler` keeps it in memory and stops
  keeping bytes beyond the upload limit.
- Reading is bounded: rows, columns, the declared size of an XLSX sheet, the unpacked size of the
  XLSX archive, and the time budget of the request. Each limit refuses the whole file with a Dutch
  message (`FileRefused`) before anything is imported.
- CSV as Dutch Excel writes it: separator `;` or `,`, encoding UTF-8 (with or without BOM), UTF-16
  or Windows-1252.
- An XLSX cell that holds a formula is read as a `FormulaCell`, never as its (possibly missing)
  cached value: the import refuses it on its row and column. Merged cells in a sheet refuse the file,
  naming the ranges: only the first cell of a merge holds the value, the others would read as empty.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import time
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers

from core.formatting import format_number

# Limits ------------------------------------------------------------------------------------------

DEFAULT_LIMITS = {
    "IMPORT_MAX_UPLOAD_BYTES": 5 * 1024 * 1024,
    "IMPORT_MAX_ROWS": 20_000,
    "IMPORT_MAX_COLUMNS": 100,
    # What the parts of an XLSX archive may unpack to, together (a "zip bomb" is refused unread).
    "IMPORT_MAX_XLSX_UNPACKED_BYTES": 50 * 1024 * 1024,
    "IMPORT_MAX_ERRORS_SHOWN": 100,
    # Seconds an upload or a confirmation may spend reading and importing; well within gunicorn's timeout.
    "IMPORT_TIME_BUDGET_SECONDS": 40,
}


def limit(name: str) -> int:
    return int(getattr(settings, name, DEFAULT_LIMITS[name]))


def megabytes(size: int) -> str:
    """A file size as people read it: "5,0 MB", or "3 kB" below a megabyte."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} kB"
    return f"{size / (1024 * 1024):.1f}".replace(".", ",") + " MB"


class FileRefused(Exception):
    """The whole file is refused; the message says why, in Dutch, and nothing is imported."""


class OutOfTime(FileRefused):
    def __init__(self) -> None:
        seconds = limit("IMPORT_TIME_BUDGET_SECONDS")
        super().__init__(
            f"Het bestand kon niet binnen {seconds} seconden worden verwerkt; er is niets geïmporteerd. "
            f"Splits het bestand in kleinere delen en lees die na elkaar in."
        )


def deadline() -> float:
    """The moment (time.monotonic) by which this request must have read and imported its file."""
    return time.monotonic() + limit("IMPORT_TIME_BUDGET_SECONDS")


def check_time(until: float | None) -> None:
    if until is not None and time.monotonic() > until:
        raise OutOfTime


def too_many_rows(count: int | None = None) -> FileRefused:
    maximum = format_number(limit("IMPORT_MAX_ROWS"))
    found = f" ({format_number(count)})" if count else ""
    return FileRefused(
        f"Het bestand heeft meer dan {maximum} rijen{found}. Splits het in delen van hoogstens {maximum} rijen."
    )


def too_many_columns(number: int, maximum: int) -> FileRefused:
    return FileRefused(
        f"Rij {number} heeft meer dan {maximum} gevulde kolommen; er worden hoogstens {maximum} ingelezen."
    )


# Cells that are refused on their row --------------------------------------------------------------


@dataclass(frozen=True)
class FormulaCell:
    """An XLSX cell holding a formula: never read as a value, refused on its row and column."""

    formula: str

    def __str__(self) -> str:
        return self.formula


# C0 and C1 control characters except tab, line feed and carriage return (text in a cell may have lines).
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def cell_problem(value: Any) -> str | None:
    """Why a cell cannot be imported whatever its column (a formula, a control character), or None."""
    if isinstance(value, FormulaCell):
        shown = value.formula if len(value.formula) <= 40 else value.formula[:37] + "..."
        return f"formules worden niet ingelezen; plak de waarde in plaats van de formule {shown}."
    if isinstance(value, str):
        found = CONTROL_CHARACTER.search(value)
        if found:
            return (
                f"de cel bevat een onzichtbaar stuurteken (U+{ord(found.group()):04X}); "
                f"verwijder het en lees het bestand opnieuw in."
            )
    return None


# Reading a file into a dataset ---------------------------------------------------------------------


@dataclass
class Table:
    """The cells of a file under its header, with each row's number in the spreadsheet (blank rows left out)."""

    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)

    def records(self) -> Iterable[tuple[int, dict[str, Any]]]:
        for number, cells in zip(self.numbers, self.rows, strict=True):
            yield number, dict(zip(self.headers, cells, strict=False))


def _header_text(value: Any) -> str:
    return "" if value is None else str(value).strip().lstrip("\ufeff")


def _table(header: list[str], rows: Iterable[tuple[int, list[Any]]], until: float | None) -> Table:
    while header and not header[-1]:
        header.pop()  # empty columns after the last heading
    if not any(header):
        raise FileRefused(
            "De eerste rij van het bestand moet de kopregel zijn (de namen van de kolommen); die is leeg."
        )
    width = len(header)
    table = Table(headers=header)
    maximum = limit("IMPORT_MAX_ROWS")
    for count, (number, cells) in enumerate(rows, 1):
        if count % 1000 == 0:
            check_time(until)
        if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
            continue  # a blank row: spreadsheets often end in them
        if len(cells) > width:
            extra = cells[width:]
            if any(cell is not None and str(cell).strip() for cell in extra):
                raise FileRefused(
                    f"Rij {number} heeft meer gevulde cellen ({len(cells)}) dan de kopregel kolommen heeft ({width}). "
                    f"Geef elke kolom een naam in de kopregel of verwijder de overtollige cellen."
                )
            cells = cells[:width]
        elif len(cells) < width:
            cells = [*cells, *([""] * (width - len(cells)))]
        if len(table.numbers) >= maximum:
            raise too_many_rows()
        table.rows.append(cells)
        table.numbers.append(number)
    if not table.numbers:
        raise FileRefused("Het bestand bevat geen rijen onder de kopregel; er is niets om in te lezen.")
    return table


# CSV

CSV_ENCODING_HINT = (
    "Sla het bestand in Excel op als ‘CSV UTF-8 (door lijstscheidingsteken gescheiden)’ of als "
    "‘CSV (gescheiden door lijstscheidingsteken)’, of lees het in als XLSX."
)


def decode_text(content: bytes) -> str:
    """The text of a CSV file in UTF-8 (with or without BOM), UTF-16 (with BOM, or recognisable) or Windows-1252."""
    if content.startswith(codecs.BOM_UTF8):
        try:
            return content[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError as error:
            raise FileRefused(
                f"Het bestand begint als UTF-8 maar bevat bij byte {error.start} tekens die geen UTF-8 zijn. "
                + CSV_ENCODING_HINT
            ) from None
    encoding = None
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        sample = content[:2000]
        half = max(len(sample) // 2, 1)
        # UTF-16 without a BOM: text in the Latin alphabet has a zero byte in every other position.
        if sample[1::2].count(0) > half * 0.4:
            encoding = "utf-16-le"
        elif sample[0::2].count(0) > half * 0.4:
            encoding = "utf-16-be"
    if encoding:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            raise FileRefused("Het bestand lijkt UTF-16 maar is niet te lezen. " + CSV_ENCODING_HINT) from None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        raise FileRefused(
            "De tekens in het bestand zijn niet te lezen: het verwachte formaat is UTF-8, UTF-16 of "
            "Windows-1252 (Excel). " + CSV_ENCODING_HINT
        ) from None


SEPARATORS = (";", ",", "\t")
SEPARATOR_NAMES = {";": "puntkomma", ",": "komma", "\t": "tab"}


def _normal(name: str) -> str:
    return " ".join(name.split()).casefold()


def detect_separator(text: str, expected_columns: Sequence[str] = ()) -> str:
    """`;` or `,` (or a tab), decided on the header: the separator that finds the most known columns."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    expected = {_normal(name) for name in expected_columns}

    def score(separator: str) -> tuple[int, int]:
        cells = next(csv.reader([first], delimiter=separator), [])
        known = sum(1 for cell in cells if _normal(cell) in expected)
        return known, len(cells)

    return max(SEPARATORS, key=score)


def read_csv(content: bytes, expected_columns: Sequence[str] = (), until: float | None = None) -> Table:
    text = decode_text(content)
    separator = detect_separator(text, expected_columns)
    maximum = limit("IMPORT_MAX_ROWS")
    max_columns = limit("IMPORT_MAX_COLUMNS")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)

    def records() -> Iterable[tuple[int, list[Any]]]:
        # A record is one row of the spreadsheet, however many lines its quoted cells take.
        for number, record in enumerate(reader, 2):
            if number > maximum + 1 and any(cell.strip() for cell in record):
                raise too_many_rows()
            if len(record) > max_columns and any(cell.strip() for cell in record[max_columns:]):
                raise too_many_columns(number, max_columns)
            yield number, record

    try:
        header = [_header_text(cell) for cell in next(reader, [])]
        if len(header) > max_columns:
            raise FileRefused(f"De kopregel heeft meer dan {max_columns} kolommen; dat is geen export van ons.")
        return _table(header, records(), until)
    except csv.Error:
        raise FileRefused(
            f"Het CSV-bestand is niet te lezen bij regel {reader.line_num}: een cel is te lang of een "
            f"aanhalingsteken wordt niet gesloten."
        ) from None


# XLSX


def _check_archive(content: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError):
        raise FileRefused(
            "Dit is geen XLSX-bestand (Excel-werkmap). Kies het formaat dat bij het bestand hoort."
        ) from None
    parts = archive.infolist()
    unpacked = sum(part.file_size for part in parts)
    # zipfile never unpacks a part beyond its declared size, so the declared sizes bound the work.
    if len(parts) > 1000 or unpacked > limit("IMPORT_MAX_XLSX_UNPACKED_BYTES"):
        raise FileRefused(
            f"De werkmap pakt uit tot {megabytes(unpacked)}; meer dan "
            f"{megabytes(limit('IMPORT_MAX_XLSX_UNPACKED_BYTES'))} wordt niet ingelezen. "
            f"Kopieer de gegevens naar een nieuwe werkmap zonder opmaak en afbeeldingen."
        )


def _cell_value(cell: Any) -> Any:
    if getattr(cell, "data_type", None) == "f":
        value = cell.value
        return FormulaCell(value if isinstance(value, str) else str(getattr(value, "text", "") or "="))
    return cell.value


MERGE_CELL = re.compile(rb'<(?:[A-Za-z0-9_]+:)?mergeCell\s[^>]*?ref="([A-Z]{1,3}[0-9]{1,7}(?::[A-Z]{1,3}[0-9]{1,7})?)"')


def _check_merged_cells(sheet: Any) -> None:
    """Refuse a sheet with merged cells, naming the ranges (openpyxl's read-only mode does not list them)."""
    ranges: list[str] = []
    with sheet.parent._archive.open(sheet._worksheet_path) as xml:
        tail = b""
        while chunk := xml.read(1 << 16):
            text = tail + chunk
            ranges.extend(match.decode() for match in MERGE_CELL.findall(text))
            # A tag cut in two at the end of a chunk is found in the next one; none is counted twice.
            cut = text.rfind(b"<")
            tail = text[cut:] if cut >= 0 and b">" not in text[cut:] else b""
    ranges = list(dict.fromkeys(ranges))  # a tag cut at a chunk's end may be seen twice
    if ranges:
        shown = ", ".join(ranges[:5]) + (f" en {len(ranges) - 5} andere" if len(ranges) > 5 else "")
        raise FileRefused(
            f"Het werkblad heeft samengevoegde cellen ({shown}). Alleen de eerste cel van een samenvoeging "
            f"heeft een waarde; de andere zouden als leeg worden ingelezen. Maak het samenvoegen ongedaan, "
            f"vul elke cel en lees het bestand opnieuw in."
        )


def read_xlsx(content: bytes, until: float | None = None) -> Table:
    """The first sheet, read-only; its declared size is checked before a single row is read."""

    _check_archive(content)
    try:
        # data_only=False: a formula cell shows its formula, not a cached value that may be missing.
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds of errors on a damaged file
        raise FileRefused("De XLSX-werkmap is beschadigd of geen Excel-werkmap; er is niets ingelezen.") from None
    try:
        sheet = book.active
        if sheet is None:
            raise FileRefused("De werkmap heeft geen werkblad.")
        maximum, max_columns = limit("IMPORT_MAX_ROWS"), limit("IMPORT_MAX_COLUMNS")
        declared_rows, declared_columns = sheet.max_row, sheet.max_column
        if declared_rows is not None and declared_rows > maximum + 1:
            raise FileRefused(
                f"Het werkblad is opgegeven als {format_number(declared_rows)} rijen groot; er worden hoogstens "
                f"{format_number(maximum)} rijen ingelezen. Verwijder de lege rijen onder de gegevens "
                f"of kopieer de gegevens naar een nieuw werkblad."
            )
        if declared_columns is not None and declared_columns > max_columns:
            raise FileRefused(
                f"Het werkblad is opgegeven als {format_number(declared_columns)} kolommen breed; er worden hoogstens "
                f"{max_columns} kolommen ingelezen. Kopieer de gegevens naar een nieuw werkblad."
            )
        _check_merged_cells(sheet)
        # Read what is there, however the sheet declares its size (a declared size can also be too small).
        sheet.reset_dimensions()
        rows = sheet.iter_rows(min_row=1, max_col=max_columns + 1)
        first = next(rows, ())
        header = [_header_text(_cell_value(cell)) for cell in first[:max_columns]]

        def numbered() -> Iterable[tuple[int, list[Any]]]:
            for number, row in enumerate(rows, 2):
                # Counted by position, blank or not: a sheet cannot make us walk a million empty rows.
                if number > maximum + 1:
                    raise too_many_rows()
                values = [_cell_value(cell) for cell in row]
                if len(values) > max_columns and values[max_columns] not in (None, ""):
                    raise too_many_columns(number, max_columns)
                yield number, values[:max_columns]

        return _table(header, numbered(), until)
    finally:
        book.close()


def read_table(
    content: bytes, file_format: str, expected_columns: Sequence[str] = (), until: float | None = None
) -> Table:
    """The rows of an uploaded file, or FileRefused with the Dutch reason."""
    if file_format == "xlsx":
        return read_xlsx(content, until)
    return read_csv(content, expected_columns, until)


# Receiving an upload ------------------------------------------------------------------------------


class BoundedMemoryUploadHandler(FileUploadHandler):
    """Keeps every uploaded file in memory, never in a temporary file on disk, up to the upload limit.

    Bytes beyond IMPORT_MAX_UPLOAD_BYTES (for the whole request) are received but not kept; the file
    is then handed on empty and marked `too_large`, so the form can say in Dutch how large it was.
    """

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.received = 0
        self.file = io.BytesIO()
        self.too_large = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.file = io.BytesIO()
        self.too_large = False
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.received > limit("IMPORT_MAX_UPLOAD_BYTES"):
            if not self.too_large:
                self.too_large = True
                self.file = io.BytesIO()  # let go of what was kept
        else:
            self.file.write(raw_data)

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.file.seek(0)
        upload = InMemoryUploadedFile(
            file=self.file,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
        upload.too_large = self.too_large  # type: ignore[attr-defined]
        return upload


def upload_content(upload: Any) -> bytes:
    """The bytes of an uploaded file, or FileRefused when it is larger than the upload limit."""
    maximum = limit("IMPORT_MAX_UPLOAD_BYTES")
    if getattr(upload, "too_large", False) or upload.size > maximum:
        raise FileRefused(
            f"Het bestand is {megabytes(upload.size)}; er kan hoogstens {megabytes(maximum)} tegelijk worden "
            f"ingelezen. Splits het bestand in kleinere delen."
        )
    content = b"".join(upload.chunks())
    if len(content) > maximum:
        raise FileRefused(f"Het bestand is groter dan {megabytes(maximum)}. Splits het bestand in kleinere delen.")
    return content
