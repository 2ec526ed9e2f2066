"""The annual report's Chinese wording: numbers, periods, dates and the sentence of each indicator."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

from heluo.core.i18n import Bilingual

from ...models import Direction, IndicatorGroup, MeasureType, Observation

GROUPS = [
    (IndicatorGroup.CORE, "规划核心指标", "Core indicators", "规划“洛阳‘十四五’科技创新预期性指标”表所列指标。"),
    (IndicatorGroup.GOAL, "发展目标量化指标", "Quantified development targets", "规划“发展目标”及各章正文中写明数量的目标。"),
    (
        IndicatorGroup.CONTEXT,
        "监测参考指标",
        "Context statistics",
        "规划未设目标、用于说明发展背景的统计数据，只报告数值和趋势，不作进度评价，也不列入预警。",
    ),
]
STATUS_WORDS = {"first_release": "初次发布", "revised": "修订", "estimate": "预计", "derived": "推算", "computed": "平台计算"}
QUALIFIER_WORDS = {">": "超过", "≥": "不少于", "≈": "约", "<": "不足", "≤": "不超过", "": ""}
COUNT_UNITS = {"家", "个", "项", "名", "件", "人", "所", "座"}
CHART_STATUS_COLOURS = {
    "target_achieved": "#198754",
    "on_track": "#20c997",
    "acceleration_needed": "#ffc107",
    "limited_progress": "#fd7e14",
    "deterioration": "#dc3545",
    "not_available": "#6c757d",
}


# --- formatting -----------------------------------------------------------------------------------------------


def round_to(value, places: int) -> Decimal:
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def fmt_number(value, decimals: int = 2, strip: bool = True) -> str:
    """Thousands separators, at most `decimals` places, trailing zeros dropped: 1496 → '1,496', 176.270 → '176.27'."""
    if value is None:
        return "—"
    d = round_to(value, decimals)
    if d == 0:
        d = abs(d)
    text = f"{d:,.{decimals}f}"
    if strip and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def fmt_percent(fraction, places: int = 1) -> str:
    """0.87692 → '87.7%'."""
    return "—" if fraction is None else f"{fmt_number(fraction * 100, places, strip=False)}%"


def percent_number(fraction, places: int = 1) -> Decimal | None:
    return None if fraction is None else round_to(fraction * 100, places)


def is_rank(indicator) -> bool:
    return indicator.direction == Direction.LOWER and indicator.unit == "名"


def fmt_value(indicator, value, qualifier: str = "", decimals: int | None = None) -> str:
    """A value with its unit and qualifier as Chinese text: '1,496家', '3.03%', '超过3,000家', '第45名'."""
    if value is None:
        return "—"
    number = fmt_number(value, indicator.decimals if decimals is None else decimals)
    if is_rank(indicator):
        return f"{QUALIFIER_WORDS.get(qualifier, qualifier)}第{number}名"
    return f"{QUALIFIER_WORDS.get(qualifier, qualifier)}{number}{indicator.unit}"


def _dash(text: str) -> str:
    """'2021年1-9月' → '2021年1—9月' (the dash Chinese documents use in a range of months)."""
    return re.sub(r"(\d+)\s*[-－~～–]\s*(\d+)", r"\1—\2", text)


def period_text(obs: Observation | None, indicator, year: int | None = None) -> str:
    """How a period reads: '2024年', '2024年1—9月' (a flow or ratio), '2024年9月末' (a stock), or the source's words."""
    if obs is None:
        return f"{year}年" if year else ""
    if obs.period_label:
        return _dash(obs.period_label)
    month = obs.month or (obs.quarter * 3 if obs.quarter else None)
    if month and month < 12:
        return f"{obs.year}年{month}月末" if indicator.measure_type == MeasureType.STOCK else f"{obs.year}年1—{month}月"
    if obs.is_partial_period:
        return f"{obs.year}年（部分期间）"
    return f"{obs.year}年"


