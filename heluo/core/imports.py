"""Importing registry data from XLSX/CSV: validate the whole file, report every bad cell in Chinese and
English, then write all rows in one transaction or none. Re-importing the same file changes nothing.

A kind (organizations, annual data, platforms, talents, experts, qualifications) declares its columns and
how to resolve and write its rows; this module does the reading, parsing, checking and bookkeeping.
"""

from __future__ import annotations

import datetime as dt
import gc
import re
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .cells import CellError, clean_text, is_empty, money_many, parse_decimal, parse_many, parse_text
from .middleware import acting_as
from .permissions import FieldsRefused, scope_for
from .registry import app_modules
from .setup import planner_statistics_stale, refresh_planner_statistics
from .sheets import FileRejected, column_letter, header_base, normalise_header, read_table

MAX_ERRORS = 20000
CENT = Decimal("0.01")
_UNITS = {"万元": 10000, "万": 10000, "10kyuan": 10000, "10,000yuan": 10000, "元": 1, "yuan": 1, "cny": 1}


@dataclass
class Column:
    key: str
    zh: str
    en: str
    parse: Callable[[Any], Any] = parse_text
    required: bool = False
    money: bool = False  # stored in 元; headers state the unit (万元 or 元); templates and exports use 万元
    note_zh: str = ""
    aliases: tuple[str, ...] = ()
    get: Callable[[Any], Any] | None = None  # value for export; default getattr(obj, key)

    def header(self) -> str:
        return f"{self.zh}（万元）" if self.money else self.zh

    def names(self) -> set[str]:
        return {header_base(normalise_header(n)) for n in (self.zh, self.en, self.key, *self.aliases)}


@dataclass
class Row:
    number: int
    values: dict = field(default_factory=dict)
    index: int = -1  # place in the batch (the cells as read, for error reports)
    ok: bool = True
    target: Any = None  # what resolve() found, for write()


FAILED = object()  # a cell that was refused: its row's values leave the column out


class Batch:
    """The file's data rows, column by column: `values[key]` holds each row's parsed value (FAILED where the
    cell was refused), `raw[key]` the cells as read. Kinds that work on whole columns use it directly; the others
    get `rows()`, one Row with a values dict per data row."""

    def __init__(self, numbers: list[int], values: dict[str, list], raw: dict[str, list], failed: set[str] = frozenset()):
        self.numbers, self.values, self.raw = numbers, values, raw
        self.failed_columns = failed  # the columns that hold a FAILED cell
        self.targets: list = [None] * len(numbers)  # what resolve found for each row, for write
        self.notes: dict = {}  # what else a kind's resolve finds for its write
        self._rows: dict[int, Row] = {}

    def __len__(self) -> int:
        return len(self.numbers)

    def row(self, i: int) -> Row:
        row = self._rows.get(i)
        if row is None:
            values = {k: column[i] for k, column in self.values.items() if column[i] is not FAILED}
            row = self._rows[i] = Row(self.numbers[i], values, i, target=self.targets[i])
        return row

    def rows(self) -> list[Row]:
        keys, rows = list(self.values), []
        for i, cells in enumerate(zip(*self.values.values())) if keys else enumerate([()] * len(self)):
            row = self._rows.get(i)
            if row is None:
                values = dict(zip(keys, cells))
                if FAILED in cells:
                    values = {k: v for k, v in values.items() if v is not FAILED}
                row = self._rows[i] = Row(self.numbers[i], values, i)
            rows.append(row)
        return rows

    def column(self, key: str) -> list:
        """The column's values with None for a refused cell (as a row's values.get(key) gives it)."""
        column = self.values[key]
        return [None if v is FAILED else v for v in column] if key in self.failed_columns else column


class ImportContext:
    def __init__(self, kind, user, table, column_at, dry_run, progress):
        self.kind, self.user, self.table, self.dry_run = kind, user, table, dry_run
        self.scope = scope_for(user)
        self.column_at = column_at  # key -> 0-based column index in the file
        self.batch: Batch | None = None
        self.errors: list[dict] = []
        self.warnings: list[dict] = []
        self._progress = progress or (lambda *a: None)

    def progress(self, phase, done, total):
        self._progress(phase, done, total)

    def error(self, row: Row | None, key: str | None, zh: str, en: str):
        row_no = row.number if row else None
        if row is not None:
            row.ok = False
        if key and key in self.column_at:
            col = self.kind.column(key)
            column = f"{column_letter(self.column_at[key])} {col.header()}"
        else:
            column = key or ""
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(
                {
                    "sheet": self.table.sheet if self.table else "",
                    "row": row_no,
                    "column": column,
                    "value": "" if row is None or key is None else clean_text(self.raw(row, key)),
                    "message_zh": zh,
                    "message_en": en,
                }
            )

    def raw(self, row: Row, key: str):
        column = self.batch.raw.get(key) if self.batch is not None and row.index >= 0 else None
        value = None if column is None else column[row.index]
        return dt.datetime(value.year, value.month, value.day) if value.__class__ is dt.date else value  # as openpyxl read it

    def warn(self, zh, en, row=None):
        self.warnings.append({"row": row.number if row else None, "message_zh": zh, "message_en": en})


