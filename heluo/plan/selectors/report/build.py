"""The annual monitoring report of a plan (年度监测报告): a plain-data model built from the progress table, that
the Word writer (rendering/docx.py), the HTML templates (plan/report*.html) and the command render as they like.

    report = build_report(user, plan, 2024)                 # the city
    report = build_report(user, plan, 2024, area=district)  # a district: computed indicators from the records

Everything in the report is Chinese text already formatted the Chinese way (1,496家, 176.27亿元, 87.7%), so the
renderers only lay it out. Every number shown is listed in the sources appendix with its publisher, document,
date, link and status.

Who sees what (the views and the command decide `public`):
* the bureau (and the command line): every area, reported figures for the city and the values computed from
  the platform's records alongside;
* district staff: the city report and their own districts' reports, like the bureau;
* anyone else (anonymous, enterprises, experts): the public version — the city only, only when the plan is
  published, only published figures (no values computed from the registry, which holds unpublished records).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone

from heluo.core.models import Role
from heluo.core.permissions import VIEW, scope_for
from heluo.geo.models import Area

from ...engine import measures as m
from ...models import Direction, Indicator, IndicatorGroup, MeasureType, Observation, Plan
from ..computations import COMPUTATIONS
from ..observations import ObservationHistory, histories_of
from ..progress import current_by_indicator, progress_series, progress_table
from .document import IndicatorReport, Report, ReportError, Section, SeriesPoint, Source
from .wording import (
    CHART_STATUS_COLOURS,
    GROUPS,
    QUALIFIER_WORDS,
    STATUS_WORDS,
    fmt_number,
    fmt_percent,
    fmt_value,
    indicator_sentence,
    is_chinese,
    is_rank,
    percent_number,
    period_text,
    risk_reasons,
    round_to,
    short_name,
    zh_date,
    zh_reason,
)

# --- sources ---------------------------------------------------------------------------------------------------


class _Sources:
    def __init__(self):
        self.entries: list[Source] = []
        self.keys: dict = {}

    def _add(self, key, **values) -> int:
        if key not in self.keys:
            self.entries.append(Source(number=len(self.entries) + 1, **values))
            self.keys[key] = len(self.entries)
        return self.keys[key]

    def plan(self, plan: Plan) -> int:
        doc = f"《{plan.name_zh}》" + (f"（{plan.document_number}）" if plan.document_number else "")
        return self._add(
            ("plan", plan.pk),
            indicator="全部指标",
            period=f"基期{plan.period_start - 1}年、目标{plan.period_end}年",
            value="基期值、目标值",
            status="规划文本",
            publisher=plan.issuer,
            document=doc,
            date=plan.document_date.isoformat() if plan.document_date else "",
            link=plan.document_link,
            note="各指标的基期值和目标值均取自规划文本。",
        )

    def observation(self, obs: Observation, indicator, superseded: bool = False) -> int:
        status = STATUS_WORDS.get(obs.status, obs.status) + ("（已被修订）" if superseded else "")
        note = ""
        if obs.is_uncertain:  # the data file's note, when it is written in Chinese; else only the flag
            note = obs.note if is_chinese(obs.note) else "各来源数据存在出入"
        return self._add(
            ("obs", obs.pk),
            indicator=indicator.name_zh,
            period=period_text(obs, indicator),
            value=fmt_value(indicator, obs.value, obs.value_qualifier),
            status=status,
            publisher=obs.source_publisher,
            document=obs.source_document,
            date=obs.source_date.isoformat() if obs.source_date else "",
            link=obs.source_link,
            note=note,
        )

    def computed(self, indicator, year: int, value, area_name: str, generated: dt.date) -> int:
        spec = COMPUTATIONS.get(indicator.computation)
        how = spec.label_zh if spec else "平台记录计算"
        return self._add(
            ("computed", indicator.pk, year),
            indicator=indicator.name_zh,
            period=f"{year}年末",
            value=fmt_value(indicator, value),
            status="平台计算",
            publisher="河洛平台（市科技局）",
            document=f"平台登记记录计算：{how}（{area_name}）",
            date=generated.isoformat(),
            link="",
            note="按报告生成时的平台记录重新计算。",
        )


# --- building --------------------------------------------------------------------------------------------------


def report_areas(plan: Plan):
    """The areas a report can be made for: the city and the current areas below it."""
    below = Area.objects.filter(pk__in=Area.expand_ids([plan.city_id])).exclude(pk=plan.city_id).filter(valid_to__isnull=True)
    return [plan.city] + list(below.order_by("kind", "code"))


def readable_areas(user, plan: Plan) -> list:
    """The areas whose report (and progress table) the user may read, the city first."""
    scope = scope_for(user)
    areas = report_areas(plan)
    if scope.is_bureau:
        return areas
    if scope.role == Role.DISTRICT_STAFF:
        return [a for a in areas if a.pk == plan.city_id or a.pk in scope.area_ids]
    return [plan.city]


def default_year(plan: Plan, today: dt.date | None = None) -> int:
    """Last year, within the plan's period (a report is about a year that has ended)."""
    today = today or timezone.localdate()
    return max(plan.period_start, min(plan.period_end, today.year - 1))


