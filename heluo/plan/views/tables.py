"""The pages' tables: shown and exported to XLSX from the same rows, so the spreadsheet is exactly the page."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from ..selectors.dashboard import num


@dataclass
class Cell:
    text: str = ""  # as shown; exported when `value` is None
    value: Any = None  # a number or date for the spreadsheet
    href: str = ""
    html: Any = None  # richer rendering on the page (badges, struck-through history); the export uses `text`
    css: str = ""
    title: str = ""


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    column_css: list[str] = field(default_factory=list)
    caption: str = ""
    empty: str = ""

    def css(self, n: int) -> str:
        return self.column_css[n] if n < len(self.column_css) else ""

    @property
    def header(self):
        return [(label, self.css(n)) for n, label in enumerate(self.columns)]

    @property
    def body(self):
        return [[(c, self.css(n)) for n, c in enumerate(row)] for row in self.rows]


def number_cell(
    value, decimals=None, qualifier: str = "", href: str = "", css: str = "text-end", title: str = "", at_least: int = 0
) -> Cell:
    if value is None:
        return Cell("—", None, css=css)
    text = f"{qualifier}{num(value, decimals, at_least)}"
    return Cell(text, None if qualifier else float(value), href=href, css=css, title=title)


def table_xlsx(tables: list[Table], title: str = "") -> bytes:
    """One sheet per table: a title line, the header, then the rows as shown (numbers stay numbers)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    used = set()
    for table in tables:
        name = (table.title or table.key)[:28]
        for ch in "[]:*?/\\":
            name = name.replace(ch, " ")
        base, n = name, 2
        while name in used:
            name, n = f"{base[:25]} {n}", n + 1
        used.add(name)
        ws = wb.create_sheet(name)
        ws.append([title or table.title])
        ws["A1"].font = Font(bold=True)
        if table.caption:
            ws.append([table.caption])
        ws.append(list(table.columns))
        header_row = ws.max_row
        for cell in ws[header_row]:
            cell.font = Font(bold=True)
        for row in table.rows:
            ws.append([c.value if c.value is not None else c.text for c in row])
        for n, label in enumerate(table.columns, 1):
            width = max([len(str(label))] + [len(str(r[n - 1].text)) for r in table.rows[:200] if n - 1 < len(r)])
            ws.column_dimensions[get_column_letter(n)].width = min(60, max(8, width * 1.6))
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
