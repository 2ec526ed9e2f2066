"""Resolving what people type in a spreadsheet cell (a code or a name) to reference records."""

from .cells import CellError, clean_text


class ReferenceLookup:
    """Maps codes and names (zh and en, case-insensitive) of a reference table to primary keys."""

    def __init__(self, queryset, what_zh, what_en, fields=("code", "name_zh", "name_en")):
        self.what_zh, self.what_en = what_zh, what_en
        self.by_key = {}
        for row in queryset.values("pk", *fields):
            for f in fields:
                if row[f]:
                    self.by_key.setdefault(clean_text(row[f]).lower(), row["pk"])

    def __call__(self, value):
        if value is None:
            return None
        pk = self.by_key.get(clean_text(value).lower())
        if pk is None:
            raise CellError(f"找不到{self.what_zh}“{value}”", f"unknown {self.what_en} '{value}'")
        return pk
