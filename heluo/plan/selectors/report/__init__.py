"""The annual monitoring report (年度监测报告): its content gathered from the plan's data (build), held as data
(document), worded in Chinese (wording). Rendering to Word and HTML is heluo.plan.rendering."""

from .build import build_report, default_year, readable_areas, report_areas
from .document import IndicatorReport, Report, ReportError, Section, SeriesPoint, Source
from .wording import PROGRESS_HEADERS, RISK_HEADERS, SERIES_HEADERS, SOURCE_HEADERS, fmt_number, fmt_percent, is_chinese

__all__ = [
    "PROGRESS_HEADERS",
    "RISK_HEADERS",
    "SERIES_HEADERS",
    "SOURCE_HEADERS",
    "IndicatorReport",
    "Report",
    "ReportError",
    "Section",
    "SeriesPoint",
    "Source",
    "build_report",
    "default_year",
    "fmt_number",
    "fmt_percent",
    "is_chinese",
    "readable_areas",
    "report_areas",
]
