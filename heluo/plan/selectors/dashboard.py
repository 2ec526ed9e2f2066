"""What the plan monitoring pages show: indicator cards, chart series, per-district values, warnings by area,
and the tables (shown and exported to XLSX from the same rows, so the spreadsheet is exactly the page).

Reads only; every query starts from `restrict(user, VIEW)` for plan data. Nothing is cached between requests.
Per-district values of computed indicators (`computed_by_area`) are counted in memory from the records read
once per request (`Records`) instead of one query per district, indicator and year; `tests/plan/test_web.py`
checks that they equal `selectors.compute_indicator` for every district.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from heluo.core.figures import kept
from heluo.core.i18n import in_language, is_chinese
from heluo.core.permissions import VIEW
from heluo.geo.models import Area

from .. import selectors as sel
from ..engine import measures as m
from ..models import (
    Direction,
    Indicator,
    IndicatorGroup,
    Observation,
    ObservationStatus,
    Plan,
    ValueSource,
)
from ..selectors.computations import AreaTree, computation_key, record_tables

MAP_DIR = Path(__file__).resolve().parent.parent / "data" / "maps"
GROUP_ORDER = (IndicatorGroup.CORE, IndicatorGroup.GOAL, IndicatorGroup.CONTEXT)
DISTRICT_KINDS = (Area.Kind.DISTRICT, Area.Kind.COUNTY, Area.Kind.COUNTY_CITY)

# Colour of each progress status (measures.STATUS_BY_CODE); the legend and the cards use the same.
STATUS_COLOURS = {
    "target_achieved": "#0f7b3f",
    "on_track": "#3fa34d",
    "acceleration_needed": "#d39e00",
    "limited_progress": "#e8702a",
    "deterioration": "#c9302c",
    "not_available": "#8a939d",
}
STATUS_ORDER = ("target_achieved", "on_track", "acceleration_needed", "limited_progress", "deterioration", "not_available")


# --- formatting ------------------------------------------------------------------------------------------


def num(value, decimals: int | None = None, at_least: int = 0) -> str:
    """A number with thousands separators; `decimals` None keeps the value's own digits (1610 → 1,610; 3.47),
    a value with decimals showing at least `at_least` of them (2.8 → 2.80 for an indicator shown with two; 280 stays 280)."""
    if value is None or value == "":
        return ""
    d = Decimal(str(value))
    if decimals is None:
        d = d.normalize()
        if d == d.to_integral_value():
            d = d.quantize(Decimal(1))
        own = max(0, -d.as_tuple().exponent)
        return f"{d:,.{max(own, at_least) if own else 0}f}"
    return f"{d:,.{decimals}f}"


def observed(value, indicator, qualifier: str = "") -> str:
    """An observed (published) value as the source gives it, with at least the indicator's decimals."""
    return "" if value is None else f"{qualifier}{num(value, None, indicator.decimals)}"


def pct(share, places: int = 1) -> str:
    """A fraction as a percentage: 0.953 → 95.3%."""
    return "" if share is None else f"{share * 100:.{places}f}%"


def signed(value, places: int = 1, suffix: str = "") -> str:
    return "" if value is None else f"{value:+.{places}f}{suffix}"


def unit_of(indicator: Indicator) -> str:
    return indicator.unit if is_chinese() else (indicator.unit_en or indicator.unit)


def status_info(code: str) -> dict:
    info = m.STATUS_BY_CODE.get(code) or m.STATUS_BY_CODE["not_available"]
    return {
        "code": info.code,
        "label": info.label_zh if is_chinese() else info.label_en,
        "colour": STATUS_COLOURS.get(info.code, STATUS_COLOURS["not_available"]),
    }


def status_legend(counts: Counter | None = None) -> list[dict]:
    return [{**status_info(code), "count": (counts or {}).get(code, 0)} for code in STATUS_ORDER]


def release_label(status: str) -> str:
    if status == "computed":
        return _("Computed from records")
    return str(ObservationStatus(status).label) if status in ObservationStatus.values else status


def note_text(note: str) -> str:
    """A stored bilingual note 'zh / en' in the page's language."""
    return in_language(note)


