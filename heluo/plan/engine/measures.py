"""Progress of one plan indicator: expected path, completion, progress measure, projection, warning.

Plain Python, no Django: the CLI (`heluo plan measure`), the web dashboard, the annual report and the tests
all call these functions with dataclasses and get dataclasses back.

Sources
-------
* Progress measure: Statistics Canada, "Progress Measurement for Canada's Sustainable Development Goals",
  as adopted by Open SDG ("Progress Measurement Methodology for the Sustainable Development Goals",
  open-sdg/open-sdg docs/progress-methodology.md; reference implementation open-sdg/sdg-build
  sdg/ProgressMeasure.py). Observed compound annual growth rate (CAGR) between the base year and the
  latest year; with a quantitative target the ratio R = d·CAGR_observed / |CAGR_required| is compared
  with 95 % / 60 % / 0; without a target d·CAGR_observed is compared with 1.5 % / 0.5 % / 0, thresholds
  above zero being scaled down near a natural limit. Status words are the ones Open SDG publishes
  (``target_achieved``, ``substantial_progress``, ``moderate_progress``, ``limited_progress``,
  ``deterioration``, ``not_available``); the methodology's display names are "Target achieved",
  "On track", "Progress made but acceleration needed", "Limited progress", "Deterioration".
* Expected path (时序进度): "time elapsed, task done" (时间过半、任务过半) — the share of the plan period
  elapsed, on a linear path from baseline to target or on a compound (constant growth rate) path.

Everything that can fail on data (missing values, zero or negative values, a target equal to the base)
returns a result with status ``not_available`` (or a ``None`` field) and a bilingual reason; no
``ZeroDivisionError``, ``ValueError: math domain error`` or complex number escapes from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

INCREASE = 1  # higher is better
DECREASE = -1  # lower is better

_DIRECTION_WORDS = {
    "1": INCREASE,
    "+1": INCREASE,
    "1.0": INCREASE,
    "+1.0": INCREASE,
    "increase": INCREASE,
    "positive": INCREASE,
    "higher": INCREASE,
    "up": INCREASE,
    "越大越好": INCREASE,
    "正向": INCREASE,
    "-1": DECREASE,
    "-1.0": DECREASE,
    "decrease": DECREASE,
    "negative": DECREASE,
    "lower": DECREASE,
    "down": DECREASE,
    "越小越好": DECREASE,
    "逆向": DECREASE,
    "负向": DECREASE,
}


def parse_direction(raw: object) -> int | None:
    """1 / -1 (as the Statistics Canada file writes them) or a word; None when not recognised."""
    if isinstance(raw, (int, float)) and raw in (INCREASE, DECREASE):
        return int(raw)
    return _DIRECTION_WORDS.get(str(raw).strip().lower()) if raw is not None else None


# --------------------------------------------------------------------------------------------------
# Messages and statuses
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """A bilingual explanation: why something could not be computed, or what was assumed."""

    code: str
    reason_zh: str
    reason_en: str

    @property
    def reason(self) -> str:
        return f"{self.reason_zh} / {self.reason_en}"


@dataclass(frozen=True)
class StatusInfo:
    status: str  # the word Open SDG / Statistics Canada publish
    code: str  # stable code for the UI
    label_zh: str
    label_en: str  # the methodology's display name
    rank: int  # higher is better; not_available is 0


STATUSES: dict[str, StatusInfo] = {
    s.status: s
    for s in (
        StatusInfo("target_achieved", "target_achieved", "目标已实现", "Target achieved", 5),
        StatusInfo("substantial_progress", "on_track", "进展顺利", "On track", 4),
        StatusInfo("moderate_progress", "acceleration_needed", "有进展但需加快", "Progress made but acceleration needed", 3),
        StatusInfo("limited_progress", "limited_progress", "进展有限", "Limited progress", 2),
        StatusInfo("deterioration", "deterioration", "退步", "Deterioration", 1),
        StatusInfo("not_available", "not_available", "无法评估", "Unable to assess", 0),
    )
}
STATUS_BY_CODE: dict[str, StatusInfo] = {s.code: s for s in STATUSES.values()}


# --------------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressConfig:
    """Thresholds of the progress measure and of the warning list; configurable per plan.

    Defaults are Statistics Canada's. ``zero_replacement``: the methodology replaces a zero base value or
    a zero target by 0.001 "unless otherwise specified"; we default to *not* replacing (the result is
    "cannot compute" with a reason), set it to 0.001 to mimic Open SDG exactly.
    """

    ratio_on_track: float = 0.95  # R ≥ this: substantial_progress (on track)
    ratio_acceleration: float = 0.60  # R ≥ this: moderate_progress (acceleration needed)
    ratio_limited: float = 0.0  # R ≥ this: limited_progress; below: deterioration
    growth_substantial: float = 0.015  # without target: d·CAGR ≥ 1.5 %
    growth_moderate: float = 0.005  # d·CAGR ≥ 0.5 %
    growth_limited: float = 0.0  # d·CAGR ≥ 0; below: deterioration
    limit_exponent: float = 4.44  # exponent of the natural-limit scaling factor (sdg-build)
    zero_replacement: float | None = None
    min_years: float = 1.0  # at least this many years between base and current year
    risk_below_status: str = "moderate_progress"  # statuses worse than this are at risk
    risk_projection: str = "any"  # "any": either projection misses the target; "both"; "none"

    def __post_init__(self):
        if not (self.ratio_on_track >= self.ratio_acceleration >= self.ratio_limited):
            raise ValueError("ratio thresholds must be ordered on_track ≥ acceleration ≥ limited")
        if not (self.growth_substantial >= self.growth_moderate >= self.growth_limited):
            raise ValueError("growth thresholds must be ordered substantial ≥ moderate ≥ limited")
        if self.min_years <= 0:
            raise ValueError("min_years must be positive")
        if self.risk_below_status not in STATUSES:
            raise ValueError(f"unknown status {self.risk_below_status!r}")
        if self.risk_projection not in ("any", "both", "none"):
            raise ValueError("risk_projection must be 'any', 'both' or 'none'")


DEFAULT_CONFIG = ProgressConfig()


# --------------------------------------------------------------------------------------------------
# Small safe arithmetic
# --------------------------------------------------------------------------------------------------


def growth_rate(start: float, end: float, years: float) -> float | None:
    """Compound annual growth rate (end/start)^(1/years) − 1; None when undefined.

    Undefined: years ≤ 0, start = 0, or start and end of opposite signs (a real root does not exist).
    Both negative is allowed (the ratio is positive); the caller flips the direction (Open SDG "sign").
    """
    if years <= 0 or start == 0:
        return None
    ratio = end / start
    if ratio < 0:
        return None
    return (ratio ** (1 / years)) - 1


def _is_better_or_equal(value: float, reference: float, direction: int) -> bool:
    return value >= reference if direction == INCREASE else value <= reference


# --------------------------------------------------------------------------------------------------
# Expected path and completion (时序进度 / 完成进度)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanIndicator:
    """What the plan says of an indicator: baseline, target and the shape of the expected path."""

    baseline_year: float
    baseline: float
    target_year: float
    target: float
    direction: int = INCREASE
    path: str = "linear"  # "linear" or "compound" (constant growth rate, for indicators that double etc.)

    def __post_init__(self):
        if self.direction not in (INCREASE, DECREASE):
            raise ValueError("direction must be 1 (higher is better) or -1 (lower is better)")
        if self.path not in ("linear", "compound"):
            raise ValueError("path must be 'linear' or 'compound'")
        if self.target_year <= self.baseline_year:
            raise ValueError("target_year must be after baseline_year")


def expected_progress(indicator: PlanIndicator, year: float) -> float:
    """Share of the plan period elapsed at ``year`` (时序进度), clamped to [0, 1]."""
    share = (year - indicator.baseline_year) / (indicator.target_year - indicator.baseline_year)
    return min(1.0, max(0.0, share))


def expected_value(indicator: PlanIndicator, year: float) -> float | None:
    """Value on the path from baseline to target at ``year``.

    Linear: baseline + share·(target − baseline). Compound: baseline·(target/baseline)^share, which needs
    baseline and target non-zero and of the same sign (None otherwise).
    """
    share = expected_progress(indicator, year)
    if indicator.path == "linear":
        return indicator.baseline + share * (indicator.target - indicator.baseline)
    if indicator.baseline == 0 or indicator.target / indicator.baseline <= 0:
        return None
    return indicator.baseline * (indicator.target / indicator.baseline) ** share


def completion(indicator: PlanIndicator, actual: float | None) -> float | None:
    """(actual − baseline) / (target − baseline); None when target = baseline or actual is missing."""
    if actual is None or indicator.target == indicator.baseline:
        return None
    return (actual - indicator.baseline) / (indicator.target - indicator.baseline)


@dataclass(frozen=True)
class PathCheck:
    """The "时间过半、任务过半" test for one year. Shares are fractions (0.5 = 50 %), gap in points."""

    year: float
    actual: float | None
    expected_progress: float  # time share elapsed
    expected_value: float | None
    completion: float | None  # share of the distance baseline → target covered
    expected_completion: float | None  # completion the expected path asks for at this year
    gap_points: float | None  # (completion − expected_completion) × 100; > 0 ahead of schedule
    ahead: bool | None
    notes: tuple[Note, ...] = ()


def check_path(indicator: PlanIndicator, year: float, actual: float | None) -> PathCheck:
    """Completion against the expected path; on a linear path expected completion = time share."""
    notes: list[Note] = []
    exp_value = expected_value(indicator, year)
    if exp_value is None:
        notes.append(
            Note(
                "compound_path_undefined",
                "复合增长路径要求基期值和目标值同号且不为零",
                "a compound path needs a non-zero baseline and target of the same sign",
            )
        )
    done = completion(indicator, actual)
    exp_done = completion(indicator, exp_value)
    if indicator.target == indicator.baseline:
        notes.append(Note("target_equals_baseline", "目标值等于基期值，完成进度无定义", "target equals baseline: completion is undefined"))
    if actual is None:
        notes.append(Note("missing_actual", "缺少监测值", "no observed value"))
    gap = None if done is None or exp_done is None else (done - exp_done) * 100
    return PathCheck(
        year=year,
        actual=actual,
        expected_progress=expected_progress(indicator, year),
        expected_value=exp_value,
        completion=done,
        expected_completion=exp_done,
        gap_points=gap,
        ahead=None if gap is None else gap >= 0,
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------------------------------
# Progress measure (Statistics Canada / Open SDG)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressInput:
    """One series: base and latest observation, optional target, direction, optional natural limit."""

    base_year: float | None
    base_value: float | None
    current_year: float | None
    current_value: float | None
    direction: int = INCREASE
    target_year: float | None = None
    target: float | None = None
    limit: float | None = None  # natural limit (e.g. 100 for a percentage); only used without target

    def __post_init__(self):
        if self.direction not in (INCREASE, DECREASE):
            raise ValueError("direction must be 1 (higher is better) or -1 (lower is better)")


@dataclass(frozen=True)
class ProgressResult:
    status: str  # exactly as Statistics Canada publishes it
    code: str  # stable UI code (on_track …)
    label_zh: str
    label_en: str
    progress_value: float | None  # R (with target) or d·CAGR (without); None when not computable
    method: str = ""  # "target" (ratio R), "trend" (growth thresholds) or "" when nothing was computed
    target_achieved: bool = False
    cagr_observed: float | None = None
    cagr_required: float | None = None
    thresholds: tuple[float, float, float] = ()  # (substantial, moderate, limited) after limit scaling
    limit_coefficient: float | None = None
    reason: Note | None = None  # why progress_value is None
    notes: tuple[Note, ...] = field(default_factory=tuple)

    @property
    def computed(self) -> bool:
        return self.progress_value is not None


def _result(status: str, value: float | None = None, **kw) -> ProgressResult:
    info = STATUSES[status]
    return ProgressResult(status=info.status, code=info.code, label_zh=info.label_zh, label_en=info.label_en, progress_value=value, **kw)


def _status_from_value(value: float, thresholds: tuple[float, float, float]) -> str:
    high, med, low = thresholds
    if value >= high:
        return "substantial_progress"
    if value >= med:
        return "moderate_progress"
    if value >= low:
        return "limited_progress"
    return "deterioration"


def limit_coefficient(base_value: float, limit: float, exponent: float = 4.44) -> float:
    """Scaling factor C in [0, 1] for growth thresholds near a natural limit (Statistics Canada).

    With b = |base| and L = |limit|: C = 1 when b ≥ 2L; C = 1 − (b/L)^a when b ≤ L (approaching a
    maximum); C = 1 − ((2L − b)/L)^a when L < b < 2L (approaching a minimum, mirrored). C = 0 at the limit.
    """
    b, lim = abs(base_value), abs(limit)
    if b >= 2 * lim:
        return 1.0
    if b <= lim:
        return 1 - (b / lim) ** exponent
    return 1 - ((2 * lim - b) / lim) ** exponent


def _missing(p: ProgressInput) -> Note | None:
    names = [n for n in ("base_year", "base_value", "current_year", "current_value") if getattr(p, n) is None]
    if names:
        return Note("missing_data", f"缺少数据：{', '.join(names)}", f"missing data: {', '.join(names)}")
    if p.target is not None and p.target_year is None:
        return Note("missing_target_year", "有目标值但缺少目标年份", "target given without a target year")
    return None


def _trend_thresholds(p: ProgressInput, base: float, cfg: ProgressConfig, notes: list[Note]):
    thresholds = (cfg.growth_substantial, cfg.growth_moderate, cfg.growth_limited)
    if p.limit is None:
        return thresholds, None
    # Only a limit in the desired direction matters: a maximum for "increase", a minimum for "decrease".
    if (p.direction == INCREASE and base > p.limit) or (p.direction == DECREASE and base < p.limit):
        notes.append(Note("limit_ignored", "自然极限不在期望方向上，未使用", "natural limit is not in the desired direction: ignored"))
        return thresholds, None
    coeff = limit_coefficient(base, p.limit, cfg.limit_exponent)
    return tuple(t * coeff if t > 0 else t for t in thresholds), coeff


def measure_progress(p: ProgressInput, config: ProgressConfig = DEFAULT_CONFIG) -> ProgressResult:
    """Statistics Canada / Open SDG progress measure of one series.

    Returns ``not_available`` with a ``reason`` when the value cannot be computed; a series whose latest
    value already meets the target is ``target_achieved`` even then (as in Open SDG).
    """
    missing = _missing(p)
    if missing:
        return _result("not_available", reason=missing)
    achieved = p.target is not None and _is_better_or_equal(p.current_value, p.target, p.direction)
    notes: list[Note] = []
    reason, base, target = _prepare_values(p, config, notes)
    if reason:
        return _result("target_achieved" if achieved else "not_available", reason=reason, target_achieved=achieved, notes=tuple(notes))
    sign = -1 if base < 0 else 1  # all-negative series: the desired direction flips
    d = sign * p.direction
    years = p.current_year - p.base_year
    cagr_o = growth_rate(base, p.current_value, years)
    if target is None:
        thresholds, coeff = _trend_thresholds(p, base, config, notes)
        value = d * cagr_o
        return _result(
            _status_from_value(value, thresholds),
            value,
            method="trend",
            cagr_observed=cagr_o,
            thresholds=thresholds,
            limit_coefficient=coeff,
            notes=tuple(notes),
        )
    return _measure_with_target(p, base, target, d, cagr_o, achieved, config, notes)


def _prepare_values(p: ProgressInput, cfg: ProgressConfig, notes: list[Note]):
    """Checks before any growth rate: enough years, usable base and target. Returns (reason, base, target)."""
    if p.current_year - p.base_year < cfg.min_years:
        return (
            Note("too_short", "基期与最新年份间隔不足，至少需要两个年份的数据", "not enough data: at least two years are needed"),
            None,
            None,
        )
    base, target = p.base_value, p.target
    if base == 0:
        if cfg.zero_replacement is None:
            return Note("zero_base", "基期值为零，复合增长率无定义", "base value is zero: growth rate undefined"), None, None
        base = cfg.zero_replacement
        notes.append(Note("zero_base_replaced", f"基期值为零，按 {base} 计算", f"base value zero replaced by {base}"))
    if (base > 0 > p.current_value) or (base < 0 < p.current_value):
        return (
            Note(
                "sign_change",
                "基期值与最新值符号相反，复合增长率无定义",
                "base and current values have opposite signs: growth rate undefined",
            ),
            None,
            None,
        )
    if target is not None and target == 0:
        if cfg.zero_replacement is None:
            return Note("zero_target", "目标值为零，所需增长率无定义", "target is zero: required growth undefined"), None, None
        target = cfg.zero_replacement
        notes.append(Note("zero_target_replaced", f"目标值为零，按 {target} 计算", f"zero target replaced by {target}"))
    if target is not None and (base > 0 > target or base < 0 < target):
        return (
            Note(
                "target_sign",
                "基期值与目标值符号相反，所需增长率无定义",
                "base value and target have opposite signs: required growth undefined",
            ),
            None,
            None,
        )
    if target is not None and p.target_year <= p.base_year:
        return Note("target_year", "目标年份不晚于基期年份", "target year is not after the base year"), None, None
    if p.limit is not None and target is not None:
        notes.append(Note("limit_with_target", "已有目标值，自然极限不参与计算", "limit ignored: a target is given"))
    return None, base, target


def _measure_with_target(p, base, target, d, cagr_o, achieved, cfg, notes) -> ProgressResult:
    cagr_r = growth_rate(base, target, p.target_year - p.base_year)
    thresholds = (cfg.ratio_on_track, cfg.ratio_acceleration, cfg.ratio_limited)
    common = {"method": "target", "target_achieved": achieved, "cagr_observed": cagr_o, "cagr_required": cagr_r, "thresholds": thresholds}
    if cagr_r == 0:  # target equals base: R undefined; not achieved means it moved the wrong way
        reason = Note("target_equals_base", "目标值等于基期值，比值 R 无定义", "target equals base value: R undefined")
        status = "target_achieved" if achieved else "deterioration"
        return _result(status, reason=reason, notes=tuple(notes), **common)
    value = d * cagr_o / abs(cagr_r)
    status = "target_achieved" if achieved else _status_from_value(value, thresholds)
    return _result(status, value, notes=tuple(notes), **common)


# --------------------------------------------------------------------------------------------------
# Projection to the target year
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Observation:
    year: float
    value: float | None


@dataclass(frozen=True)
class Projection:
    """Where the observed trend leads by the target year, two ways, and what is still needed."""

    target_year: float
    target: float | None
    direction: int
    first_year: float | None = None
    last_year: float | None = None
    last_value: float | None = None
    cagr: float | None = None  # between first and last observation
    compound_value: float | None = None  # last · (1 + cagr)^(target_year − last_year)
    slope: float | None = None  # ordinary least squares over all observations
    intercept: float | None = None
    linear_value: float | None = None  # intercept + slope · target_year
    required_growth: float | None = None  # CAGR needed from the last value to reach the target
    required_increment: float | None = None  # linear amount per year needed from the last value
    compound_reaches_target: bool | None = None
    linear_reaches_target: bool | None = None
    notes: tuple[Note, ...] = ()


def linear_fit(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    """Ordinary least squares (slope, intercept); None with fewer than two distinct years."""
    n = len(points)
    if n < 2:
        return None
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx
    return slope, my - slope * mx


def _clean_observations(observations: Iterable[Observation], notes: list[Note]) -> list[tuple[float, float]]:
    by_year: dict[float, float] = {}
    for o in observations:
        if o.value is None:
            continue
        if o.year in by_year:
            notes.append(
                Note(
                    "duplicate_year",
                    f"{o.year:g} 年有重复观测值，取最后一个",
                    f"duplicate observation for {o.year:g}: the last one is used",
                )
            )
        by_year[o.year] = o.value
    return sorted(by_year.items())


def project(observations: Iterable[Observation], target_year: float, target: float | None = None, direction: int = INCREASE) -> Projection:
    """Compound-growth and linear-fit projections of the target-year value, and the growth still needed."""
    notes: list[Note] = []
    points = _clean_observations(observations, notes)
    if not points:
        notes.append(Note("no_observations", "没有观测值", "no observations"))
        return Projection(target_year, target, direction, notes=tuple(notes))
    (y0, v0), (y1, v1) = points[0], points[-1]
    horizon = target_year - y1
    cagr = growth_rate(v0, v1, y1 - y0)
    if cagr is None:
        notes.append(
            Note(
                "cagr_undefined",
                "观测值不足两年、首值为零或符号变化，无法计算复合增长率",
                "compound growth undefined: one year only, a zero first value or a sign change",
            )
        )
    fit = linear_fit(points)
    if fit is None:
        notes.append(Note("fit_undefined", "至少需要两个年份的观测值才能线性拟合", "a linear fit needs two years"))
    compound_value = None if cagr is None else v1 * (1 + cagr) ** horizon
    linear_value = None if fit is None else fit[1] + fit[0] * target_year
    req_growth, req_increment = _required(v1, horizon, target, notes)

    def reaches(v):
        return None if v is None or target is None else _is_better_or_equal(v, target, direction)

    return Projection(
        target_year=target_year,
        target=target,
        direction=direction,
        first_year=y0,
        last_year=y1,
        last_value=v1,
        cagr=cagr,
        compound_value=compound_value,
        slope=None if fit is None else fit[0],
        intercept=None if fit is None else fit[1],
        linear_value=linear_value,
        required_growth=req_growth,
        required_increment=req_increment,
        compound_reaches_target=reaches(compound_value),
        linear_reaches_target=reaches(linear_value),
        notes=tuple(notes),
    )


def required_growth(latest: float, years_left: float, target: float) -> float | None:
    """Annual growth rate needed each remaining year to reach ``target`` from ``latest``."""
    return growth_rate(latest, target, years_left)


def _required(latest: float, horizon: float, target: float | None, notes: list[Note]):
    if target is None:
        return None, None
    if horizon <= 0:
        notes.append(Note("target_year_passed", "已到目标年份，不再计算所需增长", "target year reached: no growth left to compute"))
        return None, None
    growth = required_growth(latest, horizon, target)
    if growth is None:
        notes.append(
            Note(
                "required_growth_undefined",
                "最新值为零或与目标值异号，所需增长率无定义",
                "latest value zero or of opposite sign to the target: required growth undefined",
            )
        )
    return growth, (target - latest) / horizon


# --------------------------------------------------------------------------------------------------
# Warning
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Risk:
    at_risk: bool
    reasons: tuple[Note, ...] = ()


def assess_risk(
    progress: ProgressResult | None = None, projection: Projection | None = None, config: ProgressConfig = DEFAULT_CONFIG
) -> Risk:
    """At risk when the status is worse than ``config.risk_below_status`` or the projections miss the target.

    ``config.risk_projection``: "any" (default) flags when either projection misses, "both" when both
    do, "none" ignores projections. A status that could not be assessed is never "at risk" by itself.
    """
    reasons: list[Note] = []
    if progress is not None and progress.status != "not_available":
        floor = STATUSES[config.risk_below_status]
        if STATUSES[progress.status].rank < floor.rank:
            reasons.append(
                Note(
                    "status",
                    f"进展评价为“{progress.label_zh}”，低于“{floor.label_zh}”",
                    f"progress is '{progress.label_en}', below '{floor.label_en}'",
                )
            )
    if projection is not None and config.risk_projection != "none":
        reasons.extend(_projection_reasons(projection, config.risk_projection))
    return Risk(at_risk=bool(reasons), reasons=tuple(reasons))


def _projection_reasons(pr: Projection, rule: str) -> list[Note]:
    verdicts = [v for v in (pr.compound_reaches_target, pr.linear_reaches_target) if v is not None]
    misses = [v for v in verdicts if v is False]
    if not misses or (rule == "both" and len(misses) < 2):
        return []
    out = []
    if pr.compound_reaches_target is False:
        out.append(
            Note(
                "compound_projection_misses",
                f"按复合增长推算 {pr.target_year:g} 年为 {pr.compound_value:.4g}，达不到目标 {pr.target:g}",
                f"compound-growth projection for {pr.target_year:g} is {pr.compound_value:.4g}, short of target {pr.target:g}",
            )
        )
    if pr.linear_reaches_target is False:
        out.append(
            Note(
                "linear_projection_misses",
                f"按线性趋势推算 {pr.target_year:g} 年为 {pr.linear_value:.4g}，达不到目标 {pr.target:g}",
                f"linear-trend projection for {pr.target_year:g} is {pr.linear_value:.4g}, short of target {pr.target:g}",
            )
        )
    return out
