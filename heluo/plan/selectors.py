"""Reads of plan monitoring data: current values and their history, indicators computed from the platform's
own records, reconciliation of computed against reported values, and the progress table of a plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef, Q, Subquery

from heluo.core.permissions import SYSTEM, VIEW
from heluo.geo.models import Area

from .models import Direction, Indicator, IndicatorGroup, MeasureType, Observation, Plan, ValueSource, make_period_key

CENT = Decimal("0.01")


# --- observations: current value and history ----------------------------------------------------------------


@dataclass
class ObservationHistory:
    current: Observation | None
    history: list[Observation]  # oldest first; the last one is the current one

    @property
    def revised(self) -> bool:
        return len(self.history) > 1


def visible_observations(user=SYSTEM):
    return Observation.objects.restrict(user, VIEW)


def observation_history(user, indicator, area=None, year=None, quarter=None, month=None, partial=False) -> ObservationHistory:
    """The current value of an indicator for an area and period, and every value published for it before."""
    area = area or indicator.plan.city
    key = make_period_key(year, quarter, month, partial or bool((quarter and quarter < 4) or (month and month < 12)))
    rows = list(
        visible_observations(user)
        .filter(indicator=indicator, area=area, period_key=key)
        .select_related("supersedes")
        .order_by("vintage", "pk")
    )
    current = next((o for o in rows if o.is_current), None)
    return ObservationHistory(current, rows)


def history_of(user, observation: Observation) -> ObservationHistory:
    return observation_history(
        user,
        observation.indicator,
        observation.area,
        observation.year,
        observation.quarter,
        observation.month,
        observation.is_partial_period,
    )


def current_observations(user, indicator, area=None):
    area = area or indicator.plan.city
    return visible_observations(user).filter(indicator=indicator, area=area, is_current=True)


def time_of(obs: Observation) -> float:
    """Position on the annual time axis, where a year's value sits at its end: 2024 → 2024.0,
    2025年1-10月 → 2024.83. A partial period of unknown length counts as the middle of the year."""
    if obs.month:
        return obs.year - 1 + obs.month / 12
    if obs.quarter:
        return obs.year - 1 + obs.quarter / 4
    return obs.year - 0.5 if obs.is_partial_period else float(obs.year)


def usable(obs: Observation, indicator: Indicator) -> bool:
    """A year-to-date value of a flow (contract turnover in Jan–Sep) is not comparable with annual values."""
    return not (obs.is_partial_period and indicator.measure_type == MeasureType.FLOW)


def best_by_year(observations, indicator) -> dict[int, Observation]:
    """One value per year: the full-year value if there is one, else the latest comparable partial value."""
    best: dict[int, Observation] = {}
    for obs in observations:
        if not usable(obs, indicator):
            continue
        rank = (not obs.is_partial_period, time_of(obs), obs.vintage)
        held = best.get(obs.year)
        if held is None or rank > (not held.is_partial_period, time_of(held), held.vintage):
            best[obs.year] = obs
    return best


def reported_series(user, indicator, area=None, up_to: int | None = None) -> list[Observation]:
    qs = current_observations(user, indicator, area)
    if up_to is not None:
        qs = qs.filter(year__lte=up_to)
    return [o for _, o in sorted(best_by_year(qs, indicator).items())]


def latest_observation(user, indicator, area=None, up_to: int | None = None) -> Observation | None:
    series = reported_series(user, indicator, area, up_to)
    return series[-1] if series else None


# --- computed indicators ------------------------------------------------------------------------------------


class NotComputable(Exception):
    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@dataclass(frozen=True)
class Computation:
    key: str
    label_zh: str
    label_en: str
    function: Callable


COMPUTATIONS: dict[str, Computation] = {}


def computation(key: str, zh: str, en: str):
    def register(function):
        COMPUTATIONS[key] = Computation(key, zh, en, function)
        return function

    return register


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def _area_ids(area) -> set[int]:
    return Area.expand_ids([area.pk])


def _count(value: int) -> Decimal:
    return Decimal(value)


def _percent(part: int, whole: int) -> Decimal:
    return (Decimal(100) * part / whole).quantize(CENT, rounding=ROUND_HALF_UP)


@computation("qualifications_valid", "年末持有有效资质的机构数", "organizations holding a valid qualification on 31 December")
def _qualifications_valid(indicator, params, year, area) -> Decimal:
    from heluo.orgs.models import Qualification

    day = year_end(year)
    qs = Qualification.objects.filter(Qualification.valid_on_q(day), kind__in=params["kinds"], organization__area_id__in=_area_ids(area))
    return _count(qs.values("organization_id").distinct().count())


@computation(
    "tech_sme_registered", "当年入库且年末未移出的科技型中小企业数", "tech SMEs registered for the year and not removed by 31 December"
)
def _tech_sme_registered(indicator, params, year, area) -> Decimal:
    from heluo.orgs.models import Qualification, QualificationKind

    qs = Qualification.objects.filter(kind=QualificationKind.TECH_SME, year=year, organization__area_id__in=_area_ids(area)).exclude(
        revoked_on__lte=year_end(year)
    )
    return _count(qs.values("organization_id").distinct().count())


def approved_platforms(day: dt.date, kinds=None, levels=None, area_ids=None):
    """Platforms whose status on `day` is approved: the latest status change on or before that day; a platform
    without any recorded change counts by its current status and the date it took it."""
    from heluo.platforms.models import Platform, PlatformStatus, PlatformStatusChange

    latest = PlatformStatusChange.objects.filter(platform=OuterRef("pk"), date__lte=day).order_by("-date", "-pk").values("status")[:1]
    any_change = PlatformStatusChange.objects.filter(platform=OuterRef("pk"))
    qs = Platform.objects.all()
    if kinds:
        qs = qs.filter(kind__in=kinds)
    if levels:
        qs = qs.filter(level__in=levels)
    if area_ids is not None:
        qs = qs.filter(area_id__in=area_ids)
    return qs.annotate(status_then=Subquery(latest), has_history=Exists(any_change)).filter(
        Q(status_then=PlatformStatus.APPROVED) | Q(has_history=False, status=PlatformStatus.APPROVED, status_since__lte=day)
    )


@computation("platforms_approved", "年末处于认定状态的平台数", "platforms in approved status on 31 December")
def _platforms_approved(indicator, params, year, area) -> Decimal:
    qs = approved_platforms(year_end(year), params.get("kinds"), params.get("levels"), _area_ids(area))
    return _count(qs.count())


def _coverage_units(area, params, day):
    """The areas that should be covered: the current counties/districts (or the kinds given) under the city,
    optionally of some planning zones; a single district covers itself."""
    if area.kind not in (Area.Kind.CITY, Area.Kind.PROVINCE):
        return [area]
    kinds = params.get("area_kinds") or [Area.Kind.DISTRICT, Area.Kind.COUNTY, Area.Kind.COUNTY_CITY]
    qs = (
        Area.objects.filter(parent=area, kind__in=kinds)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
    )
    if params.get("zones"):
        qs = qs.filter(planning_zone__code__in=params["zones"])
    return list(qs)


@computation(
    "area_coverage", "年末有相应主体或平台的县区占比", "share of areas with at least one such organization or platform on 31 December"
)
def _area_coverage(indicator, params, year, area) -> Decimal:
    from heluo.orgs.models import Qualification

    day = year_end(year)
    units = _coverage_units(area, params, day)
    if not units:
        raise NotComputable("没有需要覆盖的区划", "no areas to cover")
    if params.get("source") == "qualifications":
        present = set(
            Qualification.objects.filter(Qualification.valid_on_q(day), kind__in=params["kinds"])
            .values_list("organization__area_id", flat=True)
            .distinct()
        )
    else:
        present = set(approved_platforms(day, params.get("kinds"), params.get("levels")).values_list("area_id", flat=True).distinct())
    covered = sum(1 for unit in units if _area_ids(unit) & present)
    return _percent(covered, len(units))


@computation(
    "cluster_coverage", "年末有相应平台的重点产业集群占比", "share of the plan's industry clusters with such a platform on 31 December"
)
def _cluster_coverage(indicator, params, year, area) -> Decimal:
    from heluo.taxonomy.models import Cluster

    clusters = set(Cluster.objects.filter(city=indicator.plan.city, kind=Cluster.Kind.CLUSTER).values_list("pk", flat=True))
    if not clusters:
        raise NotComputable("该城市没有产业集群参考数据", "the city has no industry clusters in its reference data")
    served = set(
        approved_platforms(year_end(year), params.get("kinds"), params.get("levels"), _area_ids(area))
        .exclude(cluster__isnull=True)
        .values_list("cluster_id", flat=True)
        .distinct()
    )
    return _percent(len(served & clusters), len(clusters))


@computation("tech_contract_amount", "登记技术合同成交额", "value of registered technology contracts")
def _tech_contract_amount(indicator, params, year, area) -> Decimal:
    raise NotComputable(
        "平台尚未登记技术合同，暂按统计部门发布数监测",
        "technology contracts are not yet registered on the platform; the published statistic is used",
    )


def compute_indicator(indicator: Indicator, year: int, area=None) -> Decimal:
    """Recompute an indicator for a year (at 31 December) from the platform's records, for the city or an area.
    Raises NotComputable when the indicator has no computation or its records do not exist yet."""
    if not indicator.computation:
        raise NotComputable("该指标为统计报送指标，不能由平台记录计算", "a reported statistic: it cannot be computed from records")
    spec = COMPUTATIONS.get(indicator.computation)
    if spec is None:
        raise NotComputable(f"未知的计算方法“{indicator.computation}”", f"unknown computation {indicator.computation!r}")
    return spec.function(indicator, indicator.computation_params or {}, year, area or indicator.plan.city)


def computed_series(indicator, years, area=None) -> list[tuple[int, Decimal]]:
    return [(y, compute_indicator(indicator, y, area)) for y in years]


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
    return [_progress_row(user, plan, i, year, area, is_city, prefer, config) for i in indicators]


@dataclass
class _Point:
    time: float
    value: float
    year: int
    label: str
    observation: Observation | None = None


def _series(user, plan, indicator, year, area, is_city, prefer) -> tuple[list[_Point], str, list[str]]:
    notes = []
    use_computed = indicator.source == ValueSource.COMPUTED and (prefer == "computed" or (prefer == "auto" and not is_city))
    if use_computed:
        first = indicator.baseline_year or plan.period_start - 1
        try:
            points = [_Point(float(y), float(v), y, str(y)) for y, v in computed_series(indicator, range(first, year + 1), area)]
            return points, "computed", notes
        except NotComputable as exc:
            notes.append(f"{exc.zh} / {exc.en}")
    points = [
        _Point(time_of(o), float(o.value), o.year, o.period_label or o.period_key, o)
        for o in reported_series(user, indicator, area, up_to=year)
    ]
    return points, "reported", notes


def _progress_row(user, plan, indicator, year, area, is_city, prefer, config) -> dict:
    from . import measures as m

    points, value_source, notes = _series(user, plan, indicator, year, area, is_city, prefer)
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
            computed_value = _num(compute_indicator(indicator, year, area))
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
