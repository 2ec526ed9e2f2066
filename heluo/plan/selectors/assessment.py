"""District assessment (县区考核) from the platform's own records: the definition file, the assessed units, the
data matrix (one aggregated query per measure), stored runs and their reproduction. The index itself and its Monte
Carlo sensitivity are computed by ``heluo.plan.engine.assessment`` on the matrix.

The assessment is data: ``heluo/plan/data/assessments/<city>.json`` names the indicators (with direction,
a target per planning zone, a weight per planning zone and how each is measured), the assessed units and
the method defaults. Another city = another file. The numbers are done by :mod:`heluo.plan.engine.composite`
(OECD/JRC Handbook, 2008); this module only gathers the data and keeps it traceable.

Measures (``measure`` of an indicator in the definition file)
-------------------------------------------------------------
``{"plan_indicator": "K06"}``         the plan indicator's own computation and parameters (selectors.COMPUTATIONS)
``{"computation": key, "params": …}``  a computation of selectors.COMPUTATIONS with other parameters
``{"annual_sum": field, "scale": s}``  Σ field of the enterprises' annual data for the year (× s, e.g. yuan → 万元)
``{"annual_ratio": [num, den], "scale": s}``  Σ num / Σ den over the enterprises reporting both (den > 0), × s
``{"annual_growth": field}``            growth of Σ field over the enterprises reporting it in both years, in %
``{"change_of": code}``                 value of another indicator this year minus its value the year before

Each measure is one aggregated query across all units (grouped by area, then added up per unit), not one
query per district. The three plan computations that count records (valid qualifications, registered tech
SMEs, approved platforms) have grouped forms here that apply the very same filters as
``selectors.compute_indicator``; any other computation falls back to ``compute_indicator`` per unit.

Units: by default the county-level divisions directly under the city that exist on 31 December of the year
(districts, counties, county-level cities); functional zones only when the definition says so. A record
counts for the nearest unit at or above its area; records in areas under no unit (e.g. a functional zone
that is not assessed) are reported as unassigned.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Count, OuterRef, Q, Subquery, Sum

from heluo.core.figures import kept

from ..engine.assessment import (
    AssessedIndicator,
    Assessment,
    AssessmentError,
    Choices,
    Definition,
    Matrix,
    Unit,
    assess_matrix,
    definition_from_dict,
    resolve_choices,
    value_of,
)
from .computations import COMPUTATIONS, NotComputable, approved_platforms, compute_indicator, year_end

DEFINITION_DIR = Path(__file__).resolve().parent.parent / "data" / "assessments"


def parse_definition(data: dict) -> Definition:
    return definition_from_dict(data, COMPUTATIONS)


def definition_files() -> list[Path]:
    return sorted(DEFINITION_DIR.glob("*.json"))


def load_definition(name: str | None = None) -> Definition:
    """The definition file of a city (file name without .json; default: the configured city)."""
    name = name or settings.HELUO_CITY
    available = {p.stem: p for p in definition_files()}
    if name not in available:  # only names of existing files: keeps "../" out of the path
        raise AssessmentError(
            f"没有考核定义文件“{name}”，可用：{', '.join(available) or '无'}",
            f"no assessment definition {name!r}; available: {', '.join(available) or 'none'}",
        )
    try:
        data = json.loads(available[name].read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AssessmentError(f"考核定义文件格式错误：{exc}", f"malformed assessment definition {available[name]}: {exc}") from None
    return parse_definition(data)


def _valid_on(area, day) -> bool:
    return (area.valid_from is None or area.valid_from <= day) and (area.valid_to is None or area.valid_to > day)


def assessment_units(definition: Definition, year: int) -> tuple[list[Unit], dict[int, str | None], dict]:
    """The units assessed for the year, {area id: unit code or None} for every area, and the areas by id."""
    from heluo.geo.models import Area

    areas = {a.pk: a for a in Area.objects.select_related("planning_zone")}
    city = next((a for a in areas.values() if a.code == definition.city), None)
    if city is None:
        raise AssessmentError(
            f"数据库中没有城市 {definition.city}，请先载入参考数据",
            f"the city {definition.city} is not in the database: load the reference data first",
        )
    day = year_end(year)
    cfg = definition.units
    kinds = set(cfg.get("kinds") or [Area.Kind.DISTRICT, Area.Kind.COUNTY, Area.Kind.COUNTY_CITY])
    include, exclude = set(cfg.get("include") or []), set(cfg.get("exclude") or [])

    def under_city(a):
        seen = set()
        while a.parent_id and a.pk not in seen:
            seen.add(a.pk)
            if a.parent_id == city.pk:
                return True
            a = areas.get(a.parent_id)
            if a is None:
                return False
        return False

    chosen = []
    for a in areas.values():
        if a.code in exclude or not _valid_on(a, day):
            continue
        if (
            a.code in include
            or (a.parent_id == city.pk and a.kind in kinds)
            or (cfg.get("functional_zones") and a.kind == Area.Kind.FUNCTIONAL_ZONE and under_city(a))
        ):
            chosen.append(a)
    units = []
    for a in sorted(chosen, key=lambda a: (a.sort, a.code)):
        zone = _zone_of(a, areas)
        if zone is None:
            zone = cfg.get("default_zone")
        if zone is None:
            raise AssessmentError(
                f"{a.name_zh}（{a.code}）没有规划分区，无法确定权重",
                f"{a.name_en or a.name_zh} ({a.code}) has no planning zone, so it has no weights",
            )
        if zone not in definition.zones:
            raise AssessmentError(
                f"{a.name_zh}（{a.code}）属于“{zone}”，考核定义没有该分区的权重",
                f"{a.code} is in zone {zone!r}, which has no weights in the definition",
            )
        units.append(Unit(a.code, a.name_zh, a.name_en, a.kind, zone, a.pk))
    if not units:
        raise AssessmentError(f"{year} 年没有需要考核的县区", f"no units to assess in {year}")
    unit_of_area = {u.area_id: u.code for u in units}
    mapping = {}
    for pk, a in areas.items():
        node, hops = a, 0
        while node is not None and node.pk not in unit_of_area and hops < 20:
            node, hops = areas.get(node.parent_id), hops + 1
        mapping[pk] = unit_of_area.get(node.pk) if node is not None else None
    return units, mapping, areas


def _zone_of(area, areas) -> str | None:
    """The area's planning zone; a retired area assessed for a past year takes its successor's zone."""
    node, hops = area, 0
    while node is not None and hops < 10:
        if node.planning_zone_id:
            return node.planning_zone.code
        node, hops = areas.get(node.successor_id), hops + 1
    return None


# --------------------------------------------------------------------------------------------------
# Measures: one aggregated query each, grouped by area
# --------------------------------------------------------------------------------------------------


@dataclass
class Grouped:
    """A measure's parts per area id, with the query it came from."""

    by_area: dict[int, dict[str, float]]
    queries: list[str]
    description_zh: str
    description_en: str