def build_report(
    user, plan: Plan, year: int, area: Area | None = None, *, public: bool = False, prefer: str | None = None, today: dt.date | None = None
) -> Report:
    """The report model of a plan for a year and an area (the plan's city by default).

    public: only published figures, the city only, no values computed from the registry. prefer: as
    selectors.progress_table ("auto": reported figures for the city, records for a district)."""
    area = area or plan.city
    is_city = area.pk == plan.city_id
    if not is_city and area.pk not in Area.expand_ids([plan.city_id]):
        raise ReportError(f"{area.name_zh}不在{plan.city.name_zh}范围内")
    if public and not is_city:
        raise ReportError("公开版只提供全市报告")
    prefer = "reported" if public else (prefer or "auto")
    today = today or timezone.localdate()
    area_word = "全市" if is_city else area.name_zh
    sources = _Sources()
    if is_city:
        sources.plan(plan)

    rows = progress_table(user, plan, year, area, prefer=prefer)
    if not is_city:  # a district's share of districts covered is 0 or 100 %: judged for the city only
        rows = [r for r in rows if r["computation"] != "area_coverage"]
    indicators = {i.code: i for i in Indicator.objects.restrict(user, VIEW).filter(plan=plan).select_related("plan__city")}
    items: list[IndicatorReport] = []
    cutoff_days: list[dt.date] = []
    used_records = False
    latest = Observation.objects.select_related("indicator__plan__city", "area").in_bulk(
        [r["latest_observation_id"] for r in rows if r["latest_observation_id"]]
    )
    histories = histories_of(user, latest.values())
    in_report = [indicators[r["code"]] for r in rows]
    partials = _year_to_date(user, in_report, area, year)
    observed = current_by_indicator(user, in_report, area, year)
    for row in rows:
        indicator = indicators[row["code"]]
        obs = latest.get(row["latest_observation_id"])
        read = Read(obs, histories.get(obs.pk) if obs else None, partials.get(indicator.pk), observed.get(indicator.pk, []))
        item, days, records = _indicator_report(
            user, plan, indicator, row, year, area, is_city, prefer, public, area_word, sources, today, read
        )
        items.append(item)
        cutoff_days += days
        used_records = used_records or records

    sections = []
    numerals = "一二三四五六七八九"
    for key, title, title_en, intro in GROUPS:
        members = [i for i in items if i.group == key]
        if not members:
            continue
        empty = [i for i in members if not i.has_data]
        without = ""
        if empty:
            names = "、".join(_without_data_name(i, indicators[i.code], year, public) for i in empty)
            without = f"以下{len(empty)}项指标{'在' + area_word if not is_city else ''}暂无监测数据：{names}。"
        sections.append(
            Section(
                key=key,
                number="",
                title=title,
                title_en=title_en,
                intro=intro,
                indicators=[i for i in members if i.has_data] if key != IndicatorGroup.CORE else members,
                without_data=without if key != IndicatorGroup.CORE else "",
            )
        )
    for n, s in enumerate(sections, 2):
        s.number = numerals[n - 1]

    at_risk = [i for i in items if i.at_risk]
    title_area = "" if is_city else area.name_zh
    title = f"{plan.name_zh}{title_area}{year}年度监测报告"
    title_en = f"{plan.name_en or plan.code}: {area.name_en + ' — ' if not is_city and area.name_en else ''}Annual Monitoring Report {year}"
    cutoff = max(cutoff_days) if cutoff_days else None
    cutoff_text = f"统计数据截至{zh_date(cutoff)}（所用发布数据的最晚发布日期）" if cutoff else "暂无统计发布数据"
    if used_records:
        cutoff_text += f"；平台记录按{year}年12月31日口径、于{zh_date(today)}计算"
    edition = "公开版（仅含已公开发布的数据）" if public else "内部版（供科技局和县区使用）"
    report = Report(
        plan_code=plan.code,
        plan_name=plan.name_zh,
        year=year,
        area_code=area.code,
        area_name=area.name_zh,
        is_city=is_city,
        public=public,
        prefer=prefer,
        title=title,
        title_en=title_en,
        subtitle=f"{area.name_zh}{year}年度 · {plan.issuer or plan.city.name_zh}规划实施监测",
        generated=zh_date(today),
        cutoff=cutoff_text,
        edition=edition,
        summary=_summary(plan, year, area, is_city, items, at_risk, area_word),
        sections=sections,
        at_risk=at_risk,
        sources=sources.entries,
        method=_method(plan, is_city, public, prefer),
        charts=[i.chart for i in items if i.chart],
        indicators_all=items,
    )
    return report