def zh_reason(text: str) -> str:
    """The Chinese half of a stored bilingual 'zh / en' note."""
    return Bilingual.from_text(text).zh


def short_name(indicator) -> str:
    """高新技术企业数 → 高新技术企业 (reads better before 达到1,496家)."""
    name = indicator.name_zh
    if name.endswith("数") and indicator.unit in COUNT_UNITS and len(name) > 2:
        return name[:-1]
    return name


def plan_wording(text: str) -> str:
    """The plan's own words for a target: '1600（不少于 1600 家）' → '不少于 1600 家'; '3.75 左右' stays."""
    text = (text or "").strip()
    m = re.match(r"^[\d.,\s]+（(.+)）$", text)
    return m.group(1) if m else text


def is_chinese(text: str) -> bool:
    """Mostly Chinese (notes of the data files are sometimes English only; the report is a Chinese document)."""
    text = re.sub(r"[\s\d\W_]", "", text or "")
    return bool(text) and sum(1 for c in text if "\u4e00" <= c <= "\u9fff") / len(text) >= 0.5


def zh_date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "—"


PROGRESS_HEADERS = ["代码", "指标", "单位", "基期值（年）", "目标值（年）", "最新值", "期间", "完成进度", "时序进度", "进展评价", "来源"]
SERIES_HEADERS = ["期间", "数值", "规划路径值", "完成进度", "数据状态", "来源"]
SOURCE_HEADERS = ["序号", "指标", "期间", "数值", "状态", "发布机构", "文件", "日期", "链接"]
RISK_HEADERS = ["指标", "最新值", "进展评价", "预警原因"]


# --- sentences -------------------------------------------------------------------------------------------------


def _direction_verb(indicator, value, baseline, qualifier) -> str:
    if qualifier:
        return ""  # 超过3,000家, 约85亿元: the qualifier is the verb
    if value == 0:
        return "为"
    if indicator.direction == Direction.LOWER:
        if is_rank(indicator):
            return "上升至" if baseline is not None and value < baseline else "为"
        return "降至" if baseline is not None and value < baseline else "为"
    if indicator.unit == "%" or indicator.measure_type == MeasureType.RATIO:
        return "达到" if baseline is not None and value > baseline else "为"
    return "为" if baseline is not None and value < baseline else "达到"


def _target_phrase(indicator, row) -> str:
    target = fmt_value(indicator, row["target"])
    if is_rank(indicator):
        return f"{row['target_year']}年进入前{fmt_number(row['target'], 0)}名"
    verb = "降至" if indicator.direction == Direction.LOWER else "达到"
    return f"{row['target_year']}年{verb}{target}"


def _gap_clause(row, same_time: bool) -> str:
    """'比时序进度快7.5个百分点' from the rounded shares, so the sentence adds up."""
    done, expected = percent_number(row["completion"]), percent_number(row["expected_completion"])
    if done is None or expected is None:
        return ""
    gap = done - expected
    which = "时序进度" if same_time else "同期时序进度"
    if gap == 0:
        return f"与{which}持平"
    return f"比{which}{'快' if gap > 0 else '慢'}{fmt_number(abs(gap), 1, strip=False)}个百分点"


def _figure_words(indicator, obs: Observation | None, history, value_source: str) -> list[str]:
    """What the reader must know about a figure: 修订后, 预计数, 推算数, 来源存在出入, 平台计算."""
    words = []
    if value_source == "computed":
        words.append("据平台登记记录计算")
    if obs is not None:
        if history is not None and history.revised:
            first = history.history[0]
            words.append(f"修订后数据，初次发布为{fmt_value(indicator, first.value, first.value_qualifier)}")
        elif obs.status == "revised":
            words.append("修订后数据")
        elif obs.status == "estimate":
            words.append("预计数")
        elif obs.status == "derived":
            words.append("推算数")
        if obs.is_uncertain:
            words.append("各来源数据存在出入，见附录")
    return words