def _both(build) -> tuple[str, str]:
    """A label built in Chinese and in English: build(separator) under each language."""
    from django.utils import translation

    with translation.override("zh-hans"):
        zh = build("、")
    with translation.override("en"):
        en = build(", ")
    return zh, en


def _field_label(name: str) -> tuple[str, str]:
    from heluo.orgs.models import EnterpriseAnnual

    return _both(lambda sep: str(EnterpriseAnnual._meta.get_field(name).verbose_name))


def status_labels(statuses) -> tuple[str, str]:
    from heluo.orgs.models import DataStatus

    return _both(lambda sep: sep.join(str(DataStatus(s).label) for s in statuses))


def _sql(qs) -> str:
    try:
        return str(qs.query)
    except Exception:  # noqa: BLE001 - a query that cannot print itself is still a query
        return repr(qs.query)


def as_float(value) -> float:
    return 0.0 if value is None else float(value)


def _grouped_qualifications_valid(params, year, statuses):
    from heluo.orgs.models import Qualification, QualificationKind

    qs = (
        Qualification.objects.filter(Qualification.valid_on_q(year_end(year)), kind__in=params["kinds"])
        .values("organization__area_id")
        .annotate(count=Count("organization_id", distinct=True))
        .order_by()
    )
    rows = {r["organization__area_id"]: {"count": r["count"]} for r in qs}
    kinds = _both(lambda sep: sep.join(str(QualificationKind(k).label) for k in params["kinds"]))
    return (
        rows,
        [_sql(qs)],
        (
            f"{year}年12月31日持有有效资质（{kinds[0]}）的机构数",
            f"organizations holding a valid qualification ({kinds[1]}) on 31 December {year}",
        ),
    )


