"""Every report table as CSV or XLSX, from the same :class:`Table`.

CSV starts with a UTF-8 byte-order mark, which is what makes Excel and WPS open Chinese text
correctly instead of guessing a legacy code page. Cells that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) are prefixed with an
apostrophe, so a trainee's name cannot become a formula in an instructor's spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Font

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | float | bool | datetime | date | None


@dataclass
class Table:
    """A report table: a title (the sheet name), column headers and rows of plain values."""

    title: str
    columns: list[str]
    rows: list[Sequence[Cell]] = field(default_factory=list)


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


def to_csv(table: Table) -> bytes:
    """The table as UTF-8 CSV with a byte-order mark and CRLF line ends."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_safe_text(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_cell(value) for value in row])
    return out.getvalue().encode("utf-8")


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


def to_xlsx(table: Table) -> bytes:
    """The table as an Excel workbook with one sheet, bold headers and the header row frozen."""
    book = Workbook()
    sheet = book.active
    sheet.title = _sheet_title(table.title)
    sheet.append([_safe_text(c) for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_xlsx_cell(value) for value in row])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns, start=1):
        longest = max([len(str(column))] + [len(str(r[index - 1] or "")) for r in table.rows[:200]])
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(60, longest + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
