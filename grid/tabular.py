"""Reading and writing registry spreadsheets.

Reading streams a CSV (UTF-8 with or without a byte order mark, or GB18030/GBK as Excel writes
on Chinese systems) or the first sheet of an XLSX workbook row by row, so that a large file is
never held in memory as a table. Writing streams CSV (UTF-8 with a byte order mark, which Excel
needs to recognise UTF-8) or XLSX (openpyxl's write-only mode).
"""

import codecs
import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import IO, Any

from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

UTF8 = "utf-8-sig"  # also reads UTF-8 without a byte order mark
GB18030 = "gb18030"  # a superset of GBK and GB2312
ENCODINGS = {UTF8: gettext_lazy("UTF-8"), GB18030: gettext_lazy("GB18030 / GBK")}
SCAN_BYTES = 1 << 20
SNIFF_BYTES = 4096

# Characters XML 1.0, and so an XLSX cell, cannot hold (openpyxl refuses them); tab, line feed
# and carriage return are allowed.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A spreadsheet program runs a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# How a CSV cell says "this text starts with a formula character": Excel shows it without the
# quote; our own import reads it back without it.
FORMULA_ESCAPE = "'"


class FileError(Exception):
    """The file as a whole cannot be read; the message says why, for the user."""


@dataclass
class Table:
    """The header and the data rows of a file. Rows are numbered as a spreadsheet shows them
    (the header is row 1); `estimated_rows` counts data rows, for progress, and may include
    trailing empty rows."""

    header: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    estimated_rows: int
    encoding: str = ""