def _change_clause(indicator, points) -> str:
    """Year-on-year (or since the previous value): '比上年增长3.5%', '比上年提高0.3个百分点', '比2022年增加12家'."""
    if len(points) < 2:
        return ""
    prev, last = points[-2], points[-1]
    if indicator.measure_type == MeasureType.FLOW and (prev.observation and prev.observation.is_partial_period):
        return ""
    when = (
        "上年"
        if last.year - prev.year == 1 and last.time - prev.time == 1
        else prev.label
        if not prev.label.isdigit()
        else f"{prev.label}年"
    )
    diff = last.value - prev.value
    if round_to(diff, indicator.decimals) == 0:
        return f"与{when}持平"
    up = diff > 0
    if indicator.unit == "%":
        return f"比{when}{'提高' if up else '下降'}{fmt_number(abs(diff), max(indicator.decimals, 1))}个百分点"
    share = abs(diff / prev.value) if prev.value else None
    rate = f"{'增长' if up else '下降'}{fmt_percent(share, 1 if share >= 0.001 else 2)}" if share else ""
    if indicator.unit in COUNT_UNITS:
        amount = f"{'增加' if up else '减少'}{fmt_number(abs(diff), indicator.decimals)}{indicator.unit}"
        return f"比{when}{amount}" + (f"（{rate}）" if rate else "")
    return f"比{when}{rate}" if rate else ""


def _trend_clause(indicator, points) -> str:
    """'2020年以来年均增长6.4%' between the first and the latest comparable value."""
    usable = [p for p in points if p.value]
    if len(usable) < 2:
        return ""
    first, last = usable[0], usable[-1]
    years = last.time - first.time
    if years < 1 or first.value <= 0 or last.value <= 0:
        return ""
    cagr = (last.value / first.value) ** (1 / years) - 1
    since = f"{first.label}年" if first.label.isdigit() else first.label
    if abs(cagr) < 0.0005:
        return f"{since}以来基本持平"
    return f"{since}以来年均{'增长' if cagr > 0 else '下降'}{fmt_percent(abs(cagr))}"


def _words_sentence(words: list[str]) -> str:
    """The figure's notes as a sentence of their own (when the value already sits in parentheses)."""
    out = []
    for w in words:
        if w.startswith("修订后数据"):
            out.append("该数值为" + w.replace("，初次发布为", "（初次发布为") + "）" if "初次发布为" in w else "该数值为修订后数据")
        elif w in ("预计数", "推算数"):
            out.append(f"该数值为{w}")
        elif w.startswith("各来源"):
            out.append("各来源的该项数据存在出入，详见附录")
        elif w.startswith("据平台"):
            out.append("该数值据平台登记记录计算")
    return "；".join(out) + "。" if out else ""