def _grouped_tech_sme_registered(params, year, statuses):
    from heluo.orgs.models import Qualification, QualificationKind

    qs = (
        Qualification.objects.filter(kind=QualificationKind.TECH_SME, year=year)
        .exclude(revoked_on__lte=year_end(year))
        .values("organization__area_id")
        .annotate(count=Count("organization_id", distinct=True))
        .order_by()
    )
    rows = {r["organization__area_id"]: {"count": r["count"]} for r in qs}
    return (
        rows,
        [_sql(qs)],
        (f"{year}年入库且年末未移出的科技型中小企业数", f"tech SMEs registered for {year} and not removed by 31 December"),
    )


def _grouped_platforms_approved(params, year, statuses):
    from heluo.platforms.models import Platform, PlatformKind, PlatformLevel

    approved = approved_platforms(year_end(year), params.get("kinds"), params.get("levels"))
    qs = Platform.objects.filter(pk__in=approved.values("pk")).values("area_id").annotate(count=Count("pk")).order_by()
    rows = {r["area_id"]: {"count": r["count"]} for r in qs}
    kinds = _both(lambda sep: sep.join(str(PlatformKind(k).label) for k in params.get("kinds") or []))
    levels = _both(lambda sep: sep.join(str(PlatformLevel(k).label) for k in params.get("levels") or []))
    return (
        rows,
        [_sql(qs)],
        (
            f"{year}年12月31日处于认定状态的平台数（{kinds[0] or '全部类型'}{'；' + levels[0] if levels[0] else ''}）",
            f"platforms in approved status on 31 December {year} ({kinds[1] or 'all kinds'}{'; ' + levels[1] if levels[1] else ''})",
        ),
    )


GROUPED = {
    "qualifications_valid": _grouped_qualifications_valid,
    "tech_sme_registered": _grouped_tech_sme_registered,
    "platforms_approved": _grouped_platforms_approved,
}


def annual_records(year, statuses):
    from heluo.orgs.models import EnterpriseAnnual

    return EnterpriseAnnual.objects.filter(year=year, status__in=statuses)


def _grouped_annual_sum(field_name, year, statuses):
    qs = (
        annual_records(year, statuses)
        .values("organization__area_id")
        .annotate(sum=Sum(field_name), records=Count(field_name), enterprises=Count("pk"))
        .order_by()
    )
    rows = {r["organization__area_id"]: {"sum": as_float(r["sum"]), "records": r["records"], "enterprises": r["enterprises"]} for r in qs}
    name, st = _field_label(field_name), status_labels(statuses)
    return (
        rows,
        [_sql(qs)],
        (f"{year}年企业年报（{st[0]}）“{name[0]}”合计", f"sum of “{name[1]}” in the enterprises' {year} annual data ({st[1]})"),
    )


def _grouped_annual_ratio(fields, year, statuses):
    num, den = fields
    both = Q(**{f"{num}__isnull": False, f"{den}__gt": 0})
    qs = (
        annual_records(year, statuses)
        .filter(both)
        .values("organization__area_id")
        .annotate(numerator=Sum(num), denominator=Sum(den), records=Count("pk"))
        .order_by()
    )
    rows = {
        r["organization__area_id"]: {
            "numerator": as_float(r["numerator"]),
            "denominator": as_float(r["denominator"]),
            "records": r["records"],
        }
        for r in qs
    }
    a, b, st = _field_label(num), _field_label(den), status_labels(statuses)
    return (
        rows,
        [_sql(qs)],
        (
            f"{year}年企业年报（{st[0]}）中同时报送“{a[0]}”和“{b[0]}”（>0）的企业：Σ{a[0]} ÷ Σ{b[0]}",
            f"enterprises reporting both “{a[1]}” and “{b[1]}” (> 0) in their {year} annual data ({st[1]}): Σ {a[1]} ÷ Σ {b[1]}",
        ),
    )


