"""XLSX export of any (already filtered and scoped) list, in the import template's columns, so an exported
file can be corrected and imported back."""

from .imports import load_kinds
from .spreadsheets import Sheet, workbook_bytes


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
    money = [c.money for c in kind.columns]
    rows = (
        [_cell(v, m) for v, m in zip(kind.export_values(obj), money)] for obj in kind.prepare_export(queryset).iterator(chunk_size=2000)
    )
    return workbook_bytes([Sheet(str(kind.label), [c.header() for c in kind.columns], rows, freeze=False)])


def export_kinds():
    return load_kinds()