def indicator_sentence(indicator, row, year, area_word, obs, history, points, computed_extra: str) -> str:
    if area_word == "全市" and indicator.name_zh.startswith(indicator.plan.city.name_zh.rstrip("市")):
        area_word = ""  # 洛阳高新区全国综合排名 needs no 全市
    name = short_name(indicator)
    value = fmt_value(indicator, row["latest_value"], row["latest_qualifier"])
    words = _figure_words(indicator, obs, history, row["value_source"])
    period = (
        period_text(obs, indicator, row["latest_year"])
        if obs is not None
        else f"{row['latest_year']}年末"
        if row["value_source"] == "computed"
        else ""
    )
    has_target = row["target"] is not None
    has_path = row["completion"] is not None
    only_baseline = row["baseline_year"] is not None and row["latest_year"] is not None and row["latest_year"] <= row["baseline_year"]

    if row["latest_value"] is None or (only_baseline and has_target):
        text = f"{area_word}{indicator.name_zh}暂无规划期内监测数据"
        if row["latest_value"] is not None:
            text += f"（{row['baseline_year']}年基期值为{fmt_value(indicator, row['baseline'])}）"
        if has_target:
            text += f"；规划目标为{_target_phrase(indicator, row)}"
            wording = plan_wording(indicator.target_text)
            if wording and wording != fmt_number(row["target"], indicator.decimals):
                text += f"，规划原文为“{wording}”"
        return text + "。" + computed_extra

    current_year = row["latest_year"] == year
    clauses, after = [], ""
    if current_year:
        verb = _direction_verb(indicator, row["latest_value"], row["baseline"], row["latest_qualifier"])
        lead = f"{period}{area_word}{name}{verb}{value}" + (f"（{'；'.join(words)}）" if words else "")
    else:
        lead = f"{area_word}{indicator.name_zh}暂无{year}年数据，最近一期为{period}"
        lead += f"（{value}）" if "（" not in period else (f"，{value}" if row["latest_qualifier"] else f"，为{value}")
        after = _words_sentence(words)
    if has_target and has_path:
        prefix = "" if current_year else "按该期数据，"
        below = (
            row["baseline"] is not None
            and (row["latest_value"] - row["baseline"]) * (1 if indicator.direction == Direction.HIGHER else -1) < 0
        )
        if below:
            clauses.append(f"{prefix}低于{row['baseline_year']}年基期水平（{fmt_value(indicator, row['baseline'])}）")
            prefix = ""
        clauses.append(f"{prefix}完成规划目标进度{fmt_percent(row['completion'])}")
        if row["completion"] >= 1 or row["status"] == "target_achieved":
            ahead = "已提前实现" if row["latest_year"] < row["target_year"] else "已实现"
            clauses.append(f"{ahead}规划目标（{_target_phrase(indicator, row)}）")
        else:
            gap = _gap_clause(row, current_year)
            if gap:
                clauses.append(gap)
    elif has_target:  # a target without a baseline: no completion, only the distance to the target
        if row["status"] == "target_achieved":
            ahead = "已提前实现" if row["latest_year"] < row["target_year"] else "已实现"
            clauses.append(f"{ahead}规划目标（{_target_phrase(indicator, row)}）")
        else:
            clauses.append(f"规划目标为{_target_phrase(indicator, row)}（规划未给出基期值，不计算完成进度）")
    else:  # no target: change and trend
        change = _change_clause(indicator, points)
        if change:
            clauses.append(change)
        trend = _trend_clause(indicator, points)
        if trend:
            clauses.append(trend)
    text = "，".join([lead] + clauses) + "。" + after

    if has_target and row["status"] not in ("target_achieved", "not_available"):
        tail = f"进展评价为“{row['status_zh']}”"
        needed = row.get("required_growth")
        if needed is not None and row["latest_year"] < row["target_year"] and row["completion"] is not None and row["completion"] < 1:
            tail += f"，实现{row['target_year']}年目标今后需年均增长{fmt_percent(needed)}"
        text += tail + ("，列入预警" if row["at_risk"] else "") + "。"
    elif not has_target and indicator.group != IndicatorGroup.CONTEXT and row["status"] != "not_available":
        text += f"按趋势评价为“{row['status_zh']}”" + ("，列入预警" if row["at_risk"] else "") + "。"
    return text + computed_extra


def risk_reasons(indicator, row) -> list[str]:
    reasons = []
    if row["status"] in ("limited_progress", "deterioration"):
        reasons.append(f"进展评价为“{row['status_zh']}”（低于“有进展但需加快”）")
    target = row["target"]
    if target is not None:
        better = (lambda v: v >= target) if indicator.direction == Direction.HIGHER else (lambda v: v <= target)
        for key, how in (("projection_compound", "按复合增长趋势"), ("projection_linear", "按线性趋势")):
            v = row.get(key)
            if v is not None and not better(v):
                reasons.append(f"{how}推算{row['projection_year']}年为{fmt_value(indicator, v)}，达不到目标{fmt_value(indicator, target)}")
    if not reasons:
        reasons = [zh_reason(r) for r in row["risk_reasons"]]
    return reasons