# --- the plan, its years and areas -------------------------------------------------------------------------


def current_plan(user, code: str | None = None) -> Plan | None:
    """The configured city's plan (latest period first), or the plan with `code`, as the user may see it."""
    qs = Plan.objects.restrict(user, VIEW).select_related("city").order_by("-period_start", "code")
    if code:
        return qs.filter(code=code).first()
    return qs.filter(code__startswith=f"{settings.HELUO_CITY}-").first() or qs.first()


def visible_indicators(user, plan):
    return Indicator.objects.restrict(user, VIEW).filter(plan=plan).order_by("sort", "code")


def monitoring_years(user, plan) -> list[int]:
    """The years that can be monitored: from the plan's first year to the latest year with an observation
    (at least the first year), most recent first."""
    years = set(
        sel.visible_observations(user)
        .filter(indicator__plan=plan, area=plan.city, is_current=True)
        .values_list("year", flat=True)
        .distinct()
    )
    last = max([y for y in years] + [plan.period_start])
    return list(range(last, plan.period_start - 1, -1))


def pick_year(request, years: list[int]) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return years[0]
    return year if year in years else years[0]


def districts_of(city: Area, year: int | None = None) -> list[Area]:
    """The counties and districts under the city in force at the end of `year` (now when None)."""
    day = dt.date(year, 12, 31) if year else dt.date.today()
    return list(
        Area.objects.filter(parent=city, kind__in=DISTRICT_KINDS)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        .select_related("planning_zone")
        .order_by("sort", "code")
    )


def zones_of(city: Area) -> list[Area]:
    """Functional zones directly under the city: they hold records but are not on the county map."""
    return list(
        Area.objects.filter(parent=city, kind=Area.Kind.FUNCTIONAL_ZONE, valid_to__isnull=True)
        .select_related("planning_zone")
        .order_by("sort", "code")
    )


# --- computed indicators for many areas and years at once -------------------------------------------------


class Records:
    """The records the computations count, read once (per request) and counted in memory for any year and
    area: qualifications of the kinds asked for, platforms with their status histories. The rules are those
    of selectors.COMPUTATIONS (valid on 31 December; a platform's status is its latest change on or before
    the day, or its current status since `status_since` when it has no recorded change)."""

    def __init__(self):
        self.tree = AreaTree()
        self._qualifications: dict[str, list[tuple]] = {}
        self._platforms: list[tuple] | None = None
        self._clusters: dict[int, set[int]] = {}

    def qualifications(self, kinds) -> list[tuple]:
        """[(organization id, area id, kind, year, valid_from, valid_to, revoked_on)] of the kinds."""
        from heluo.orgs.models import Qualification

        missing = [k for k in kinds if k not in self._qualifications]
        if missing:
            for k in missing:
                self._qualifications[k] = []
            rows = (
                Qualification.objects.filter(kind__in=missing)
                .order_by()
                .values_list("organization_id", "organization__area_id", "kind", "year", "valid_from", "valid_to", "revoked_on")
            )
            for row in rows:
                self._qualifications[row[2]].append(row)
        return [row for k in dict.fromkeys(kinds) for row in self._qualifications[k]]

    def valid_on(self, kinds, day) -> list[tuple]:
        return [r for r in self.qualifications(kinds) if r[4] <= day and (r[5] is None or r[5] >= day) and (r[6] is None or r[6] > day)]

    def platforms(self) -> list[tuple]:
        """[(pk, area id, kind, level, cluster id, status, status_since, [(date, pk, status) oldest first])]."""
        if self._platforms is None:
            from heluo.platforms.models import Platform, PlatformStatusChange

            changes = defaultdict(list)
            for platform_id, day, pk, status in PlatformStatusChange.objects.order_by().values_list("platform_id", "date", "pk", "status"):
                changes[platform_id].append((day, pk, status))
            for history in changes.values():
                history.sort()
            self._platforms = [
                (pk, area, kind, level, cluster, status, since, changes.get(pk, []))
                for pk, area, kind, level, cluster, status, since in Platform.objects.order_by().values_list(
                    "pk", "area_id", "kind", "level", "cluster_id", "status", "status_since"
                )
            ]
        return self._platforms

    def approved(self, day, kinds=None, levels=None) -> list[tuple]:
        """selectors.approved_platforms(day, kinds, levels): [(pk, area id, cluster id)]."""
        from heluo.platforms.models import PlatformStatus

        out = []
        for pk, area, kind, level, cluster, status, since, history in self.platforms():
            if (kinds and kind not in kinds) or (levels and level not in levels):
                continue
            if history:
                then = None
                for change_day, _pk, change_status in history:
                    if change_day > day:
                        break
                    then = change_status
                ok = then == PlatformStatus.APPROVED
            else:
                ok = status == PlatformStatus.APPROVED and since is not None and since <= day
            if ok:
                out.append((pk, area, cluster))
        return out

    def clusters(self, city) -> set[int]:
        if city.pk not in self._clusters:
            from heluo.taxonomy.models import Cluster

            self._clusters[city.pk] = set(Cluster.objects.filter(city=city, kind=Cluster.Kind.CLUSTER).values_list("pk", flat=True))
        return self._clusters[city.pk]