def _without_data_name(item, indicator, year, public) -> str:
    """'瞪羚企业（2025年目标20家；平台记录2024年末75家）' for the list of indicators without a reported value."""
    parts = []
    if item.row["target"] is not None:
        parts.append(f"{item.row['target_year']}年目标{fmt_value(indicator, item.row['target'])}")
    if not public and item.row["computed_value"] is not None:
        parts.append(f"平台记录{year}年末{fmt_value(indicator, item.row['computed_value'])}")
    return item.name + (f"（{'；'.join(parts)}）" if parts else "")


def _year_to_date(user, indicators, area, year) -> dict:
    """Indicator id → the newest year-to-date value of a flow in the report year, for all of them in one query."""
    flows = [i for i in indicators if i.measure_type == MeasureType.FLOW]
    partials = (
        Observation.objects.restrict(user, VIEW)
        .filter(indicator__in=flows, area=area, year=year, is_current=True, is_partial_period=True)
        .order_by("indicator_id", "-month", "-quarter", "-vintage")
    )
    newest = {}
    for obs in partials:
        newest.setdefault(obs.indicator_id, obs)
    return newest


@dataclass
class Read:
    """What the report reads of one indicator, read for all indicators at once: the row's latest observation, its
    history, the newest year-to-date value of a flow in the year, and the current observations up to the year."""

    latest: Observation | None
    history: ObservationHistory | None
    year_to_date: Observation | None
    observed: list