def _grouped_annual_growth(field_name, year, statuses):
    from heluo.orgs.models import EnterpriseAnnual

    previous = EnterpriseAnnual.objects.filter(
        organization=OuterRef("organization"), year=year - 1, status__in=statuses, **{f"{field_name}__isnull": False}
    ).values(field_name)[:1]
    qs = (
        annual_records(year, statuses)
        .filter(**{f"{field_name}__isnull": False})
        .annotate(previous_value=Subquery(previous))
        .filter(previous_value__isnull=False)
        .values("organization__area_id")
        .annotate(current=Sum(field_name), previous=Sum("previous_value"), records=Count("pk"))
        .order_by()
    )
    rows = {
        r["organization__area_id"]: {"current": as_float(r["current"]), "previous": as_float(r["previous"]), "records": r["records"]}
        for r in qs
    }
    name, st = _field_label(field_name), status_labels(statuses)
    return (
        rows,
        [_sql(qs)],
        (
            f"{year - 1}年和{year}年都报送“{name[0]}”的企业（{st[0]}）：Σ{year} ÷ Σ{year - 1} − 1",
            f"enterprises reporting “{name[1]}” for both {year - 1} and {year} ({st[1]}): Σ {year} ÷ Σ {year - 1} − 1",
        ),
    )