def _leaf_sets(pairs) -> dict[int, set]:
    """[(item, area id)] → {area id: {items}}."""
    out = defaultdict(set)
    for item, area_id in pairs:
        out[area_id].add(item)
    return out


def _per_area(areas, tree, leaf: dict[int, set], reduce) -> dict[int, Decimal]:
    result = {}
    for area in areas:
        items = set()
        for pk in tree.expand(area.pk):
            items |= leaf.get(pk, set())
        result[area.pk] = reduce(area, items)
    return result


def _count(area, items) -> Decimal:
    return Decimal(len(items))


def _batch_qualifications_valid(indicator, params, year, areas, rec: Records):
    pairs = ((r[0], r[1]) for r in rec.valid_on(params["kinds"], sel.year_end(year)))
    return _per_area(areas, rec.tree, _leaf_sets(pairs), _count)


def _batch_tech_sme_registered(indicator, params, year, areas, rec: Records):
    from heluo.orgs.models import QualificationKind

    day = sel.year_end(year)
    pairs = (
        (r[0], r[1]) for r in rec.qualifications([QualificationKind.TECH_SME]) if r[3] == year and not (r[6] is not None and r[6] <= day)
    )
    return _per_area(areas, rec.tree, _leaf_sets(pairs), _count)


def _batch_platforms_approved(indicator, params, year, areas, rec: Records):
    pairs = ((pk, area) for pk, area, _cluster in rec.approved(sel.year_end(year), params.get("kinds"), params.get("levels")))
    return _per_area(areas, rec.tree, _leaf_sets(pairs), _count)


def _batch_area_coverage(indicator, params, year, areas, rec: Records):
    if any(a.kind in (Area.Kind.CITY, Area.Kind.PROVINCE) for a in areas):
        raise _Fallback
    day = sel.year_end(year)
    if params.get("source") == "qualifications":
        present = {r[1] for r in rec.valid_on(params["kinds"], day)}
    else:
        present = {area for _pk, area, _cluster in rec.approved(day, params.get("kinds"), params.get("levels"))}
    # An area that is not a city covers itself: 100 % when it (or an area below it) has one, else 0 %.
    return {a.pk: sel.percent_of(1 if rec.tree.expand(a.pk) & present else 0, 1) for a in areas}


def _batch_cluster_coverage(indicator, params, year, areas, rec: Records):
    clusters = rec.clusters(indicator.plan.city)
    if not clusters:
        raise sel.NotComputable("该城市没有产业集群参考数据", "the city has no industry clusters in its reference data")
    pairs = (
        (cluster, area)
        for _pk, area, cluster in rec.approved(sel.year_end(year), params.get("kinds"), params.get("levels"))
        if cluster is not None
    )
    return _per_area(areas, rec.tree, _leaf_sets(pairs), lambda area, served: sel.percent_of(len(served & clusters), len(clusters)))


