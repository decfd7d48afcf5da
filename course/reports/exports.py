"""Every report table as CSV or XLSX, from the same :class:`Table`.

Both stream: CSV row by row, XLSX through openpyxl's write-only mode and a temporary file, so
an export's memory stays flat however many rows it has.

CSV starts with a UTF-8 byte-order mark, which is what makes Excel and WPS open Chinese text
correctly instead of guessing a legacy code page. Cells that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) are prefixed with an
apostrophe, so a trainee's name cannot become a formula in an instructor's spreadsheet.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | float | bool | datetime | date | None


@dataclass
class Table:
    """A report table: a title (the sheet name), column headers and rows of plain values.

    ``rows`` may be any iterable, such as a generator over a streamed query: the exports read
    it once, row by row."""

    title: str
    columns: list[str]
    rows: Iterable[Sequence[Cell]] = field(default_factory=list)


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, int):
        return str(value)
    return _safe_text(str(value))


def iter_csv(table: Table, batch: int = 500) -> Iterator[bytes]:
    """The table as UTF-8 CSV with a byte-order mark and CRLF line ends, a few hundred rows at
    a time: rows are read from ``table.rows`` as they are written, so memory does not grow with
    the table."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write(BOM)
    writer.writerow([_safe_text(c) for c in table.columns])
    for number, row in enumerate(table.rows, start=1):
        writer.writerow([_csv_cell(value) for value in row])
        if number % batch == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def to_csv(table: Table) -> bytes:
    """The whole CSV at once (small tables and tests)."""
    return b"".join(iter_csv(table))


def _xlsx_cell(value: Cell) -> Cell:
    if isinstance(value, datetime):
        # Spreadsheets have no time zones; report times are UTC, written without the zone.
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return _safe_text(value)
    return value


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return (cleaned or "Report")[:31]


def write_xlsx(table: Table, target: IO[bytes]) -> None:
    """Write the table as an Excel workbook with one sheet, bold headers and the header row
    frozen, in openpyxl's write-only mode: each row goes to a temporary file as it is read,
    so memory does not grow with the table. Column widths come from the headers (the rows
    are not kept to measure them)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_title(table.title))
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(12, len(column) + 4))
    header = []
    for column in table.columns:
        cell = WriteOnlyCell(sheet, value=_safe_text(column))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        sheet.append([_xlsx_cell(value) for value in row])
    book.save(target)


def iter_xlsx(table: Table, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """The workbook in chunks, built in a temporary file (never whole in memory)."""
    with tempfile.TemporaryFile() as spool:
        write_xlsx(table, spool)
        spool.seek(0)
        while data := spool.read(chunk):
            yield data


def to_xlsx(table: Table) -> bytes:
    """The whole workbook at once (small tables and tests)."""
    return b"".join(iter_xlsx(table))