class Measurer:
    """Evaluates the definition's measures for a year, once each (a change_of reuses its indicator)."""

    def __init__(self, definition: Definition, units, area_unit, areas):
        self.definition, self.units, self.area_unit, self.areas = definition, units, area_unit, areas
        self._cache: dict = {}
        self._plan_indicators = None

    def plan_indicator(self, code):
        from ..models import Indicator

        if self._plan_indicators is None:
            codes = [i.measure["plan_indicator"] for i in self.definition.indicators if "plan_indicator" in i.measure]
            qs = Indicator.objects.filter(code__in=codes).select_related("plan", "plan__city")
            qs = qs.filter(plan__code=self.definition.plan) if self.definition.plan else qs.filter(plan__city__code=self.definition.city)
            self._plan_indicators = {i.code: i for i in qs}
        indicator = self._plan_indicators.get(code)
        if indicator is None:
            raise AssessmentError(
                f"规划指标 {code} 不在数据库中，请先运行 heluo plan load",
                f"plan indicator {code} is not in the database: run `heluo plan load`",
            )
        if not indicator.computation:
            raise AssessmentError(
                f"规划指标 {code} 是统计报送指标，不能按县区由平台记录计算",
                f"plan indicator {code} is a reported statistic: it cannot be computed per district from records",
            )
        return indicator

    def computation_of(self, ind: AssessedIndicator):
        """(computation key, params, plan Indicator or None) of a computed measure."""
        m = ind.measure
        if "plan_indicator" in m:
            pi = self.plan_indicator(m["plan_indicator"])
            return pi.computation, pi.computation_params or {}, pi
        return m["computation"], m.get("params") or {}, None

    def by_unit(self, ind: AssessedIndicator, year: int) -> tuple[dict[str, dict], dict, dict]:
        """({unit: parts}, {unassigned parts}, trace)."""
        key = (ind.code, year)
        if key in self._cache:
            return self._cache[key]
        m, statuses = ind.measure, self.definition.annual_statuses
        trace = {"kind": ind.measure_kind, "measure": m}
        if "plan_indicator" in m or "computation" in m:
            computation, params, plan_indicator = self.computation_of(ind)
            trace.update(computation=computation, params=params)
            if plan_indicator is not None:
                trace.update(plan_indicator=plan_indicator.code, plan_indicator_name=plan_indicator.name_zh)
            if computation in GROUPED:
                grouped = GROUPED[computation](params, year, statuses)
            else:
                result = self._per_unit(computation, params, plan_indicator, year)
                self._cache[key] = result
                return result
        elif "annual_sum" in m:
            grouped = _grouped_annual_sum(m["annual_sum"], year, statuses)
        elif "annual_ratio" in m:
            grouped = _grouped_annual_ratio(m["annual_ratio"], year, statuses)
        elif "annual_growth" in m:
            grouped = _grouped_annual_growth(m["annual_growth"], year, statuses)
        else:  # change_of
            base = self.definition.indicator(m["change_of"])
            now, now_out, now_trace = self.by_unit(base, year)
            before, before_out, before_trace = self.by_unit(base, year - 1)
            parts = {
                u.code: {"current": value_of(base, now.get(u.code, {})), "previous": value_of(base, before.get(u.code, {}))}
                for u in self.units
            }
            trace.update(
                description_zh=f"“{base.name_zh}”{year}年值 − {year - 1}年值",
                description_en=f"{base.name_en or base.name_zh}: value for {year} − value for {year - 1}",
                queries=now_trace.get("queries", []) + before_trace.get("queries", []),
                base=base.code,
                unassigned={
                    "current": value_of(base, now_out) if now_out else None,
                    "previous": value_of(base, before_out) if before_out else None,
                },
            )
            result = (parts, {}, trace)
            self._cache[key] = result
            return result
        rows, queries, (zh, en) = grouped
        parts, unassigned, unassigned_areas = defaultdict(lambda: defaultdict(float)), defaultdict(float), set()
        for area_id, values in rows.items():
            unit = self.area_unit.get(area_id)
            target = parts[unit] if unit else unassigned
            if not unit:
                area = self.areas.get(area_id)
                unassigned_areas.add(area.code if area else str(area_id))
            for k, v in values.items():
                target[k] += v
        trace.update(
            description_zh=zh, description_en=en, queries=queries, unassigned=dict(unassigned), unassigned_areas=sorted(unassigned_areas)
        )
        result = ({u: dict(p) for u, p in parts.items()}, dict(unassigned), trace)
        self._cache[key] = result
        return result

    def _per_unit(self, computation, params, plan_indicator, year):
        """A computation without a grouped form: selectors.compute_indicator for each unit."""
        from ..models import Indicator, Plan

        indicator = plan_indicator
        if indicator is None:
            plan = Plan.objects.filter(city__code=self.definition.city).order_by("-period_start").first()
            indicator = Indicator(plan=plan, code="assessment", computation=computation, computation_params=params)
        parts, notes = {}, []
        for u in self.units:
            try:
                parts[u.code] = {"value": float(compute_indicator(indicator, year, self.areas[u.area_id]))}
            except NotComputable as exc:
                parts[u.code] = {"value": None}
                notes.append(f"{u.code}: {exc.zh} / {exc.en}")
        spec = COMPUTATIONS[computation]
        trace = {
            "kind": "computation",
            "computation": computation,
            "params": params,
            "description_zh": f"{spec.label_zh}（逐个县区调用 compute_indicator）",
            "description_en": f"{spec.label_en} (compute_indicator per unit)",
            "queries": [],
            "notes": notes,
            "unassigned": {},
        }
        if plan_indicator is not None:
            trace.update(plan_indicator=plan_indicator.code, plan_indicator_name=plan_indicator.name_zh)
        return parts, {}, trace


def build_matrix(definition: Definition, year: int) -> Matrix:
    """The raw value of every indicator for every unit in the year, with the parts (counts, sums, records)
    behind each value and, per indicator, the query it came from. About one query per indicator."""
    units, area_unit, areas = assessment_units(definition, year)
    measurer = Measurer(definition, units, area_unit, areas)
    values = {u.code: {} for u in units}
    cells = {u.code: {} for u in units}
    traces = {}
    for ind in definition.indicators:
        parts, _unassigned, trace = measurer.by_unit(ind, year)
        for u in units:
            p = parts.get(u.code, {})
            value = value_of(ind, p)
            if value is not None and not math.isfinite(value):
                value = None
            values[u.code][ind.code] = value
            cells[u.code][ind.code] = p
        traces[ind.code] = trace
    return Matrix(year, units, values, cells, traces, area_unit, areas)