def _qualification_kinds(indicator) -> list[str]:
    """The kinds of qualification a batched computation reads from Records."""
    from heluo.orgs.models import QualificationKind

    params = indicator.computation_params or {}
    if indicator.computation == "tech_sme_registered":
        return [QualificationKind.TECH_SME]
    if indicator.computation == "qualifications_valid" or (
        indicator.computation == "area_coverage" and params.get("source") == "qualifications"
    ):
        return list(params.get("kinds", []))
    return []


BATCHED = {
    "qualifications_valid": _batch_qualifications_valid,
    "tech_sme_registered": _batch_tech_sme_registered,
    "platforms_approved": _batch_platforms_approved,
    "area_coverage": _batch_area_coverage,
    "cluster_coverage": _batch_cluster_coverage,
}


class _Fallback(Exception):
    pass


def computable(indicator: Indicator) -> bool:
    """Whether the indicator can be recomputed from the platform's records (known before computing)."""
    spec = sel.COMPUTATIONS.get(indicator.computation)
    return bool(indicator.computation) and (indicator.computation in BATCHED or (spec is not None and spec.by_area is not None))


def computed_by_area(indicator: Indicator, year: int, areas: list[Area], records: Records | None = None) -> dict[int, Decimal]:
    """compute_indicator(indicator, year, area) for every area, from records read once (pass the same
    `records` for several indicators and years). Raises NotComputable as compute_indicator does."""
    if not indicator.computation:
        raise sel.NotComputable("该指标为统计报送指标，不能由平台记录计算", "a reported statistic: it cannot be computed from records")
    key = ("plan:by-area", computation_key(indicator), year, tuple(a.pk for a in areas))
    return kept(key, lambda: _computed_by_area(indicator, year, areas, records), **record_tables())


def _computed_by_area(indicator, year, areas, records) -> dict[int, Decimal]:
    spec = sel.COMPUTATIONS.get(indicator.computation)
    if spec is not None and spec.by_area is not None:
        return spec.by_area(indicator, indicator.computation_params or {}, year, areas)
    batch = BATCHED.get(indicator.computation)
    if batch is not None:
        try:
            return batch(indicator, indicator.computation_params or {}, year, areas, records or Records())
        except _Fallback:
            pass
    return {a.pk: sel.compute_indicator(indicator, year, a) for a in areas}


# --- observations in bulk ----------------------------------------------------------------------------------


def current_by_indicator_area(user, plan, areas=None) -> dict[tuple[int, int], list[Observation]]:
    """Current visible observations of the plan, by (indicator id, area id)."""
    qs = sel.visible_observations(user).filter(indicator__plan=plan, is_current=True).select_related("indicator")
    if areas is not None:
        qs = qs.filter(area__in=areas)
    out = defaultdict(list)
    for obs in qs:
        out[(obs.indicator_id, obs.area_id)].append(obs)
    return out


def best_series(observations, indicator, up_to: int | None = None) -> list[Observation]:
    """One value per year (selectors.best_by_year), oldest first, up to a year."""
    rows = [o for o in observations if up_to is None or o.year <= up_to]
    return [o for _, o in sorted(sel.best_by_year(rows, indicator).items())]


# --- chart series ------------------------------------------------------------------------------------------


def expected_path(indicator: Indicator) -> list[list[float]]:
    """The path from baseline to target (linear, or compound with a point per year)."""
    if not (
        indicator.has_target
        and indicator.baseline_value is not None
        and indicator.baseline_year
        and indicator.target_year > indicator.baseline_year
    ):
        return []
    direction = m.DECREASE if indicator.direction == Direction.LOWER else m.INCREASE
    pi = m.PlanIndicator(
        indicator.baseline_year,
        float(indicator.baseline_value),
        indicator.target_year,
        float(indicator.target_value),
        direction,
        indicator.path,
    )
    years = (
        [indicator.baseline_year, indicator.target_year]
        if indicator.path == "linear"
        else range(indicator.baseline_year, indicator.target_year + 1)
    )
    points = [[float(y), m.expected_value(pi, y)] for y in years]
    return [p for p in points if p[1] is not None]


