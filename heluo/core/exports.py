"""XLSX export of any (already filtered and scoped) list, in the import template's columns, so an exported
file can be corrected and imported back."""

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .imports import load_kinds


def _cell(value, money):
    if value is None:
        return None
    if money:
        return float(value) / 10000
    if isinstance(value, (list, tuple, set)):
        return "；".join(str(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def export_xlsx(kind_name: str, queryset, user=None) -> bytes:
    kind = load_kinds()[kind_name]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(str(kind.label)[:31])
    header = []
    for col in kind.columns:
        cell = WriteOnlyCell(ws, value=col.header())
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    money = [c.money for c in kind.columns]
    for obj in kind.prepare_export(queryset).iterator(chunk_size=2000):
        ws.append([_cell(v, m) for v, m in zip(kind.export_values(obj), money)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_kinds():
    return load_kinds()


def table_xlsx(title: str, headers: list[str], rows) -> bytes:
    """A plain one-sheet workbook of a computed table (lists, rankings) with a bold header row."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    head = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=h)
        cell.font = Font(bold=True)
        head.append(cell)
    ws.append(head)
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def xlsx_response(content: bytes, filename: str):
    from urllib.parse import quote

    from django.http import HttpResponse

    resp = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return resp
