"""The annual report as data: its sections, indicators, series and numbered sources (rendered by heluo.plan.rendering)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from .wording import PROGRESS_HEADERS

# --- the report model ------------------------------------------------------------------------------------------


@dataclass
class Source:
    number: int
    indicator: str
    period: str
    value: str
    status: str
    publisher: str
    document: str
    date: str
    link: str
    note: str = ""

    @property
    def href(self) -> str:
        if not self.link:
            return ""
        return self.link if re.match(r"^[a-z]+://", self.link) else f"https://{self.link}"


@dataclass
class SeriesPoint:
    period: str
    year: int
    time: float
    value: float
    value_text: str
    expected_text: str  # on the plan's path at that time
    completion_text: str
    status: str  # of the figure: 初次发布 / 修订 / …
    source: int | None


@dataclass
class IndicatorReport:
    code: str
    name: str
    name_en: str
    unit: str
    group: str
    theme: str
    has_data: bool
    sentence: str
    notes: list[str]
    baseline_text: str
    target_text: str
    latest_text: str
    period: str
    completion_text: str
    expected_text: str  # expected completion (时序进度) at the latest period
    expected_value_text: str
    status: str  # the progress status in Chinese
    status_code: str
    progress_value_text: str
    at_risk: bool
    risk_reasons: list[str]
    source: int | None  # number of the latest value in the sources appendix
    revised: bool
    series: list[SeriesPoint] = field(default_factory=list)
    chart: dict | None = None
    row: dict = field(default_factory=dict, repr=False)  # the progress-table row it was built from

    def table_cells(self) -> list[str]:
        status = self.status + ("（预警）" if self.at_risk else "")
        return [
            self.code,
            self.name,
            self.unit,
            self.baseline_text,
            self.target_text,
            self.latest_text,
            self.period,
            self.completion_text,
            self.expected_text,
            status,
            str(self.source) if self.source else "",
        ]

    def series_cells(self, with_path: bool = True) -> list[list[str]]:
        cells = [[p.period, p.value_text, p.expected_text, p.completion_text, p.status, str(p.source or "")] for p in self.series]
        return cells if with_path else [[c[0], c[1], c[4], c[5]] for c in cells]


@dataclass
class Section:
    key: str
    number: str
    title: str
    title_en: str
    intro: str
    indicators: list[IndicatorReport]
    without_data: str  # one paragraph naming the indicators without any value


@dataclass
class Report:
    plan_code: str
    plan_name: str
    year: int
    area_code: str
    area_name: str
    is_city: bool
    public: bool
    prefer: str
    title: str
    title_en: str
    subtitle: str
    generated: str
    cutoff: str
    edition: str
    summary: list[str]
    sections: list[Section]
    at_risk: list[IndicatorReport]
    sources: list[Source]
    method: list[str]
    charts: list[dict]
    indicators_all: list[IndicatorReport] = field(default_factory=list)  # every indicator, in the plan's order

    @property
    def headings(self) -> dict:
        n = len(self.sections) + 1
        numerals = "一二三四五六七八九十"
        return {
            "summary": "一、总体情况",
            "table": f"{numerals[n]}、指标进展总表",
            "risk": f"{numerals[n + 1]}、预警指标",
            "sources": "附录一　数据来源",
            "method": "附录二　方法说明",
        }

    @property
    def table_note(self) -> str:
        note = "完成进度 =（最新值 − 基期值）÷（目标值 − 基期值）；时序进度为按规划路径在最新值所属时点应完成的比例；“来源”为附录一的序号。"
        if not self.is_city:
            note = "规划目标为全市目标，县区的基期值、目标值、完成进度和时序进度不适用（—），进展评价按基期以来的年均增长率；“来源”为附录一的序号。"
        return note

    @property
    def progress_headers(self) -> list[str]:
        return PROGRESS_HEADERS

    @property
    def table_rows(self) -> list[list[str]]:
        """The progress table: one row per indicator, cells as PROGRESS_HEADERS."""
        return [i.table_cells() for i in self.indicators_all]

    @property
    def indicators(self) -> list[IndicatorReport]:
        return [i for s in self.sections for i in s.indicators]

    def as_dict(self) -> dict:
        data = asdict(self)
        for section in data["sections"]:
            for item in section["indicators"]:
                item.pop("row", None)
        for item in data["at_risk"] + data["indicators_all"]:
            item.pop("row", None)
        return data


class ReportError(Exception):
    """The report cannot be made (no such area, an area outside the plan's city); the message is Chinese."""
