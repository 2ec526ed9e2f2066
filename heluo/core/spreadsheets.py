"""The one spreadsheet writer and the one XLSX download. Every export, template and report table goes through
here, so every file gets the same treatment: bold (optionally coloured) headers, frozen header rows, column
widths, and text that would start a formula (=, +, -, @, tab, CR) written as text, never as a live formula."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
REQUIRED_COLOUR = "C00000"


@dataclass
class Sheet:
    title: str
    headers: Sequence
    rows: Iterable[Sequence]
    preamble: Sequence[str] = ()  # lines above the header row (a title, a caption)
    widths: Sequence[float] | None = None  # None: from the headers (and the first rows, when rows is a list)
    required: Sequence[bool] = ()  # headers shown in red (import templates)
    header_fill: str = ""  # e.g. "DDEBF7"
    freeze: bool = True
    bold_preamble: bool = True


def sheet_name(title: str, used: set[str]) -> str:
    """A valid, unique sheet name: at most 31 characters, none of []:*?/\\."""
    name = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title or "Sheet"))[:31].strip() or "Sheet"
    base, n = name[:27], 2
    while name in used:
        name, n = f"{base} {n}", n + 1
    used.add(name)
    return name


def _width(sheet: Sheet, i: int) -> float:
    if sheet.widths is not None and i < len(sheet.widths):
        return sheet.widths[i]
    texts = [str(sheet.headers[i])]
    if isinstance(sheet.rows, list):
        texts += [str(r[i]) for r in sheet.rows[:200] if i < len(r) and r[i] is not None]
    return min(60, max(8, max(len(t) for t in texts) * 1.6))


def _value_cell(ws, value):
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"  # shown as typed; a spreadsheet never runs it
    return cell


class WorkbookBytes(bytes):
    """A written workbook, knowing how many data rows it holds (the audit log records exports' sizes)."""

    rows: int = 0


def workbook_bytes(sheets: Sequence[Sheet]) -> WorkbookBytes:
    wb = Workbook(write_only=True)
    used: set[str] = set()
    count = 0
    for sheet in sheets:
        ws = wb.create_sheet(sheet_name(sheet.title, used))
        for i in range(len(sheet.headers)):
            ws.column_dimensions[get_column_letter(i + 1)].width = _width(sheet, i)
        header_row = len(sheet.preamble) + 1
        if sheet.freeze:
            ws.freeze_panes = f"A{header_row + 1}"
        for line in sheet.preamble:
            cell = _value_cell(ws, line)
            if sheet.bold_preamble:
                cell.font = Font(bold=True)
            ws.append([cell])
        head = []
        for i, h in enumerate(sheet.headers):
            cell = _value_cell(ws, str(h))
            red = i < len(sheet.required) and sheet.required[i]
            cell.font = Font(bold=True, color=REQUIRED_COLOUR if red else None)
            if sheet.header_fill:
                cell.fill = PatternFill("solid", fgColor=sheet.header_fill)
            head.append(cell)
        ws.append(head)
        for row in sheet.rows:
            ws.append([_value_cell(ws, v) for v in row])
            count += 1
    out = io.BytesIO()
    wb.save(out)
    content = WorkbookBytes(out.getvalue())
    content.rows = count
    return content


def table_xlsx(title: str, headers: Sequence, rows: Iterable[Sequence]) -> bytes:
    """A one-sheet workbook of a computed table (lists, rankings)."""
    return workbook_bytes([Sheet(title, headers, rows)])


def xlsx_response(content: bytes, filename: str, dated: bool = False):
    """The download of a workbook, recorded as an export (with its row count) in the audit log. `dated`: today's
    date goes into the name (lists exported from a page)."""
    from django.http import HttpResponse

    from .audit import log_export

    stem = filename[:-5] if filename.lower().endswith(".xlsx") else filename
    name = f"{stem}-{dt.date.today():%Y%m%d}.xlsx" if dated else f"{stem}.xlsx"
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    log_export(name, getattr(content, "rows", None))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return response