def series_points(observations: list[Observation]) -> list[list]:
    return [[sel.time_of(o), float(o.value), o.period_label or o.period_key] for o in observations]


def sparkline(indicator: Indicator, observations: list[Observation]) -> dict:
    return {
        "obs": series_points(observations),
        "path": expected_path(indicator),
        "target": [indicator.target_year, float(indicator.target_value)] if indicator.has_target else None,
        "unit": unit_of(indicator),
        "decimals": indicator.decimals,
    }


def projection_for(indicator: Indicator, plan: Plan, observations: list[Observation]) -> m.Projection | None:
    """The projections the progress table makes at the city level (same base and observations)."""
    direction = m.DECREASE if indicator.direction == Direction.LOWER else m.INCREASE
    points = [(sel.time_of(o), float(o.value)) for o in observations]
    if indicator.baseline_value is not None and indicator.baseline_year is not None:
        base = (float(indicator.baseline_year), float(indicator.baseline_value))
    else:
        first = next((p for p in points if indicator.baseline_year is None or p[0] >= indicator.baseline_year), None)
        base = first
    if base is None:
        return None
    obs = [m.Observation(*base)] + [m.Observation(t, v) for t, v in points if t > base[0]]
    target_year = indicator.target_year if indicator.has_target else plan.period_end
    target = float(indicator.target_value) if indicator.has_target else None
    return m.project(obs, float(target_year), target, direction)


def projection_lines(projection: m.Projection | None) -> dict:
    """Chart lines of both projections from the last observation to the target year."""
    if projection is None or projection.last_year is None:
        return {"compound": [], "linear": []}
    t0, t1 = projection.last_year, projection.target_year
    compound, linear = [], []
    if projection.cagr is not None and t1 > t0:
        steps = max(1, round(t1 - t0))
        compound = [
            [t0 + (t1 - t0) * k / steps, projection.last_value * (1 + projection.cagr) ** ((t1 - t0) * k / steps)] for k in range(steps + 1)
        ]
    if projection.slope is not None:
        start = projection.first_year
        linear = [[start, projection.intercept + projection.slope * start], [t1, projection.intercept + projection.slope * t1]]
    return {"compound": compound, "linear": linear}


# --- progress rows -----------------------------------------------------------------------------------------


def progress_row(user, plan: Plan, indicator: Indicator, year: int) -> dict:
    """The progress table's row of one indicator at the city level (selectors.progress_table for one row)."""
    return sel.progress_row_for(user, plan, indicator, year, plan.city, True, "auto", plan.progress_config())


@dataclass
class AreaPoint:
    time: float
    value: float
    year: int
    label: str
    observation: Observation | None = None


def area_progress(plan: Plan, indicator: Indicator, year: int, points: list[AreaPoint], source: str, config) -> dict:
    """The progress table's row of an indicator for an area below the city (no baseline, no target there):
    the same rules as selectors.progress_table(area=district) — base is the first value from the baseline year."""
    direction = m.DECREASE if indicator.direction == Direction.LOWER else m.INCREASE
    latest = points[-1] if points else None
    first = next((p for p in points if indicator.baseline_year is None or p.time >= indicator.baseline_year), None)
    base_time, base_value = (first.time, first.value) if first else (None, None)
    history = [p for p in points if first and p.time > first.time]
    progress = m.measure_progress(
        m.ProgressInput(
            base_year=base_time,
            base_value=base_value,
            current_year=latest.time if latest and base_time is not None and latest.time >= base_time else None,
            current_value=latest.value if latest else None,
            direction=direction,
            limit=indicator.natural_limit,
        ),
        config,
    )
    observations = ([m.Observation(base_time, base_value)] if base_time is not None else []) + [
        m.Observation(p.time, p.value) for p in history
    ]
    projection = m.project(observations, float(plan.period_end), None, direction) if observations else None
    risk = m.Risk(False) if indicator.group == IndicatorGroup.CONTEXT else m.assess_risk(progress, projection, config)
    obs = latest.observation if latest else None
    return {
        "latest_value": latest.value if latest else None,
        "latest_period": latest.label if latest else "",
        "latest_qualifier": obs.value_qualifier if obs else "",
        "latest_observation": obs,
        "value_source": source if latest else "",
        "base_label": first.label if first else "",
        "progress_value": progress.progress_value,
        "status_code": progress.code,
        "status": progress.status,
        "progress_note": progress.reason.reason if progress.reason else "",
        "at_risk": risk.at_risk,
        "risk_reasons": [n.reason for n in risk.reasons],
    }


