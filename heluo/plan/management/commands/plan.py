"""Plan monitoring from the command line.

heluo plan measure INPUT.csv OUTPUT.csv           progress measure of each CSV row (stateless, no database)
heluo plan progress --year Y [--area CODE] [--format table|csv|json] [--prefer auto|reported|computed]
heluo plan load [--city luoyang]                  load or update the plan and its published figures
heluo plan reconcile --year Y [--area CODE] [--format table|csv|json]
heluo plan report --year Y [--area CODE] [--format docx|html|json] [--output FILE] [--public]   annual report
heluo plan assess --year Y [--runs N] [--format table|json] [--save]   district assessment (县区考核)
"""

import csv
import io
import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

PROGRESS_COLUMNS = [
    "code",
    "name_zh",
    "name_en",
    "unit",
    "group",
    "area",
    "year",
    "baseline_year",
    "baseline",
    "target_year",
    "target",
    "target_text",
    "value_source",
    "latest_value",
    "latest_qualifier",
    "latest_period",
    "latest_status",
    "latest_uncertain",
    "latest_source",
    "latest_publisher",
    "latest_source_date",
    "latest_link",
    "computed_value",
    "expected_value",
    "expected_at_latest",
    "completion",
    "expected_completion",
    "gap_points",
    "progress_value",
    "status",
    "status_zh",
    "status_en",
    "projection_year",
    "projection_compound",
    "projection_linear",
    "required_growth",
    "at_risk",
    "risk_reasons",
    "notes",
]
RECONCILE_COLUMNS = [
    "code",
    "name_zh",
    "unit",
    "year",
    "area",
    "computation",
    "computed",
    "reported",
    "reported_qualifier",
    "reported_period",
    "reported_status",
    "reported_source",
    "reported_date",
    "difference",
    "relative_difference",
    "notes",
]