def _indicator_report(user, plan, indicator, row, year, area, is_city, prefer, public, area_word, sources, today, read: Read):
    obs, history, first = read.latest, read.history, read.year_to_date
    need_series = row["latest_value"] is not None
    points = progress_series(user, plan, indicator, year, area, is_city, prefer, observed=read.observed)[0] if need_series else []
    cutoff_days, used_records = [], False

    # The source of the latest value (and of the value it revises).
    source_no = None
    if obs is not None:
        source_no = sources.observation(obs, indicator)
        if history is not None and history.revised:
            sources.observation(history.history[0], indicator, superseded=True)
        if obs.source_date:
            cutoff_days.append(obs.source_date)
    elif row["value_source"] == "computed" and row["latest_value"] is not None:
        source_no = sources.computed(indicator, row["latest_year"], row["latest_value"], area.name_zh, today)
        used_records = True

    # A value computed from the platform's records next to the reported one (not in the public version).
    computed_extra = ""
    if not public and row["value_source"] != "computed" and row["computed_value"] is not None and indicator.source == "computed":
        sources.computed(indicator, year, row["computed_value"], area.name_zh, today)
        used_records = True
        computed_extra = f"据平台登记记录计算，{year}年末{area_word}{short_name(indicator)}为{fmt_value(indicator, row['computed_value'])}"
        if row["latest_year"] == year and row["latest_value"] is not None and not row["latest_partial"]:
            diff = row["computed_value"] - row["latest_value"]
            computed_extra += (
                "，与统计发布数一致"
                if round_to(diff, indicator.decimals) == 0
                else f"，与统计发布数相差{fmt_number(diff, indicator.decimals)}{'' if is_rank(indicator) else indicator.unit}（口径可能不同）"
            )
        computed_extra += "。"

    # Year-to-date values of a flow in the report year: told, but not compared with an annual target.
    partial_extra = ""
    if indicator.measure_type == MeasureType.FLOW:
        if first is not None and not (row["latest_year"] == year and not row["latest_partial"]):
            sources.observation(first, indicator)
            if first.source_date:
                cutoff_days.append(first.source_date)
            partial_extra = (
                f"另，{period_text(first, indicator)}{area_word}{short_name(indicator)}"
                f"为{fmt_value(indicator, first.value, first.value_qualifier)}（年内累计数，不与年度目标比较）。"
            )

    sentence = indicator_sentence(indicator, row, year, area_word, obs, history, points, computed_extra) + partial_extra
    series = _series_points(indicator, row, points, sources, obs, history, area, today, cutoff_days)
    if any(p.status == "平台计算" for p in series):
        used_records = True

    notes = [
        re.sub(r"以(\d{4})为基期", r"以\1年为基期", zh_reason(n))
        for n in row["notes"]
        if not n.startswith("无基期值") or (is_city and indicator.group != IndicatorGroup.CONTEXT)
    ]
    only_baseline = row["baseline_year"] is not None and row["latest_year"] is not None and row["latest_year"] <= row["baseline_year"]
    if (
        row["progress_note"]
        and row["status"] == "not_available"
        and row["latest_value"] is not None
        and not only_baseline
        and indicator.group != IndicatorGroup.CONTEXT
    ):
        notes.append("无法评估进展：" + zh_reason(row["progress_note"]))
    status = row["status_zh"]
    if row["latest_value"] is None:
        status = "暂无数据"
    elif indicator.group == IndicatorGroup.CONTEXT:
        status = "不评价"
    item = IndicatorReport(
        code=indicator.code,
        name=indicator.name_zh,
        name_en=indicator.name_en,
        unit=indicator.unit,
        group=indicator.group,
        theme=indicator.theme,
        has_data=row["latest_value"] is not None,
        sentence=sentence,
        notes=notes,
        baseline_text=(fmt_number(row["baseline"], indicator.decimals) + (f"（{row['baseline_year']}）" if row["baseline_year"] else ""))
        if row["baseline"] is not None
        else "—",
        target_text=(fmt_number(row["target"], indicator.decimals) + f"（{row['target_year']}）") if row["target"] is not None else "—",
        latest_text=(QUALIFIER_WORDS.get(row["latest_qualifier"], "") + fmt_number(row["latest_value"], indicator.decimals))
        if row["latest_value"] is not None
        else "—",
        period=(period_text(obs, indicator) if obs is not None else f"{row['latest_year']}年末")
        if row["latest_value"] is not None
        else "—",
        completion_text=fmt_percent(row["completion"]),
        expected_text=fmt_percent(row["expected_completion"]),
        expected_value_text=fmt_number(row["expected_at_latest"], indicator.decimals) if row["expected_at_latest"] is not None else "—",
        status=status,
        status_code=row["status_code"] if indicator.group != IndicatorGroup.CONTEXT else "not_available",
        progress_value_text=fmt_number(row["progress_value"], 2) if row["progress_value"] is not None else "—",
        at_risk=row["at_risk"],
        risk_reasons=risk_reasons(indicator, row) if row["at_risk"] else [],
        source=source_no,
        revised=bool(history and history.revised) or (obs is not None and obs.status == "revised"),
        series=series,
        row=row,
    )
    if indicator.group == IndicatorGroup.CORE and item.has_data:
        item.chart = _chart(indicator, row, points)
    return item, cutoff_days, used_records