def district_progress(user, plan: Plan, year: int, areas: list[Area], indicators=None) -> dict[tuple[int, int], dict]:
    """{(indicator id, area id): row} for areas below the city: computed indicators from records (batched,
    one query per indicator and year), other indicators from the areas' observations where there are any."""
    config = plan.progress_config()
    indicators = list(indicators if indicators is not None else visible_indicators(user, plan))
    observed = current_by_indicator_area(user, plan, areas)
    computed = _computed_by_year(plan, indicators, year, areas)
    out = {}
    for indicator in indicators:
        series = None
        if indicator.pk in computed:
            by_year = computed[indicator.pk]
            series = {a.pk: [AreaPoint(float(y), float(by_year[y][a.pk]), y, str(y)) for y in sorted(by_year)] for a in areas}
            source = "computed"
        if series is None:
            source = "reported"
            series = {}
            for a in areas:
                obs = observed.get((indicator.pk, a.pk))
                if obs:
                    series[a.pk] = [
                        AreaPoint(sel.time_of(o), float(o.value), o.year, o.period_label or o.period_key, o)
                        for o in best_series(obs, indicator, year)
                    ]
        for a in areas:
            points = series.get(a.pk)
            if points:
                out[(indicator.pk, a.pk)] = area_progress(plan, indicator, year, points, source, config)
    return out


def _computed_by_year(plan, indicators, year, areas) -> dict[int, dict[int, dict[int, Decimal]]]:
    """{indicator id: {year: {area id: value}}} of the computed indicators from the plan's first year, for
    district_progress: counted from records read once, and kept until the records change. An indicator that cannot
    be computed is left out (its observations are used)."""
    wanted = [i for i in indicators if i.source == ValueSource.COMPUTED and i.computation]

    def compute():
        records, out = Records(), {}
        records.qualifications(sorted({k for i in wanted for k in _qualification_kinds(i)}))  # in one query, not one a kind
        for indicator in wanted:
            first = indicator.baseline_year or plan.period_start - 1
            try:
                out[indicator.pk] = {y: _computed_by_area(indicator, y, areas, records) for y in range(first, year + 1)}
            except sel.NotComputable:
                pass
        return out

    key = ("plan:district-series", year, tuple(a.pk for a in areas), tuple((i.pk, i.baseline_year, computation_key(i)) for i in wanted))
    return kept(key, compute, **record_tables())


# --- values per district for the map and the indicator page -----------------------------------------------


def ranks(values: dict[Any, float | None], direction: str) -> dict[Any, int | None]:
    """Competition ranks (1, 2, 2, 4): 1 is the best value in the indicator's direction."""
    present = {k: v for k, v in values.items() if v is not None}
    sign = -1 if direction == Direction.LOWER else 1
    ordered = sorted(present.values(), key=lambda v: -sign * v)
    return {k: (ordered.index(v) + 1 if v is not None else None) for k, v in ((k, values[k]) for k in values)}


@dataclass
class AreaValue:
    area: Area
    value: Decimal | None
    rank: int | None = None
    on_map: bool = True
    observation: Observation | None = None
    records_url: str = ""