class ImportKind:
    kind: str = ""
    label = ""
    model = None
    columns: list[Column] = []
    key: tuple[str, ...] = ()  # columns that identify a record: duplicates within a file are errors

    def column(self, key) -> Column:
        return next(c for c in self.columns if c.key == key)

    def resolve(self, ctx: ImportContext, rows: list[Row]):
        """Cross-reference checks against the database; report with ctx.error."""

    def write(self, ctx: ImportContext, rows: list[Row]) -> dict:
        raise NotImplementedError

    # A kind may work on whole columns instead (heluo.core.bulk writes such a batch set-wise); by default the
    # batch becomes rows.
    def resolve_batch(self, ctx: ImportContext, batch: Batch):
        self.resolve(ctx, batch.rows())

    def write_batch(self, ctx: ImportContext, batch: Batch) -> dict:
        return self.write(ctx, batch.rows())

    def export_queryset(self, user):
        return self.model.objects.restrict(user, "view")

    def prepare_export(self, queryset):
        """select_related / prefetch for the export's columns."""
        return queryset

    def export_values(self, obj) -> list:
        return [c.get(obj) if c.get else getattr(obj, c.key, None) for c in self.columns]


KINDS: dict[str, ImportKind] = {}


def register(kind_cls):
    KINDS[kind_cls.kind] = kind_cls()
    return kind_cls


def load_kinds():
    """Every app's import kinds: each app's `imports` module registers its own with `@register`."""
    for _module in app_modules("imports"):
        pass
    return KINDS


@dataclass
class ImportResult:
    kind: str
    ok: bool
    dry_run: bool
    summary: dict
    errors: list[dict]
    warnings: list[dict]
    total_rows: int = 0


def _map_headers(kind: ImportKind, table, ctx) -> dict[str, int]:
    by_name = {}
    for col in kind.columns:
        for name in col.names():
            by_name[name] = col
    column_at, multipliers = {}, {}
    for index, header in enumerate(table.headers):
        if not header:
            continue
        col = by_name.get(header_base(header))
        letter = column_letter(index)
        if col is None:
            ctx.error(
                None,
                f"{letter} {header}",
                f"未知的列“{header}”（请使用模板中的列名）",
                f"unknown column '{header}' (use the template's column names)",
            )
            continue
        if col.key in column_at:
            ctx.error(None, f"{letter} {header}", f"列“{col.zh}”重复出现", f"column '{col.en}' appears twice")
            continue
        if col.money:
            unit = re.search(r"[（(]([^）)]*)[）)]$", header)
            factor = _UNITS.get(unit.group(1).replace(" ", "").lower()) if unit else None
            if factor is None:
                ctx.error(
                    None,
                    f"{letter} {header}",
                    f"列“{header}”须在表头注明单位（万元）或（元）",
                    f"column '{header}' must state its unit in the header: (万元) or (元)",
                )
                continue
            multipliers[col.key] = factor
        column_at[col.key] = index
    for col in kind.columns:
        if col.required and col.key not in column_at:
            ctx.error(None, col.header(), f"缺少必填列“{col.header()}”", f"required column '{col.en}' is missing")
    ctx.column_at = column_at
    return multipliers