def _plan_indicator(indicator, row):
    if row["baseline"] is None or row["baseline_year"] is None or row["target"] is None or row["target_year"] <= row["baseline_year"]:
        return None
    direction = m.DECREASE if indicator.direction == Direction.LOWER else m.INCREASE
    return m.PlanIndicator(row["baseline_year"], row["baseline"], row["target_year"], row["target"], direction, indicator.path)


def _series_points(indicator, row, points, sources, latest_obs, history, area, today, cutoff_days) -> list[SeriesPoint]:
    """The values of a core indicator up to the report year, with the path's expected value at each."""
    if indicator.group != IndicatorGroup.CORE or not points:
        return []
    if row["baseline_year"] is not None and all(p.time <= row["baseline_year"] for p in points):
        return []  # the baseline only: the sentence says it
    pi = _plan_indicator(indicator, row)
    out = []
    for p in points:
        obs = p.observation
        if obs is not None:
            number = sources.observation(obs, indicator)
            if obs.source_date:
                cutoff_days.append(obs.source_date)
            status = STATUS_WORDS.get(obs.status, obs.status)
            if obs.pk == (latest_obs.pk if latest_obs else None) and history is not None and history.revised:
                status = "修订"
            period, qualifier = period_text(obs, indicator), obs.value_qualifier
        else:
            number = sources.computed(indicator, p.year, p.value, area.name_zh, today)
            status, period, qualifier = "平台计算", f"{p.year}年末", ""
        check = m.check_path(pi, p.time, p.value) if pi and p.time >= pi.baseline_year else None
        out.append(
            SeriesPoint(
                period=period,
                year=p.year,
                time=p.time,
                value=p.value,
                value_text=QUALIFIER_WORDS.get(qualifier, "") + fmt_number(p.value, indicator.decimals),
                expected_text=fmt_number(check.expected_value, indicator.decimals) if check and check.expected_value is not None else "—",
                completion_text=fmt_percent(check.completion) if check else "—",
                status=status,
                source=number,
            )
        )
    return out


def _chart(indicator, row, points) -> dict:
    """Data for one ECharts line chart: the values, the plan's path from baseline to target, the target."""
    pi = _plan_indicator(indicator, row)
    path = []
    if pi is not None:
        steps = int(pi.target_year - pi.baseline_year)
        path = [[pi.baseline_year + k, round(m.expected_value(pi, pi.baseline_year + k), 4)] for k in range(steps + 1)]
    return {
        "code": indicator.code,
        "name": indicator.name_zh,
        "unit": indicator.unit,
        "values": [[round(p.time, 3), p.value, p.label if not p.label.isdigit() else f"{p.label}年"] for p in points],
        "path": path,
        "target": row["target"],
        "target_year": row["target_year"],
        "status": row["status_zh"],
        "colour": CHART_STATUS_COLOURS.get(row["status_code"], "#6c757d"),
    }


def _count(items, status) -> int:
    return sum(1 for i in items if i.row["status"] == status)