def assess(
    definition: Definition,
    year: int,
    overrides: dict | None = None,
    *,
    matrix: Matrix | None = None,
    sensitivity: bool = True,
    choices: Choices | None = None,
) -> Assessment:
    """Composite index of the year's records (or of the given matrix) and, unless sensitivity=False or runs=0,
    the Monte Carlo rank intervals."""
    choices = choices or resolve_choices(definition, overrides)
    if matrix is not None:
        return assess_matrix(definition, matrix, choices, sensitivity=sensitivity)
    # the records' index with seeded Monte Carlo runs: the same while the definition, method and records are
    key = ("plan:assessment", definition.digest, year, repr(choices), sensitivity)
    return kept(key, lambda: assess_matrix(definition, build_matrix(definition, year), choices, sensitivity=sensitivity), **_sources())


def _sources() -> dict:
    """What build_matrix reads (heluo.core.figures keeps an assessment until one of them changes)."""
    from heluo.geo.models import Area, PlanningZone
    from heluo.orgs.models import EnterpriseAnnual, Organization, Qualification
    from heluo.platforms.models import Platform, PlatformStatusChange
    from heluo.taxonomy.models import Cluster

    from ..models import Indicator, Plan

    audited = (EnterpriseAnnual, Qualification, Organization, Platform, PlatformStatusChange, Indicator, Plan)
    return {"audited": audited, "reference": (Area, PlanningZone, Cluster)}


@dataclass
class Reproduction:
    result: dict  # recomputed from the stored definition, method and data matrix
    same_result: bool  # equal to the stored result
    definition_intact: bool  # the stored copy of the definition still has its digest
    data_unchanged: bool | None  # the records today give the same matrix (None: not checked)
    current_definition_same: bool | None  # today's definition file has the same digest (None: no such file)


def reproduce_run(run, check_records: bool = True) -> Reproduction:
    """Recompute a stored run from what it stored; optionally compare the records today with its data."""
    definition = parse_definition(run.definition)
    matrix = Matrix.from_dict(run.inputs)
    recomputed = assess(
        definition, run.year, matrix=matrix, choices=Choices.from_dict(run.method), sensitivity=bool(run.result.get("sensitivity"))
    ).as_dict()
    data_unchanged = None
    if check_records:
        try:
            data_unchanged = build_matrix(definition, run.year).digest == run.data_digest
        except AssessmentError:
            data_unchanged = False
    try:
        current = load_definition_by_code(run.definition_code)
        current_same = None if current is None else current.digest == run.definition_digest
    except AssessmentError:
        current_same = None
    return Reproduction(recomputed, recomputed == run.result, definition.digest == run.definition_digest, data_unchanged, current_same)


def load_definition_by_code(code: str) -> Definition | None:
    for path in definition_files():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if data.get("code") == code:
            return parse_definition(data)
    return None


def stored_run(year: int, definition: Definition):
    """The latest stored (published) run of the year for the definition, or None."""
    from ..models import AssessmentRun

    return AssessmentRun.objects.filter(year=year, definition_code=definition.code).order_by("-created", "-pk").first()


def latest_result(year: int, definition: Definition | None = None) -> dict[str, dict]:
    """{area code: {"score", "rank", "zone_rank"}} for the dashboard's map: the latest saved (published) run
    of the year, else computed now from the records (no Monte Carlo). {} when nothing can be assessed."""
    try:
        definition = definition or load_definition()
        run = stored_run(year, definition)
        scores = run.result["scores"] if run else assess(definition, year, sensitivity=False).as_dict()["scores"]
    except AssessmentError:
        return {}
    return {s["district"]: {"score": s["score"], "rank": s["rank"], "zone_rank": s["zone_rank"]} for s in scores}
