"""The annual report as a standalone, print-friendly HTML page."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

ECHARTS = "vendor/echarts/echarts.min.js"
REPORT_JS = "plan/report.js"


def static_source(name: str) -> str:
    path = finders.find(name)
    if not path:
        return ""
    with open(path, encoding="utf-8") as f:
        return f.read()


def render_report_html(report, *, inline_assets: bool = False, request=None) -> str:
    """inline_assets: ECharts and the chart script inside the file, so the file shows its charts offline (a download,
    the command's output)."""
    context = {"report": report, "inline_assets": inline_assets}
    if inline_assets:
        context["echarts_js"] = static_source(ECHARTS)
        context["report_js"] = static_source(REPORT_JS)
    return render_to_string("plan/report_print.html", context, request=request)