def _summary(plan, year, area, is_city, items, at_risk, area_word) -> list[str]:
    total = len(items)
    groups = {key: sum(1 for i in items if i.group == key) for key, *_ in GROUPS}
    span = plan.period_end - plan.period_start + 1
    elapsed = year - plan.period_start + 1
    doc = f"《{plan.name_zh}》" + (f"（{plan.document_number}）" if plan.document_number else "")
    paragraphs = []
    first = (
        f"本报告依据{plan.issuer}印发的{doc}，对{area.name_zh}{year}年度规划实施情况进行监测。"
        f"监测指标共{total}项，其中规划核心指标{groups[IndicatorGroup.CORE]}项、发展目标量化指标{groups[IndicatorGroup.GOAL]}项、"
        f"监测参考指标{groups[IndicatorGroup.CONTEXT]}项。"
    )
    if plan.period_start <= year <= plan.period_end:
        first += f"{year}年是规划期（{plan.period_start}—{plan.period_end}年）的第{elapsed}年，按时间计算的时序进度为{fmt_percent(elapsed / span)}。"
    paragraphs.append(first)

    if is_city:
        targeted = [i for i in items if i.row["target"] is not None]
        this_year = [i for i in targeted if i.row["latest_year"] == year]
        baseline_only = [
            i for i in targeted if i.has_data and i.row["baseline_year"] is not None and i.row["latest_year"] <= i.row["baseline_year"]
        ]
        older = [i for i in targeted if i.has_data and i.row["latest_year"] != year and i not in baseline_only]
        none = [i for i in targeted if not i.has_data]
        text = (
            f"在{len(targeted)}项设有目标值的指标中，{len(this_year)}项有{year}年数据，{len(older)}项仅有往年数据，"
            f"{len(baseline_only)}项仅有基期数据，{len(none)}项暂无监测数据。"
        )
        assessed = [i for i in targeted if i.row["status"] != "not_available"]
        if assessed:
            text += (
                f"可作进展评价的{len(assessed)}项中，目标已实现{_count(assessed, 'target_achieved')}项，"
                f"进展顺利{_count(assessed, 'substantial_progress')}项，有进展但需加快{_count(assessed, 'moderate_progress')}项，"
                f"进展有限{_count(assessed, 'limited_progress')}项，退步{_count(assessed, 'deterioration')}项。"
            )
        paragraphs.append(text)
        ahead = [i for i in targeted if i.row["gap_points"] is not None and i.row["latest_year"] == year and (i.row["completion"] or 0) < 1]
        if ahead:
            fast = [
                i.name for i in ahead if (percent_number(i.row["completion"]) or 0) >= (percent_number(i.row["expected_completion"]) or 0)
            ]
            slow = [i.name for i in ahead if i.name not in fast]
            parts = []
            if fast:
                parts.append(f"快于时序进度的有{'、'.join(fast)}")
            if slow:
                parts.append(f"慢于时序进度的有{'、'.join(slow)}")
            paragraphs.append(f"有{year}年数据且尚未实现目标的指标中，" + "；".join(parts) + "。")
    else:
        with_data = [i for i in items if i.has_data]
        paragraphs.append(
            f"规划目标值为全市目标，未分解到县区，因此{area.name_zh}的指标不计算完成进度，而按基期以来的年均增长率作趋势评价。"
            f"{len(items)}项指标中，{len(with_data)}项有{area.name_zh}的数据（由平台登记记录计算或取自县区统计发布），"
            f"{len(items) - len(with_data)}项暂无分县区数据。"
        )
    if at_risk:
        paragraphs.append(f"列入预警的指标{len(at_risk)}项：{'、'.join(i.name for i in at_risk)}，原因见“预警指标”一节。")
    else:
        paragraphs.append("本期没有列入预警的指标。")
    return paragraphs


