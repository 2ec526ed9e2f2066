"""The pages' tables: shown and exported to XLSX from the same rows, so the spreadsheet is exactly the page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from heluo.core.spreadsheets import Sheet, workbook_bytes

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
    """One sheet per table: a title line (and the caption), the header, then the rows as shown (numbers stay numbers)."""
    return workbook_bytes(
        [
            Sheet(
                table.title or table.key,
                list(table.columns),
                [[c.value if c.value is not None else c.text for c in row] for row in table.rows],
                preamble=[title or table.title] + ([table.caption] if table.caption else []),
                widths=[
                    min(60, max(8, max([len(str(label))] + [len(str(r[n].text)) for r in table.rows[:200] if n < len(r)]) * 1.6))
                    for n, label in enumerate(table.columns)
                ],
            )
            for table in tables
        ]
    )