def area_values(user, plan: Plan, indicator: Indicator, year: int, public: bool = False) -> tuple[list[AreaValue], str, str]:
    """Each district's (and functional zone's) value of an indicator for a year: computed from records when
    the indicator is computable, else the districts' observations. Returns (values, source, note)."""
    # Today's districts, as the map draws them (the registry files records under today's areas).
    districts, zones = districts_of(plan.city), zones_of(plan.city)
    meta = map_meta()
    on_map_codes = {code for code, _name in meta["features"]} if meta else {a.code for a in districts}
    areas = districts + zones
    note = ""
    values: dict[int, Decimal | None] = {}
    observations: dict[int, Observation] = {}
    source = ""
    if computable(indicator):
        try:
            values = computed_by_area(indicator, year, areas)
            source = "computed"
        except sel.NotComputable as exc:
            note = note_text(f"{exc.zh} / {exc.en}")
    if not source:
        observed = current_by_indicator_area(user, plan, areas)
        for a in areas:
            best = sel.best_by_year([o for o in observed.get((indicator.pk, a.pk), []) if o.year == year], indicator).get(year)
            if best is not None:
                observations[a.pk] = best
                values[a.pk] = best.value
        source = "reported" if observations else ""
    rank = ranks(
        {a.pk: (float(values[a.pk]) if values.get(a.pk) is not None else None) for a in districts if a.code in on_map_codes},
        indicator.direction,
    )
    rows = []
    for a in areas:
        on_map = a.code in on_map_codes
        rows.append(
            AreaValue(
                a,
                values.get(a.pk),
                rank.get(a.pk) if on_map else None,
                on_map,
                observations.get(a.pk),
                records_url(indicator, year, a) if source == "computed" else "",
            )
        )
    return rows, source, note


def indicators_with_area_values(user, plan) -> list[Indicator]:
    """Indicators that have a value per district: computable from records, or observed for districts."""
    observed = set(
        sel.visible_observations(user)
        .filter(indicator__plan=plan, is_current=True)
        .exclude(area=plan.city)
        .values_list("indicator_id", flat=True)
        .distinct()
    )
    return [i for i in visible_indicators(user, plan) if computable(i) or i.pk in observed]


# --- links to the records behind a computed value ----------------------------------------------------------


def records_url(indicator: Indicator, year: int | None = None, area: Area | None = None) -> str:
    """A list page of the records a computed indicator counts, as close as the lists allow: qualifications valid
    on 31 December of the year (city), organizations holding the qualification today (an area), platforms in
    approved status today."""
    params = indicator.computation_params or {}
    key = indicator.computation
    spec = sel.COMPUTATIONS.get(key)
    if spec is not None and spec.records_url is not None:
        return spec.records_url(indicator, year, area)
    if key in ("qualifications_valid", "tech_sme_registered") or (key == "area_coverage" and params.get("source") == "qualifications"):
        kinds = params.get("kinds") or ["tech_sme"]
        if area is None and year is not None:
            return reverse("web:qualification_list") + "?" + urlencode([("kind", k) for k in kinds] + [("valid_on", f"{year}-12-31")])
        if len(kinds) == 1:
            query = [("qualification", kinds[0])] + ([("area", area.pk)] if area else [])
            return reverse("web:organization_list") + "?" + urlencode(query)
        return ""
    if key in ("platforms_approved", "cluster_coverage") or key == "area_coverage":
        query = [("kind", k) for k in params.get("kinds") or []] + [("level", lv) for lv in params.get("levels") or []]
        query.append(("status", "approved"))
        if area is not None:
            query.append(("area", area.pk))
        return reverse("web:platform_list") + "?" + urlencode(query)
    return ""


def records_url_is_dated(indicator: Indicator, area: Area | None) -> bool:
    key = indicator.computation
    spec = sel.COMPUTATIONS.get(key)
    if spec is not None and spec.records_url is not None:
        return True
    return area is None and (
        key in ("qualifications_valid", "tech_sme_registered")
        or (key == "area_coverage" and (indicator.computation_params or {}).get("source") == "qualifications")
    )


# --- the map file ------------------------------------------------------------------------------------------


def map_path(city: str | None = None) -> Path:
    return MAP_DIR / f"{city or settings.HELUO_CITY}.geojson"


@lru_cache(maxsize=4)
def _map_meta(path: str, mtime: float) -> dict:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {
        "attribution": data.get("attribution") or {},
        "features": [(f["properties"].get("code"), f["properties"].get("name")) for f in data.get("features", [])],
    }


def map_meta(city: str | None = None) -> dict | None:
    path = map_path(city)
    if not path.exists():
        return None
    return _map_meta(str(path), path.stat().st_mtime)