def _method(plan, is_city, public, prefer) -> list[str]:
    t = plan.progress_thresholds()
    pct = lambda v: fmt_number(v * 100, 2) + "%"  # noqa: E731
    paras = [
        "数据来源。统计数据取自统计部门和政府部门公开发布的文件，附录“数据来源”列出报告中每个数值的发布机构、文件、日期、链接和状态"
        "（初次发布、修订、预计、推算）。同一指标同一期间的数据被修订时，报告采用最新一次发布的数值并注明“修订后”，初次发布的数值保留在附录中。"
        "年内部分期间的数据（如“1—9月”）：存量指标（如企业数）可作为当期数值，流量指标（如技术合同成交额）只作说明，不与年度目标比较。",
        "完成进度与时序进度。完成规划目标进度 =（监测值 − 基期值）÷（目标值 − 基期值）。时序进度是按规划路径在同一时点应完成的比例："
        "线性路径下等于已过时间占规划期的比例，复合增长路径（“翻番”类指标）下为按不变增长率从基期值增长到目标值时应达到的比例。"
        "两者之差即“快（慢）于时序进度的百分点”。逆向指标（越小越好）按同一公式计算，数值下降即为进展。",
        f"进展评价。采用加拿大统计局（Statistics Canada）和 Open SDG 的进展测度方法：有目标值的指标计算比值 R = d·CAGR观测 ÷ |CAGR所需|，"
        f"其中 CAGR观测 为基期至最新一期的年均复合增长率，CAGR所需 为基期至目标年实现目标所需的年均增长率，d 正向指标取 +1、逆向指标取 −1。"
        f"已达到目标为“目标已实现”；R ≥ {fmt_number(t['ratio_on_track'], 2)} 为“进展顺利”；{fmt_number(t['ratio_acceleration'], 2)} ≤ R < "
        f"{fmt_number(t['ratio_on_track'], 2)} 为“有进展但需加快”；{fmt_number(t['ratio_limited'], 2)} ≤ R < {fmt_number(t['ratio_acceleration'], 2)} "
        f"为“进展有限”；R < {fmt_number(t['ratio_limited'], 2)} 为“退步”。没有目标值的指标按 d·CAGR观测 评价：≥ {pct(t['growth_substantial'])} "
        f"为“进展顺利”，{pct(t['growth_moderate'])}—{pct(t['growth_substantial'])} 为“有进展但需加快”，{pct(t['growth_limited'])}—"
        f"{pct(t['growth_moderate'])} 为“进展有限”，负增长为“退步”。数据不足两个年份、基期值为零等情形为“无法评估”。以上阈值为本规划的设置。",
        "预警。进展评价为“进展有限”或“退步”的指标，以及按复合增长趋势或线性趋势推算到目标年达不到目标值的指标，列入预警。"
        "监测参考指标不设目标，不列入预警。",
        "图表。网页版报告以图表显示核心指标的历年数值、规划路径和目标值；Word 版报告在离线环境中生成，"
        "为保证中文显示不依赖系统字体，不嵌入图表，改为在每项核心指标下列出历年数据小表（数值、规划路径值、完成进度、数据状态、来源序号）。",
    ]
    if is_city and not public:
        paras.append(
            "计算类指标。计算类指标（如高新技术企业数、创新平台数）的全市数值采用统计发布数；同时列出按平台登记记录（年末有效资质、认定状态的平台）"
            "计算的数值供核对，两者口径可能不同。"
        )
    if not is_city:
        paras.append(
            "县区报告。县区报告中，计算类指标由平台登记记录按各年12月31日口径逐年计算，其余指标取自县区统计发布数；规划目标为全市目标，"
            "县区不计算完成进度，按基期以来的年均增长率评价。县区覆盖率类指标（如县区上市企业覆盖率）只在全市报告中评价，县区报告不列。"
        )
    if public:
        paras.append("公开版。本报告为公开版，只包含已公开发布的统计数据，不包含平台登记记录的计算值。")
    return paras
