"""The progress table of a plan and the reconciliation of computed against reported values."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from heluo.core.permissions import SYSTEM, VIEW
from heluo.geo.models import Area

from ..engine import measures as m
from ..models import Direction, Indicator, IndicatorGroup, Observation, Plan, ValueSource
from .computations import Computed, NotComputable, compute_indicator, computed_series
from .observations import best_by_year, current_observations, reported_series, series_of, time_of

# --- reconciliation -----------------------------------------------------------------------------------------


@dataclass
class Reconciliation:
    indicator: Indicator
    year: int
    area: Area
    computed: Decimal | None
    reported: Observation | None
    difference: Decimal | None  # computed − reported
    relative_difference: float | None  # difference / reported
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        r = self.reported
        return {
            "code": self.indicator.code,
            "name_zh": self.indicator.name_zh,
            "name_en": self.indicator.name_en,
            "unit": self.indicator.unit,
            "year": self.year,
            "area": self.area.code,
            "computation": self.indicator.computation,
            "computed": _num(self.computed),
            "reported": _num(r.value) if r else None,
            "reported_qualifier": r.value_qualifier if r else "",
            "reported_period": (r.period_label or r.period_key) if r else "",
            "reported_status": r.status if r else "",
            "reported_source": r.source_document if r else "",
            "reported_publisher": r.source_publisher if r else "",
            "reported_date": r.source_date.isoformat() if r and r.source_date else "",
            "reported_observation_id": r.pk if r else None,
            "difference": _num(self.difference),
            "relative_difference": self.relative_difference,
            "notes": self.notes,
        }


def reported_for_year(user, indicator, year, area=None) -> Observation | None:
    """The current reported value for the year: the full-year value, else the latest comparable partial one."""
    return best_by_year(current_observations(user, indicator, area).filter(year=year), indicator).get(year)


def reconcile(user, indicator: Indicator, year: int, area=None) -> Reconciliation:
    """The value computed from records and the reported statistic for the same indicator, year and area."""
    area = area or indicator.plan.city
    notes = []
    try:
        computed = compute_indicator(indicator, year, area)
    except NotComputable as exc:
        computed = None
        notes.append(f"{exc.zh} / {exc.en}")
    reported = reported_for_year(user, indicator, year, area)
    if reported is None:
        notes.append("该年度没有统计发布数 / no reported value for the year")
    elif reported.is_partial_period:
        notes.append(
            f"发布数为部分期间（{reported.period_label or reported.period_key}），计算数为年末 / the reported value covers part of the year, the computed one is at 31 December"
        )
    if reported is not None and reported.value_qualifier:
        notes.append(f"发布数为“{reported.value_qualifier}{reported.value.normalize():f}” / the reported value is qualified")
    difference = relative = None
    if computed is not None and reported is not None:
        difference = computed - reported.value
        relative = float(difference / reported.value) if reported.value else None
    return Reconciliation(indicator, year, area, computed, reported, difference, relative, notes)


def reconcile_plan(user, plan: Plan, year: int, area=None) -> list[Reconciliation]:
    indicators = Indicator.objects.restrict(user, VIEW).filter(plan=plan).exclude(computation="").order_by("sort", "code")
    return [reconcile(user, i, year, area) for i in indicators]


# --- plans and the progress table ----------------------------------------------------------------------------


def plan_for_city(user=SYSTEM, city=None) -> Plan | None:
    """The plan of a city (an Area, its code, or the configured city's plan), latest period first."""
    qs = Plan.objects.restrict(user, VIEW).select_related("city")
    if isinstance(city, Area):
        qs = qs.filter(city=city)
    elif city:
        qs = qs.filter(Q(city__code=city) | Q(code=city))
    return qs.order_by("-period_start", "code").first()


def _num(value) -> float | None:
    return None if value is None else float(value)


def progress_table(user, plan: Plan, year: int, area=None, prefer: str = "auto", groups=None) -> list[dict]:
    """One row per indicator: baseline, target, latest value with its period, source and status, the value
    expected on the path, completion, the progress measure and its status, projections and the at-risk flag.

    prefer: "reported" uses published observations, "computed" recomputes computed indicators from records
    for every year, "auto" uses observations for the plan's city and records for a district."""
    area = area or plan.city
    is_city = area.pk == plan.city_id
    config = plan.progress_config()
    indicators = Indicator.objects.restrict(user, VIEW).filter(plan=plan).order_by("sort", "code")
    if groups:
        indicators = indicators.filter(group__in=groups)
    indicators = list(indicators)
    for i in indicators:
        i.plan = plan  # read once, not once per indicator
    observed = current_by_indicator(user, indicators, area, year)
    computed = Computed(computed_pairs(plan, indicators, year, is_city, prefer), area)
    return [progress_row_for(user, plan, i, year, area, is_city, prefer, config, observed.get(i.pk, []), computed) for i in indicators]


def computed_pairs(plan, indicators, year, is_city, prefer) -> list[tuple[Indicator, int]]:
    """The (indicator, year) values a progress table computes from records: each computed indicator's value for the
    year, and its series where the table uses records (progress_series)."""
    pairs = []
    for i in indicators:
        if not i.computation:
            continue
        pairs.append((i, year))
        if _uses_computed(i, is_city, prefer):
            pairs += [(i, y) for y in range(i.baseline_year or plan.period_start - 1, year + 1)]
    return pairs


def _uses_computed(indicator, is_city, prefer) -> bool:
    return indicator.source == ValueSource.COMPUTED and (prefer == "computed" or (prefer == "auto" and not is_city))


def current_by_indicator(user, indicators, area, up_to: int) -> dict[int, list[Observation]]:
    """{indicator id: its current observations for the area up to the year}, in one query for all indicators and in
    the order reported_series reads them one indicator at a time."""
    found: dict[int, list[Observation]] = {}
    for obs in current_observations(user, None, area).filter(indicator__in=indicators, year__lte=up_to):
        found.setdefault(obs.indicator_id, []).append(obs)
    return found


@dataclass
class ProgressPoint:
    time: float
    value: float
    year: int
    label: str
    observation: Observation | None = None


def progress_series(
    user, plan, indicator, year, area, is_city, prefer, observed=None, computed=None
) -> tuple[list[ProgressPoint], str, list[str]]:
    """`observed`: the indicator's current observations for the area up to the year, and `computed` (Computed): the
    values computed from records, when read already (progress_table); else they are read here."""
    notes = []
    if _uses_computed(indicator, is_city, prefer):
        first = indicator.baseline_year or plan.period_start - 1
        years = range(first, year + 1)
        try:
            series = computed_series(indicator, years, area) if computed is None else computed.series(indicator, years)
            points = [ProgressPoint(float(y), float(v), y, str(y)) for y, v in series]
            return points, "computed", notes
        except NotComputable as exc:
            notes.append(f"{exc.zh} / {exc.en}")
    points = [
        ProgressPoint(time_of(o), float(o.value), o.year, o.period_label or o.period_key, o)
        for o in (reported_series(user, indicator, area, up_to=year) if observed is None else series_of(observed, indicator))
    ]
    return points, "reported", notes


def progress_row_for(user, plan, indicator, year, area, is_city, prefer, config, observed=None, computed=None) -> dict:
    points, value_source, notes = progress_series(user, plan, indicator, year, area, is_city, prefer, observed, computed)
    direction = m.DECREASE if indicator.direction == Direction.LOWER else m.INCREASE
    has_target = is_city and indicator.has_target
    target = _num(indicator.target_value) if has_target else None
    target_year = indicator.target_year if has_target else plan.period_end
    baseline = _num(indicator.baseline_value) if is_city else None
    baseline_year = indicator.baseline_year if is_city else None
    latest = points[-1] if points else None

    # The base of the progress measure: the plan's baseline, else the first value available.
    if baseline is not None and baseline_year is not None:
        base_time, base_value = float(baseline_year), baseline
        history = [p for p in points if p.time > base_time]
    else:
        first = next((p for p in points if indicator.baseline_year is None or p.time >= indicator.baseline_year), None)
        base_time, base_value = (first.time, first.value) if first else (None, None)
        history = [p for p in points if first and p.time > first.time]
        if first is not None:
            notes.append(f"无基期值，以{first.label}为基期 / no baseline: {first.label} is used as the base")

    expected = expected_at_latest = path = None
    if has_target and baseline is not None and baseline_year is not None and indicator.target_year > baseline_year:
        pi = m.PlanIndicator(baseline_year, baseline, indicator.target_year, target, direction, indicator.path)
        expected = m.expected_value(pi, year)
        if latest is not None:
            path = m.check_path(pi, latest.time, latest.value)
            expected_at_latest = path.expected_value

    progress = m.measure_progress(
        m.ProgressInput(
            base_year=base_time,
            base_value=base_value,
            current_year=latest.time if latest and base_time is not None and latest.time >= base_time else None,
            current_value=latest.value if latest else None,
            direction=direction,
            target_year=indicator.target_year if has_target else None,
            target=target,
            limit=indicator.natural_limit,
        ),
        config,
    )

    observations = ([m.Observation(base_time, base_value)] if base_time is not None else []) + [
        m.Observation(p.time, p.value) for p in history
    ]
    projection = m.project(observations, float(target_year), target, direction) if observations else None
    if indicator.group == IndicatorGroup.CONTEXT:
        risk = m.Risk(False)
    else:
        risk = m.assess_risk(progress, projection, config)

    computed_value = computed_note = None
    if indicator.computation:
        try:
            computed_value = _num(compute_indicator(indicator, year, area) if computed is None else computed.value(indicator, year))
        except NotComputable as exc:
            computed_note = f"{exc.zh} / {exc.en}"

    obs = latest.observation if latest else None
    return {
        "code": indicator.code,
        "name_zh": indicator.name_zh,
        "name_en": indicator.name_en,
        "unit": indicator.unit,
        "group": indicator.group,
        "theme": indicator.theme,
        "direction": indicator.direction,
        "path": indicator.path,
        "source": indicator.source,
        "computation": indicator.computation,
        "area": area.code,
        "year": year,
        "baseline_year": baseline_year,
        "baseline": baseline,
        "target_year": indicator.target_year if has_target else None,
        "target": target,
        "target_text": indicator.target_text if has_target else "",
        "value_source": value_source if latest else "",
        "latest_value": latest.value if latest else None,
        "latest_qualifier": obs.value_qualifier if obs else "",
        "latest_year": latest.year if latest else None,
        "latest_period": latest.label if latest else "",
        "latest_partial": obs.is_partial_period if obs else False,
        "latest_status": obs.status if obs else ("computed" if latest else ""),
        "latest_uncertain": obs.is_uncertain if obs else False,
        "latest_source": obs.source_document if obs else ("平台记录计算 / computed from the platform's records" if latest else ""),
        "latest_publisher": obs.source_publisher if obs else "",
        "latest_source_date": obs.source_date.isoformat() if obs and obs.source_date else "",
        "latest_link": obs.source_link if obs else "",
        "latest_observation_id": obs.pk if obs else None,
        "computed_value": computed_value,
        "computed_note": computed_note,
        "expected_value": expected,
        "expected_at_latest": expected_at_latest,
        "expected_progress": path.expected_progress if path else None,
        "completion": path.completion if path else None,
        "expected_completion": path.expected_completion if path else None,
        "gap_points": path.gap_points if path else None,
        "progress_value": progress.progress_value,
        "progress_method": progress.method,
        "status": progress.status,
        "status_code": progress.code,
        "status_zh": progress.label_zh,
        "status_en": progress.label_en,
        "progress_note": progress.reason.reason if progress.reason else "",
        "projection_year": target_year,
        "projection_compound": projection.compound_value if projection else None,
        "projection_linear": projection.linear_value if projection else None,
        "required_growth": projection.required_growth if projection else None,
        "required_increment": projection.required_increment if projection else None,
        "at_risk": risk.at_risk,
        "risk_reasons": [n.reason for n in risk.reasons],
        "notes": notes,
    }


def at_risk(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["at_risk"]]


def visible_plans(user):
    return Plan.objects.restrict(user, VIEW).select_related("city").order_by("-period_start", "code")