def sniff_format(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return XLSX
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileError(
            _(
                "This is an Excel 97-2003 (.xls) workbook, which cannot be read: "
                "save it as .xlsx or as CSV and upload it again."
            )
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileError(
            _(
                "This file is UTF-16 text (Excel's “Unicode text”): save it as "
                "“CSV UTF-8” and upload it again."
            )
        )
    if b"\x00" in head:
        raise FileError(_("This is not a CSV or XLSX file."))
    return CSV


def decodes_as(stream: IO[bytes], encoding: str) -> int | None:
    """None when the whole stream decodes, else the line on which decoding fails."""
    decoder = codecs.getincrementaldecoder(encoding)()
    stream.seek(0)
    line = 1
    while chunk := stream.read(SCAN_BYTES):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as error:
            return line + chunk[: error.start].count(b"\n")
        line += chunk.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return line
    return None


def detect_encoding(stream: IO[bytes], chosen: str = "") -> str:
    """The encoding the user chose, checked, or the first of UTF-8 and GB18030 that reads the
    whole file."""
    if chosen:
        bad_line = decodes_as(stream, chosen)
        if bad_line is not None:
            raise FileError(
                _("Line %(line)d is not valid %(encoding)s text: choose the file's encoding.")
                % {"line": bad_line, "encoding": ENCODINGS[chosen]}
            )
        return chosen
    for encoding in (UTF8, GB18030):
        if decodes_as(stream, encoding) is None:
            return encoding
    raise FileError(
        _(
            "The file is neither UTF-8 nor GB18030/GBK text: save it from Excel as "
            "“CSV UTF-8” or as .xlsx and upload it again."
        )
    )


def count_lines(stream: IO[bytes]) -> int:
    stream.seek(0)
    lines = 0
    last = b""
    while chunk := stream.read(SCAN_BYTES):
        lines += chunk.count(b"\n")
        last = chunk
    return lines + (1 if last and not last.endswith(b"\n") else 0)


def read_csv(stream: IO[bytes], encoding: str) -> Table:
    lines = count_lines(stream)
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    first = text.readline()
    if not first.strip():
        raise FileError(_("The file is empty."))
    # Excel on some systems writes semicolons or tabs; a header names several columns.
    delimiter = max(",\t;", key=first.count)
    reader = csv.reader(_chain([first], text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise FileError(_("The file is empty.")) from None
    except csv.Error as error:
        raise FileError(_("Line 1 cannot be read as CSV: %(error)s") % {"error": error}) from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for values in reader:
                # Most rows hold no escaped cell: one look at the whole row, not a call per cell.
                if FORMULA_ESCAPE in "".join(values):
                    values = [unescape_cell(value) for value in values]
                yield reader.line_num, values
        except csv.Error as error:
            raise FileError(
                _("Line %(line)d cannot be read as CSV: %(error)s")
                % {"line": reader.line_num, "error": error}
            ) from None

    return Table(header, rows(), max(lines - 1, 0), encoding)


def _chain(first: list[str], rest: Iterable[str]) -> Iterator[str]:
    yield from first
    yield from rest


def read_xlsx(stream: IO[bytes]) -> Table:
    import openpyxl

    try:
        # data_only gives the value Excel computed for a formula cell, not the formula.
        book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise FileError(_("The workbook cannot be opened: %(error)s") % {"error": error}) from None
    sheet = book.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    header = next(values, None)
    if header is None:
        raise FileError(_("The file is empty."))

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for number, row in enumerate(values, start=2):
            yield number, list(row)
        book.close()

    header_cells = ["" if cell is None else str(cell) for cell in header]
    return Table(header_cells, rows(), max((sheet.max_row or 1) - 1, 0))


def open_table(stream: IO[bytes], encoding: str = "") -> Table:
    """Read a CSV or XLSX file, whatever its name says, from a seekable binary stream."""
    stream.seek(0)
    kind = sniff_format(stream.read(SNIFF_BYTES))
    stream.seek(0)
    if kind == XLSX:
        return read_xlsx(stream)
    return read_csv(stream, detect_encoding(stream, encoding))


def estimate_rows(stream: IO[bytes]) -> int:
    """About how many data rows a file has, cheaply, to decide how to import it."""
    stream.seek(0)
    kind = sniff_format(stream.read(SNIFF_BYTES))
    if kind == CSV:
        return max(count_lines(stream) - 1, 0)
    import openpyxl

    stream.seek(0)
    try:
        book = openpyxl.load_workbook(stream, read_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return 0
    rows = book.worksheets[0].max_row or 1
    book.close()
    return rows - 1


def format_for(path: str | Path) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise FileError(
            _("Unknown file type “%(suffix)s”: use .csv or .xlsx.") % {"suffix": suffix}
        )
    return suffix


def safe_cell(value: Any, file_format: str) -> Any:
    """A value as it may leave in a spreadsheet, whoever typed it: without the control
    characters a workbook cannot hold, and in CSV never read as a formula (XLSX cells are typed
    as text instead, see `write_xlsx`). Every export, registers and submissions, goes through
    here."""
    if isinstance(value, Promise):
        value = str(value)
    if not isinstance(value, str):
        return value
    value = CONTROL_CHARACTERS.sub("", value)
    if file_format == CSV and value.startswith(FORMULA_PREFIXES):
        return FORMULA_ESCAPE + value
    return value


def unescape_cell(value: str) -> str:
    """What `safe_cell` wrote into a CSV, read back as the text it was."""
    if value.startswith(FORMULA_ESCAPE) and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


class _Echo:
    """A file-like object whose write() returns what it was given, for streaming CSV."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(header: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """CSV in UTF-8 with a byte order mark (Excel needs it to read UTF-8), a piece at a time."""
    writer = csv.writer(_Echo())
    yield codecs.BOM_UTF8 + writer.writerow([safe_cell(name, CSV) for name in header]).encode()
    batch: list[str] = []
    for row in rows:
        batch.append(
            writer.writerow(["" if value is None else safe_cell(value, CSV) for value in row])
        )
        if len(batch) >= 1000:
            yield "".join(batch).encode()
            batch = []
    if batch:
        yield "".join(batch).encode()


def write_xlsx(target: IO[bytes], header: list[str], rows: Iterable[list[Any]]) -> None:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([safe_cell(name, XLSX) for name in header])
    for row in rows:
        cells = []
        for value in map(safe_cell, row, repeat(XLSX)):
            if isinstance(value, datetime.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            elif isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
                # Never let a cell's text run as a formula in the reader's Excel.
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                cells.append(cell)
            elif value is None or isinstance(value, int | float | str):
                cells.append(value)
            else:
                cells.append(str(value))  # lazy translations, Decimals
        sheet.append(cells)
    book.save(target)


def xlsx_response(filename: str, header: list[str], rows: Iterable[list[Any]]) -> HttpResponse:
    """A workbook of one sheet as a download, written as every export is (`write_xlsx`)."""
    target = io.BytesIO()
    write_xlsx(target, header, rows)
    response = HttpResponse(target.getvalue(), content_type=CONTENT_TYPES[XLSX])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