class Command(BaseCommand):
    requires_system_checks = []
    help = "Plan monitoring: progress measure of a CSV file, the progress table, loading the plan, reconciliation."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        measure = sub.add_parser("measure", help="Progress measure of each row of a CSV file (no database).")
        measure.add_argument("input")
        measure.add_argument("output")
        measure.add_argument("--zero-replacement", type=float, default=None)
        progress = sub.add_parser("progress", help="Progress table of the stored plan for a year.")
        progress.add_argument("--year", type=int, required=True)
        progress.add_argument("--area", help="area code or name (default: the plan's city)")
        progress.add_argument("--plan", help="plan code (default: the configured city's plan)")
        progress.add_argument("--format", choices=["table", "csv", "json"], default="table")
        progress.add_argument(
            "--prefer",
            choices=["auto", "reported", "computed"],
            default="auto",
            help="auto: published figures for the city, records for a district",
        )
        progress.add_argument("--at-risk", action="store_true", help="only the indicators at risk")
        load = sub.add_parser("load", help="Load or update the city's plan and published figures (idempotent).")
        load.add_argument("--city", default=None)
        reconcile = sub.add_parser("reconcile", help="Computed against reported values of the computed indicators.")
        reconcile.add_argument("--year", type=int, required=True)
        reconcile.add_argument("--area")
        reconcile.add_argument("--plan")
        reconcile.add_argument("--format", choices=["table", "csv", "json"], default="table")
        report = sub.add_parser("report", help="Annual monitoring report (年度监测报告) as Word, HTML or JSON.")
        report.add_argument("--year", type=int, required=True)
        report.add_argument("--area", help="area code or name (default: the plan's city)")
        report.add_argument("--plan")
        report.add_argument("--format", choices=["docx", "html", "json"], default="docx")
        report.add_argument("--output", help="file to write (default: report-AREA-YEAR.docx|html; JSON goes to stdout)")
        report.add_argument("--public", action="store_true", help="the public version: published figures of the city only")
        report.add_argument("--prefer", choices=["auto", "reported", "computed"], default="auto")
        assess = sub.add_parser("assess", help="District assessment: composite index, ranks and Monte Carlo rank intervals.")
        assess.add_argument("--year", type=int, required=True)
        assess.add_argument("--definition", help="assessment definition file (default: the configured city)")
        assess.add_argument("--runs", type=int, help="Monte Carlo runs (default: the definition's; 0: none)")
        assess.add_argument("--seed", type=int)
        assess.add_argument("--normalisation", choices=["minmax", "zscore", "distance_to_target"])
        assess.add_argument("--aggregation", choices=["arithmetic", "geometric"])
        assess.add_argument("--weighting", choices=["zone", "common", "equal"])
        assess.add_argument("--format", choices=["table", "json"], default="table")
        assess.add_argument("--save", action="store_true", help="store the run (definition, method, data and result)")
        assess.add_argument("--note", default="")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"do_{action}")(**options)
        except BrokenPipeError:  # `heluo plan progress … | head`
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())

    # --- measure: stateless ---
    def do_measure(self, input, output, zero_replacement=None, **options):
        from heluo.plan.engine.measure_csv import main

        argv = [input, output] + (["--zero-replacement", str(zero_replacement)] if zero_replacement is not None else [])
        code = main(argv)
        if code:
            sys.exit(code)

    # --- load ---
    def do_load(self, city=None, **options):
        from heluo.plan.loader import load_plan

        counts = load_plan(city or settings.HELUO_CITY)
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))

    # --- progress ---
    def do_progress(self, year, area=None, plan=None, format="table", prefer="auto", at_risk=False, **options):
        from heluo.core.permissions import SYSTEM
        from heluo.plan.selectors import progress_table

        the_plan, the_area = self._plan(plan), self._area(area)
        rows = progress_table(SYSTEM, the_plan, year, the_area, prefer=prefer)
        if at_risk:
            rows = [r for r in rows if r["at_risk"]]
        if format == "json":
            self._json(
                {
                    "plan": the_plan.code,
                    "plan_name": the_plan.name_zh,
                    "year": year,
                    "area": (the_area or the_plan.city).code,
                    "prefer": prefer,
                    "rows": rows,
                }
            )
        elif format == "csv":
            self._csv(rows, PROGRESS_COLUMNS)
        else:
            self._table(
                rows,
                [
                    ("code", "代码"),
                    ("name_zh", "指标"),
                    ("unit", "单位"),
                    ("baseline", "基期"),
                    ("target", "目标"),
                    ("latest_value", "最新值"),
                    ("latest_period", "期间"),
                    ("expected_at_latest", "时序目标"),
                    ("completion", "完成度"),
                    ("status_zh", "进展"),
                    ("at_risk", "预警"),
                ],
            )

    # --- reconcile ---
    def do_reconcile(self, year, area=None, plan=None, format="table", **options):
        from heluo.core.permissions import SYSTEM
        from heluo.plan.selectors import reconcile_plan

        the_plan, the_area = self._plan(plan), self._area(area)
        rows = [r.as_dict() for r in reconcile_plan(SYSTEM, the_plan, year, the_area)]
        if format == "json":
            self._json({"plan": the_plan.code, "year": year, "area": (the_area or the_plan.city).code, "rows": rows})
        elif format == "csv":
            self._csv(rows, RECONCILE_COLUMNS)
        else:
            self._table(
                rows,
                [
                    ("code", "代码"),
                    ("name_zh", "指标"),
                    ("computed", "平台计算"),
                    ("reported", "统计发布"),
                    ("reported_period", "发布期间"),
                    ("difference", "差额"),
                    ("relative_difference", "相对差"),
                ],
            )

    # --- assess ---
    def do_assess(self, year, definition=None, format="table", save=False, note="", **options):
        import time

        from heluo.core.permissions import SYSTEM
        from heluo.plan.engine.assessment import AssessmentError, jsonable
        from heluo.plan.selectors.assessment import assess, load_definition
        from heluo.plan.services import record_assessment_run

        started = time.monotonic()
        overrides = {k: options.get(k) for k in ("runs", "seed", "normalisation", "aggregation", "weighting")}
        try:
            result = assess(load_definition(definition), year, overrides)
        except AssessmentError as exc:
            raise CommandError(str(exc)) from None
        run = record_assessment_run(SYSTEM, assessment=result, note=note) if save else None
        data = result.as_dict()
        if format == "json":
            self._json(
                {
                    **data,
                    "matrix": jsonable(result.matrix.as_dict()),
                    "run": run.pk if run else None,
                    "seconds": round(time.monotonic() - started, 3),
                }
            )
            return
        mc = {d["district"]: d for d in (data["sensitivity"] or {}).get("districts", [])}
        units = {u.code: u for u in result.matrix.units}
        rows = [
            {
                "rank": s["rank"],
                "code": s["district"],
                "name": units[s["district"]].name_zh,
                "zone": s["zone"],
                "zone_rank": s["zone_rank"],
                "score": None if s["score"] is None else f"{s['score']:.4f}",
                "median": mc.get(s["district"], {}).get("median_rank"),
                "interval": (
                    f"{mc[s['district']]['p05_rank']:g}–{mc[s['district']]['p95_rank']:g}"
                    if mc.get(s["district"], {}).get("p05_rank") is not None
                    else None
                ),
            }
            for s in data["scores"]
        ]
        self._table(
            rows,
            [
                ("rank", "排名"),
                ("code", "代码"),
                ("name", "县区"),
                ("zone", "分区"),
                ("zone_rank", "区内排名"),
                ("score", "得分"),
                ("median", "中位排名"),
                ("interval", "5–95% 排名区间"),
            ],
        )
        m = data["method"]
        self.stdout.write(
            f"\n{result.definition.code} {result.definition.version} ({result.definition.digest[:12]}) · {m['normalisation']}/"
            f"{m['aggregation']}/{m['weighting']} · Monte Carlo {m['runs']} (seed {m['seed']}) · "
            f"{time.monotonic() - started:.2f} s" + (f" · saved as run {run.pk}" if run else "")
        )

    # --- report ---
    def do_report(self, year, area=None, plan=None, format="docx", output=None, public=False, prefer="auto", **options):
        from pathlib import Path

        from heluo.core.permissions import PUBLIC, SYSTEM
        from heluo.plan.selectors.report import ReportError, build_report

        the_plan, the_area = self._plan(plan), self._area(area)
        try:
            report = build_report(PUBLIC if public else SYSTEM, the_plan, year, the_area, public=public, prefer=prefer)
        except ReportError as exc:
            raise CommandError(str(exc)) from None
        if format == "json" and not output:
            self._json(report.as_dict())
            return
        if format == "docx":
            from heluo.plan.rendering.docx import render_docx

            content = render_docx(report)
        elif format == "html":
            from heluo.plan.rendering.html import render_report_html

            content = render_report_html(report, inline_assets=True).encode("utf-8")
        else:
            content = json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=str).encode("utf-8")
        path = Path(output or f"report-{report.area_code}-{year}.{format}")
        path.write_bytes(content)
        self.stdout.write(f"{report.title} → {path} ({len(content):,} bytes)")

    # --- helpers ---
    def _plan(self, code):
        from heluo.plan.models import Plan

        if code:
            plan = Plan.objects.filter(code=code).select_related("city").first()
            if plan is None:
                raise CommandError(
                    f"没有规划 / no plan {code!r}; available: {', '.join(Plan.objects.values_list('code', flat=True)) or 'none'}"
                )
            return plan
        plans = list(Plan.objects.select_related("city").order_by("-period_start", "code"))
        if not plans:
            raise CommandError("数据库中没有规划，请先运行 heluo plan load / no plan stored: run `heluo plan load`")
        mine = [p for p in plans if p.code.startswith(f"{settings.HELUO_CITY}-")]
        return (mine or plans)[0]

    def _area(self, code):
        from heluo.geo.models import Area

        if not code:
            return None
        area = Area.objects.filter(code=code).first() or Area.objects.filter(name_zh=code).first()
        if area is None:
            raise CommandError(f"没有区划 / no area {code!r}")
        return area

    def _json(self, data):
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))

    def _csv(self, rows, columns):
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(row.get(k)) for k in columns})
        self.stdout.write(out.getvalue(), ending="")

    def _table(self, rows, columns):
        cells = [[h for _, h in columns]] + [[_short(r.get(k), k) for k, _ in columns] for r in rows]
        widths = [max(_width(row[i]) for row in cells) for i in range(len(columns))]
        for n, row in enumerate(cells):
            self.stdout.write("  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths)).rstrip())
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _cell(value):
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple)):
        return "；".join(str(v) for v in value)
    return "" if value is None else value


def _short(value, key):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else ""
    if key in ("completion", "relative_difference") and isinstance(value, float):
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    text = str(value)
    return text if len(text) <= 28 else text[:27] + "…"