def _parse(kind, table, ctx, multipliers) -> Batch:
    """Every mapped column at once: each cell parsed (equal cells once), then checked; the errors are reported
    row by row, in the order of the file's columns, as a reader going row by row would find them."""
    numbers, data = [], []
    for row_no, values in table.rows:
        # a number, a date … is a value; only a row of text has to be looked at cell by cell ("-", "无" are empty)
        if any(v.__class__ is not str for v in filter(None, values)) or not all(is_empty(v) for v in values):
            numbers.append(row_no)
            data.append(values)
    n, errors, values, raw, failed = len(data), [], {}, {}, set()
    formulas = {}  # column letter -> row numbers of its formula cells
    for ref in table.formula_cells:
        letters = ref.rstrip("0123456789")
        formulas.setdefault(letters, []).append(int(ref[len(letters) :]))
    at = {row_no: i for i, row_no in enumerate(numbers)} if formulas else {}
    rectangular = bool(data) and min(map(len, data)) > max(ctx.column_at.values(), default=0)
    formula_missing = 0
    for order, (key, index) in enumerate(ctx.column_at.items()):
        col = kind.column(key)
        cells = list(map(itemgetter(index), data)) if rectangular else [row[index] if index < len(row) else None for row in data]
        raw[key] = cells
        parsed = _parse_column(col, cells, multipliers.get(key))
        for row_no in formulas.get(column_letter(index), ()):
            i = at.get(row_no)
            if i is not None and cells[i] in (None, ""):
                formula_missing += 1
                parsed[i] = FAILED
                errors.append(
                    (
                        i,
                        order,
                        key,
                        "单元格是公式但没有计算结果，请在 Excel 中打开并保存，或粘贴为数值",
                        "the cell holds a formula with no computed value; open and save it in Excel, or paste values",
                    )
                )
        kinds = {parsed[0].__class__} if parsed and parsed.__class__ is _Same else {*map(type, parsed)}
        if CellError in kinds:
            for i, value in enumerate(parsed):
                if value.__class__ is CellError:
                    errors.append((i, order, key, value.zh, value.en))
                    parsed[i] = FAILED
        if col.required and type(None) in kinds:
            for i, value in enumerate(parsed):
                if value is None:
                    errors.append((i, order, key, f"“{col.zh}”为必填项", f"'{col.en}' is required"))
                    parsed[i] = FAILED
        values[key] = parsed
        if errors and errors[-1][2] == key:
            failed.add(key)
        ctx.progress("validating", n * (order + 1) // len(ctx.column_at), n)
    batch = ctx.batch = Batch(numbers, values, raw, failed)
    for i, _, key, zh, en in sorted(errors, key=lambda e: e[:2]):
        ctx.error(batch.row(i), key, zh, en)
    if table.formula_cells and len(table.formula_cells) > formula_missing:
        ctx.warn(
            f"{len(table.formula_cells) - formula_missing}个公式单元格按 Excel 保存的计算结果导入",
            f"{len(table.formula_cells) - formula_missing} formula cells imported with the values Excel saved",
        )
    return batch


def _parse_column(col: Column, cells: list, multiplier: int | None) -> list:
    if not cells:
        return []
    if not any(cells) and (kinds := set(cells)) <= {None, ""}:  # an empty column: nothing to parse cell by cell
        results = {c: parse_many(col.parse, [c])[0] for c in kinds}
        return [results[c] for c in cells] if len(results) > 1 else _Same([results.popitem()[1]] * len(cells))
    if col.money and col.parse is parse_decimal:
        return money_many(cells, multiplier, CENT)
    parsed = parse_many(col.parse, cells)
    if col.money:  # stored to the fen, as the database keeps it
        parsed = [(v * multiplier).quantize(CENT) if v is not None and v.__class__ is not CellError else v for v in parsed]
    return parsed


class _Same(list):
    """A column whose cells all parsed to the same value (an empty column): its checks look at one."""


def _check_duplicates(kind, batch, ctx):
    if not kind.key or not all(k in batch.values for k in kind.key):
        return
    first_seen = {}
    for i, key in enumerate(zip(*(batch.values[k] for k in kind.key))):
        if FAILED in key:
            continue
        if key in first_seen:
            ctx.error(
                batch.row(i),
                kind.key[0],
                f"与第{first_seen[key]}行重复（{'、'.join(str(v) for v in key)}）",
                f"duplicates row {first_seen[key]} ({', '.join(str(v) for v in key)})",
            )
        else:
            first_seen[key] = batch.numbers[i]


class _Rollback(Exception):
    pass


@contextmanager
def gc_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run_import(kind_name: str, path, user=None, dry_run=False, progress=None, via="import") -> ImportResult:
    kind = load_kinds().get(kind_name)
    if kind is None:
        raise ValueError(f"unknown import kind {kind_name!r}; choose from {', '.join(sorted(KINDS))}")
    header_names = set().union(*(c.names() for c in kind.columns))
    ctx = ImportContext(kind, user, None, {}, dry_run, progress)
    ctx.progress("reading", 0, 0)
    try:
        with gc_paused():
            table = read_table(path, header_names)
    except FileRejected as exc:
        ctx.error(None, None, exc.zh, exc.en)
        return ImportResult(kind_name, False, dry_run, {}, ctx.errors, ctx.warnings)
    ctx.table = table
    multipliers = _map_headers(kind, table, ctx)
    if ctx.errors:
        return ImportResult(kind_name, False, dry_run, {}, ctx.errors, ctx.warnings, len(table.rows))
    with gc_paused():  # hundreds of thousands of cells: the collector would walk them again and again, finding nothing
        batch = _parse(kind, table, ctx, multipliers)
        if not len(batch):
            ctx.error(None, None, "文件中没有数据行", "the file has no data rows")
        _check_duplicates(kind, batch, ctx)
        ctx.progress("checking", 0, len(batch))
        kind.resolve_batch(ctx, batch)
        if ctx.errors:
            return ImportResult(kind_name, False, dry_run, {}, ctx.errors, ctx.warnings, len(batch))
        summary = {}
        try:
            with acting_as(user, via), transaction.atomic():
                summary = kind.write_batch(ctx, batch)
                if ctx.errors or dry_run:
                    raise _Rollback
        except _Rollback:
            pass
    ok = not ctx.errors
    if ok and not dry_run and planner_statistics_stale():  # SQLite plans the pages over these rows from its statistics
        refresh_planner_statistics()
    return ImportResult(kind_name, ok, dry_run, summary if ok else {}, ctx.errors, ctx.warnings, len(batch))


def record_row_exception(ctx, row, exc):
    """A service refused a row: turn its PermissionDenied / ValidationError into row errors."""
    if isinstance(exc, FieldsRefused):  # the role's field rule: the reason names the fields
        ctx.error(row, None, exc.reason.zh, exc.reason.en)
    elif isinstance(exc, PermissionDenied):
        ctx.error(row, None, "无权修改该记录（不在您的权限范围内）", "you may not change this record (outside your scope)")
    elif isinstance(exc, ValidationError):
        for field_name, messages in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
            for message in messages:
                key = field_name if field_name in ctx.column_at else None
                ctx.error(row, key, str(message), str(message))
    else:
        raise exc


# --- jobs: the web enqueues an import for the job runner (`heluo worker`) and shows its progress -------


def start_job(job):
    """Queue the import; the worker (or, with the immediate backend, this very call) runs it."""
    run_import_job.enqueue(job.pk)


@task()
def run_import_job(job_id: int) -> dict:
    job = _run_job(job_id)
    return {"import_job": job.pk, "status": job.status, "rows": job.total_rows, "errors": len(job.errors or [])}


def _run_job(job_id):
    from .models import ImportJob

    job = ImportJob.objects.select_related("user").get(pk=job_id)
    job.status = ImportJob.Status.RUNNING
    job.save(update_fields=["status"])

    def progress(phase, done, total):
        ImportJob.objects.filter(pk=job_id).update(phase=phase, done_rows=done, total_rows=total)

    try:
        result = run_import(job.kind, job.file.path, job.user, dry_run=job.dry_run, progress=progress, via="web")
        job.refresh_from_db()
        job.errors = result.errors
        job.summary = {**result.summary, "warnings": result.warnings, "rows": result.total_rows}
        job.status = (ImportJob.Status.CHECKED if job.dry_run else ImportJob.Status.SUCCEEDED) if result.ok else ImportJob.Status.FAILED
        job.done_rows = job.total_rows = result.total_rows
    except Exception as exc:  # an unexpected failure must still end the job visibly
        job.status = ImportJob.Status.FAILED
        job.errors = [
            {"sheet": "", "row": None, "column": "", "value": "", "message_zh": f"导入失败：{exc}", "message_en": f"import failed: {exc}"}
        ]
    job.phase = "done"
    job.finished = timezone.now()
    job.save()
    return job


def template_xlsx(kind_name: str) -> bytes:
    """A template: the header row (required columns in red), and a sheet explaining each column."""
    from .spreadsheets import Sheet, workbook_bytes

    kind = load_kinds()[kind_name]
    headers = [c.header() for c in kind.columns]
    notes = [[c.header(), c.en + (" (10k yuan)" if c.money else ""), "是" if c.required else "", c.note_zh] for c in kind.columns]
    notes.append([])
    notes += [[line] for line in TEMPLATE_NOTES]
    return workbook_bytes(
        [
            Sheet(
                str(kind.label),
                headers,
                [],
                widths=[max(12, len(h) * 2 + 2) for h in headers],
                required=[c.required for c in kind.columns],
                header_fill="DDEBF7",
            ),
            Sheet("说明 Notes", ["列名 Column", "English", "必填 Required", "说明 Notes"], notes, freeze=False),
        ]
    )


TEMPLATE_NOTES = [
    "红色列名为必填项。第一行必须是列名，可以在其上方保留标题行。",
    "金额列的单位写在表头：（万元）或（元），导入时按表头换算。日期可写 2024-03-31、2024/3/31、2024年3月31日 或 Excel 日期。",
    "空白单元格不会覆盖已有数据。同一文件重复导入不会产生变化。整个文件校验通过后才写入，任何一行有错则全部不写入。",
    "Red headers are required. Money columns state their unit in the header. Empty cells never overwrite stored values.",
    "The whole file is checked before anything is written; if any row is wrong, nothing is written.",
]
