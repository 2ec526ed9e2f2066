"""District assessment (县区考核): a composite innovation index per district and year, computed from the
platform's own records, with its Monte Carlo sensitivity analysis, shown with method, weights and data.

The assessment is data: ``heluo/plan/data/assessments/<city>.json`` names the indicators (with direction,
a target per planning zone, a weight per planning zone and how each is measured), the assessed units and
the method defaults. Another city = another file. The numbers are done by :mod:`heluo.plan.composite`
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

import datetime as dt
import hashlib
import json
import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db.models import Count, OuterRef, Q, Subquery, Sum

from heluo.core.i18n import is_chinese

from . import composite as C
from .selectors import (
    COMPUTATIONS,
    NotComputable,
    approved_platforms,
    compute_indicator,
    year_end,
)

DEFINITION_DIR = Path(__file__).resolve().parent / "data" / "assessments"
WEIGHTINGS = ("zone", "common", "equal")
MEASURE_KINDS = ("plan_indicator", "computation", "annual_sum", "annual_ratio", "annual_growth", "change_of")
ANNUAL_FIELDS = (
    "operating_revenue",
    "sales_revenue",
    "hitech_income",
    "total_income",
    "rd_expense",
    "rd_expense_domestic",
    "total_staff",
    "st_staff",
    "net_assets",
    "total_assets",
    "ip_class1",
    "ip_class2",
    "invention_patents",
    "high_value_invention_patents",
    "tech_contract_income",
    "equity_financing",
)
GROUPED_COMPUTATIONS = ("qualifications_valid", "tech_sme_registered", "platforms_approved")
MAX_RUNS = 20000


class AssessmentError(ValueError):
    """A definition or request that cannot be assessed; bilingual, shown without a traceback."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en

    @property
    def message(self) -> str:
        return self.zh if is_chinese() else self.en


def _local(zh: str, en: str) -> str:
    return zh if is_chinese() else (en or zh)


# --------------------------------------------------------------------------------------------------
# The definition
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssessedIndicator:
    code: str
    name_zh: str
    name_en: str
    unit: str
    unit_en: str
    direction: int
    measure: dict
    targets: dict  # {zone: target}
    weights: dict  # {zone: weight} as written (not normalised)
    decimals: int = 2
    citation: str = ""

    @property
    def name(self) -> str:
        return _local(self.name_zh, self.name_en)

    @property
    def unit_label(self) -> str:
        return _local(self.unit, self.unit_en)

    @property
    def measure_kind(self) -> str:
        return next(k for k in MEASURE_KINDS if k in self.measure)

    def spec(self) -> C.IndicatorSpec:
        return C.IndicatorSpec(self.code, self.direction, dict(self.targets) or None, self.name_zh, self.name_en)


@dataclass(frozen=True)
class Definition:
    code: str
    version: str
    city: str
    plan: str
    name_zh: str
    name_en: str
    note_zh: str
    note_en: str
    source: str
    units: dict
    annual_statuses: tuple[str, ...]
    annual_note_zh: str
    annual_note_en: str
    method: C.Method
    sensitivity: C.SensitivityConfig
    zones: tuple[str, ...]
    indicators: tuple[AssessedIndicator, ...]
    data: dict  # the definition as written, stored with every saved run
    digest: str  # SHA-256 of the canonical JSON of `data`

    @property
    def name(self) -> str:
        return _local(self.name_zh, self.name_en)

    @property
    def note(self) -> str:
        return _local(self.note_zh, self.note_en)

    def indicator(self, code: str) -> AssessedIndicator:
        for i in self.indicators:
            if i.code == code:
                return i
        raise AssessmentError(f"评价定义中没有指标“{code}”", f"no indicator {code!r} in the assessment definition")

    def weights(self, weighting: str = "zone") -> dict[str, dict[str, float]]:
        """{zone: {indicator: weight}} as written ("zone"), the zones' mean normalised weights for every zone
        ("common": one standard for all), or equal weights ("equal")."""
        per_zone = {z: {i.code: float(i.weights.get(z, 0)) for i in self.indicators} for z in self.zones}
        if weighting == "zone":
            return per_zone
        if weighting == "equal":
            return {z: {i.code: 1.0 for i in self.indicators} for z in self.zones}
        if weighting == "common":
            shares = [{c: w / sum(ws.values()) for c, w in ws.items()} for ws in per_zone.values()]
            mean = {i.code: sum(s[i.code] for s in shares) / len(shares) for i in self.indicators}
            return {z: dict(mean) for z in self.zones}
        raise AssessmentError(f"未知的权重方案“{weighting}”", f"unknown weighting {weighting!r}")


def canonical_digest(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


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
    return definition_from_dict(data)


def definition_from_dict(data: dict) -> Definition:
    """Parse and check a definition; every problem is an AssessmentError naming the place."""
    try:
        return _parse_definition(data)
    except AssessmentError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise AssessmentError(f"考核定义内容有误：{exc!r}", f"unexpected content in the assessment definition: {exc!r}") from None


def _parse_definition(data: dict) -> Definition:
    zones = tuple(data["zones"])
    indicators, seen = [], set()
    for item in data["indicators"]:
        code = item["code"]
        if code in seen:
            raise ValueError(f"indicator {code}: duplicate code")
        seen.add(code)
        measure = dict(item["measure"])
        kinds = [k for k in MEASURE_KINDS if k in measure]
        if len(kinds) != 1:
            raise ValueError(f"indicator {code}: the measure needs exactly one of {MEASURE_KINDS}")
        kind = kinds[0]
        if kind == "computation" and measure["computation"] not in COMPUTATIONS:
            raise ValueError(f"indicator {code}: unknown computation {measure['computation']!r}")
        for f in _annual_fields(measure):
            if f not in ANNUAL_FIELDS:
                raise ValueError(f"indicator {code}: {f!r} is not a field of the enterprises' annual data")
        if kind == "change_of" and measure["change_of"] not in seen - {code}:
            raise ValueError(f"indicator {code}: change_of must name an indicator listed before it")
        weights = {z: float(w) for z, w in (item.get("weights") or {}).items()}
        unknown = set(weights) - set(zones)
        if unknown:
            raise ValueError(f"indicator {code}: weights for unknown zones {sorted(unknown)}")
        if any(w < 0 for w in weights.values()):
            raise ValueError(f"indicator {code}: negative weight")
        indicators.append(
            AssessedIndicator(
                code=code,
                name_zh=item["name_zh"],
                name_en=item.get("name_en", ""),
                unit=item.get("unit", ""),
                unit_en=item.get("unit_en", ""),
                direction=int(item.get("direction", 1)),
                measure=measure,
                targets={z: float(t) for z, t in (item.get("targets") or {}).items() if t is not None},
                weights=weights,
                decimals=int(item.get("decimals", 2)),
                citation=item.get("citation", ""),
            )
        )
        C.IndicatorSpec(code, indicators[-1].direction)  # direction must be 1 or -1
    for z in zones:
        if sum(i.weights.get(z, 0) for i in indicators) <= 0:
            raise ValueError(f"zone {z}: the weights sum to zero")
    m, s = data.get("method") or {}, data.get("sensitivity") or {}
    method = C.Method(
        normalisation=m.get("normalisation", "minmax"),
        aggregation=m.get("aggregation", "arithmetic"),
        geometric_floor=float(m.get("geometric_floor", 0.1)),
        target_cap=None if m.get("target_cap") is None else float(m["target_cap"]),
        min_coverage=float(m.get("min_coverage", 0.5)),
    )
    config = C.SensitivityConfig(
        runs=int(s.get("runs", 1000)),
        seed=int(s.get("seed", 0)),
        weight_spread=float(s.get("weight_spread", 0.5)),
        vary_weights=bool(s.get("vary_weights", True)),
        normalisations=tuple(s.get("normalisations", C.NORMALISATIONS)),
        aggregations=tuple(s.get("aggregations", C.AGGREGATIONS)),
    )
    annual = data.get("annual_data") or {}
    return Definition(
        code=data["code"],
        version=str(data.get("version", "")),
        city=data["city"],
        plan=data.get("plan", ""),
        name_zh=data["name_zh"],
        name_en=data.get("name_en", ""),
        note_zh=data.get("note_zh", ""),
        note_en=data.get("note_en", ""),
        source=data.get("source", ""),
        units=dict(data.get("units") or {}),
        annual_statuses=tuple(annual.get("statuses") or ("submitted", "verified")),
        annual_note_zh=annual.get("note_zh", ""),
        annual_note_en=annual.get("note_en", ""),
        method=method,
        sensitivity=config,
        zones=zones,
        indicators=tuple(indicators),
        data=data,
        digest=canonical_digest(data),
    )


def _annual_fields(measure: dict) -> list[str]:
    if "annual_sum" in measure:
        return [measure["annual_sum"]]
    if "annual_ratio" in measure:
        return list(measure["annual_ratio"])
    if "annual_growth" in measure:
        return [measure["annual_growth"]]
    return []


# --------------------------------------------------------------------------------------------------
# Method choices (definition defaults, overridden from the page or the command line)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    method: C.Method
    config: C.SensitivityConfig | None  # None: no Monte Carlo
    weighting: str = "zone"

    def as_dict(self) -> dict:
        return {
            **asdict(self.method),
            "weighting": self.weighting,
            "runs": self.config.runs if self.config else 0,
            "seed": self.config.seed if self.config else None,
            "weight_spread": self.config.weight_spread if self.config else None,
            "vary_weights": self.config.vary_weights if self.config else None,
            "mc_normalisations": list(self.config.normalisations) if self.config else [],
            "mc_aggregations": list(self.config.aggregations) if self.config else [],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Choices:
        method = C.Method(**{k: data[k] for k in ("normalisation", "aggregation", "geometric_floor", "target_cap", "min_coverage")})
        config = None
        if data.get("runs"):
            config = C.SensitivityConfig(
                runs=data["runs"],
                seed=data["seed"],
                vary_weights=data["vary_weights"],
                weight_spread=data["weight_spread"],
                normalisations=tuple(data["mc_normalisations"]),
                aggregations=tuple(data["mc_aggregations"]),
            )
        return cls(method, config, data.get("weighting", "zone"))


def resolve_choices(definition: Definition, overrides: dict | None = None) -> Choices:
    """The definition's method with the given overrides (None values are ignored). runs = 0: no Monte Carlo."""
    o = {k: v for k, v in (overrides or {}).items() if v is not None and v != ""}
    try:
        method = replace(
            definition.method,
            **{k: o[k] for k in ("normalisation", "aggregation", "min_coverage", "geometric_floor", "target_cap") if k in o},
        )
        runs = int(o.get("runs", definition.sensitivity.runs))
        if not 0 <= runs <= MAX_RUNS:
            raise ValueError(f"runs must be between 0 and {MAX_RUNS}")
        config = (
            None
            if runs == 0
            else replace(
                definition.sensitivity,
                runs=runs,
                seed=int(o.get("seed", definition.sensitivity.seed)),
                weight_spread=float(o.get("weight_spread", definition.sensitivity.weight_spread)),
            )
        )
    except (TypeError, ValueError) as exc:
        raise AssessmentError(f"方法选择无效：{exc}", f"invalid method choice: {exc}") from None
    weighting = o.get("weighting", "zone")
    if weighting not in WEIGHTINGS:
        raise AssessmentError(f"未知的权重方案“{weighting}”", f"unknown weighting {weighting!r}")
    return Choices(method, config, weighting)


# --------------------------------------------------------------------------------------------------
# Assessed units
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    code: str
    name_zh: str
    name_en: str
    kind: str
    zone: str
    area_id: int | None = None

    @property
    def name(self) -> str:
        return _local(self.name_zh, self.name_en)


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


def _status_labels(statuses) -> tuple[str, str]:
    from heluo.orgs.models import DataStatus

    return _both(lambda sep: sep.join(str(DataStatus(s).label) for s in statuses))


def _sql(qs) -> str:
    try:
        return str(qs.query)
    except Exception:  # noqa: BLE001 - a query that cannot print itself is still a query
        return repr(qs.query)


def _f(value) -> float:
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


def _annual_qs(year, statuses):
    from heluo.orgs.models import EnterpriseAnnual

    return EnterpriseAnnual.objects.filter(year=year, status__in=statuses)


def _grouped_annual_sum(field_name, year, statuses):
    qs = (
        _annual_qs(year, statuses)
        .values("organization__area_id")
        .annotate(sum=Sum(field_name), records=Count(field_name), enterprises=Count("pk"))
        .order_by()
    )
    rows = {r["organization__area_id"]: {"sum": _f(r["sum"]), "records": r["records"], "enterprises": r["enterprises"]} for r in qs}
    name, st = _field_label(field_name), _status_labels(statuses)
    return (
        rows,
        [_sql(qs)],
        (f"{year}年企业年报（{st[0]}）“{name[0]}”合计", f"sum of “{name[1]}” in the enterprises' {year} annual data ({st[1]})"),
    )


def _grouped_annual_ratio(fields, year, statuses):
    num, den = fields
    both = Q(**{f"{num}__isnull": False, f"{den}__gt": 0})
    qs = (
        _annual_qs(year, statuses)
        .filter(both)
        .values("organization__area_id")
        .annotate(numerator=Sum(num), denominator=Sum(den), records=Count("pk"))
        .order_by()
    )
    rows = {
        r["organization__area_id"]: {"numerator": _f(r["numerator"]), "denominator": _f(r["denominator"]), "records": r["records"]}
        for r in qs
    }
    a, b, st = _field_label(num), _field_label(den), _status_labels(statuses)
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
        _annual_qs(year, statuses)
        .filter(**{f"{field_name}__isnull": False})
        .annotate(previous_value=Subquery(previous))
        .filter(previous_value__isnull=False)
        .values("organization__area_id")
        .annotate(current=Sum(field_name), previous=Sum("previous_value"), records=Count("pk"))
        .order_by()
    )
    rows = {r["organization__area_id"]: {"current": _f(r["current"]), "previous": _f(r["previous"]), "records": r["records"]} for r in qs}
    name, st = _field_label(field_name), _status_labels(statuses)
    return (
        rows,
        [_sql(qs)],
        (
            f"{year - 1}年和{year}年都报送“{name[0]}”的企业（{st[0]}）：Σ{year} ÷ Σ{year - 1} − 1",
            f"enterprises reporting “{name[1]}” for both {year - 1} and {year} ({st[1]}): Σ {year} ÷ Σ {year - 1} − 1",
        ),
    )


# --------------------------------------------------------------------------------------------------
# The data matrix
# --------------------------------------------------------------------------------------------------


@dataclass
class Matrix:
    year: int
    units: list[Unit]
    values: dict[str, dict[str, float | None]]  # {unit: {indicator: raw value}}
    cells: dict[str, dict[str, dict]]  # {unit: {indicator: parts (counts, sums) behind the value}}
    traces: dict[str, dict]  # {indicator: how it was measured: description, queries, unassigned parts}
    area_unit: dict[int, str | None] = field(default_factory=dict)
    areas: dict = field(default_factory=dict, repr=False)

    @property
    def zones(self) -> dict[str, str]:
        return {u.code: u.zone for u in self.units}

    def unit(self, code: str) -> Unit:
        for u in self.units:
            if u.code == code:
                return u
        raise AssessmentError(f"没有考核单位“{code}”", f"no assessed unit {code!r}")

    def unit_area_ids(self, code: str) -> set[int]:
        return {pk for pk, u in self.area_unit.items() if u == code}

    @property
    def digest(self) -> str:
        return canonical_digest({"year": self.year, "zones": self.zones, "values": self.values})

    def as_dict(self) -> dict:
        return {
            "year": self.year,
            "units": [asdict(u) for u in self.units],
            "values": self.values,
            "cells": self.cells,
            "traces": self.traces,
            "digest": self.digest,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Matrix:
        return cls(
            year=data["year"],
            units=[Unit(**u) for u in data["units"]],
            values=data["values"],
            cells=data.get("cells", {}),
            traces=data.get("traces", {}),
        )


class _Measurer:
    """Evaluates the definition's measures for a year, once each (a change_of reuses its indicator)."""

    def __init__(self, definition: Definition, units, area_unit, areas):
        self.definition, self.units, self.area_unit, self.areas = definition, units, area_unit, areas
        self._cache: dict = {}
        self._plan_indicators = None

    def plan_indicator(self, code):
        from .models import Indicator

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

    def _computation(self, ind: AssessedIndicator):
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
            computation, params, plan_indicator = self._computation(ind)
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
                u.code: {"current": _value_of(base, now.get(u.code, {})), "previous": _value_of(base, before.get(u.code, {}))}
                for u in self.units
            }
            trace.update(
                description_zh=f"“{base.name_zh}”{year}年值 − {year - 1}年值",
                description_en=f"{base.name_en or base.name_zh}: value for {year} − value for {year - 1}",
                queries=now_trace.get("queries", []) + before_trace.get("queries", []),
                base=base.code,
                unassigned={
                    "current": _value_of(base, now_out) if now_out else None,
                    "previous": _value_of(base, before_out) if before_out else None,
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
        from .models import Indicator, Plan

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


def _value_of(ind: AssessedIndicator, parts: dict) -> float | None:
    """The raw value of an indicator from its parts."""
    m = ind.measure
    if "annual_sum" in m:
        return parts.get("sum", 0.0) * float(m.get("scale", 1))
    if "annual_ratio" in m:
        den = parts.get("denominator", 0.0)
        return None if not den else parts.get("numerator", 0.0) / den * float(m.get("scale", 1))
    if "annual_growth" in m:
        prev = parts.get("previous", 0.0)
        return None if not prev else (parts.get("current", 0.0) / prev - 1) * 100
    if "change_of" in m:
        cur, prev = parts.get("current"), parts.get("previous")
        return None if cur is None or prev is None else cur - prev
    if "value" in parts:
        return parts["value"]
    return float(parts.get("count", 0))


def build_matrix(definition: Definition, year: int) -> Matrix:
    """The raw value of every indicator for every unit in the year, with the parts (counts, sums, records)
    behind each value and, per indicator, the query it came from. About one query per indicator."""
    units, area_unit, areas = assessment_units(definition, year)
    measurer = _Measurer(definition, units, area_unit, areas)
    values = {u.code: {} for u in units}
    cells = {u.code: {} for u in units}
    traces = {}
    for ind in definition.indicators:
        parts, _unassigned, trace = measurer.by_unit(ind, year)
        for u in units:
            p = parts.get(u.code, {})
            value = _value_of(ind, p)
            if value is not None and not math.isfinite(value):
                value = None
            values[u.code][ind.code] = value
            cells[u.code][ind.code] = p
        traces[ind.code] = trace
    return Matrix(year, units, values, cells, traces, area_unit, areas)


# --------------------------------------------------------------------------------------------------
# The assessment
# --------------------------------------------------------------------------------------------------


@dataclass
class Assessment:
    definition: Definition
    matrix: Matrix
    choices: Choices
    result: C.CompositeResult
    sensitivity: C.SensitivityResult | None

    @property
    def year(self) -> int:
        return self.matrix.year

    def as_dict(self) -> dict:
        """The result as plain JSON data (what a saved run stores and the page shows)."""
        return _jsonable(
            {
                "definition": {
                    "code": self.definition.code,
                    "version": self.definition.version,
                    "digest": self.definition.digest,
                    "name_zh": self.definition.name_zh,
                    "name_en": self.definition.name_en,
                },
                "year": self.year,
                "method": self.choices.as_dict(),
                "weights": self.result.weights,
                "stats": {c: asdict(s) for c, s in self.result.stats.items()},
                "scores": [asdict(d) for d in self.result.districts],
                "sensitivity": self.sensitivity.to_dict() if self.sensitivity else None,
                "data_digest": self.matrix.digest,
            }
        )


def _jsonable(data):
    return json.loads(json.dumps(data, ensure_ascii=False, default=_json_default))


def _json_default(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value)}")


def assess(
    definition: Definition,
    year: int,
    overrides: dict | None = None,
    *,
    matrix: Matrix | None = None,
    sensitivity: bool = True,
    choices: Choices | None = None,
) -> Assessment:
    """Composite index and, unless sensitivity=False or runs=0, the Monte Carlo rank intervals."""
    choices = choices or resolve_choices(definition, overrides)
    matrix = matrix or build_matrix(definition, year)
    specs = [i.spec() for i in definition.indicators]
    weights = definition.weights(choices.weighting)
    try:
        result = C.compute_index(matrix.values, specs, matrix.zones, weights, choices.method)
        mc = None
        if sensitivity and choices.config is not None:
            mc = C.sensitivity(matrix.values, specs, matrix.zones, weights, choices.method, choices.config)
    except ValueError as exc:
        raise AssessmentError(f"无法计算综合指数：{exc}", f"the index cannot be computed: {exc}") from None
    return Assessment(definition, matrix, choices, result, mc)


# --------------------------------------------------------------------------------------------------
# Stored runs
# --------------------------------------------------------------------------------------------------


def save_run(assessment: Assessment, user=None, note: str = ""):
    from .models import AssessmentRun

    return AssessmentRun.objects.create(
        year=assessment.year,
        definition_code=assessment.definition.code,
        definition_version=assessment.definition.version,
        definition_digest=assessment.definition.digest,
        definition=assessment.definition.data,
        method=assessment.choices.as_dict(),
        inputs=_jsonable(assessment.matrix.as_dict()),
        data_digest=assessment.matrix.digest,
        result=assessment.as_dict(),
        note=note[:300],
        created_by=user if getattr(user, "pk", None) else None,
    )


@dataclass
class Reproduction:
    result: dict  # recomputed from the stored definition, method and data matrix
    same_result: bool  # equal to the stored result
    definition_intact: bool  # the stored copy of the definition still has its digest
    data_unchanged: bool | None  # the records today give the same matrix (None: not checked)
    current_definition_same: bool | None  # today's definition file has the same digest (None: no such file)


def reproduce_run(run, check_records: bool = True) -> Reproduction:
    """Recompute a stored run from what it stored; optionally compare the records today with its data."""
    definition = definition_from_dict(run.definition)
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
            return definition_from_dict(data)
    return None


def latest_result(year: int, definition: Definition | None = None) -> dict[str, dict]:
    """{area code: {"score", "rank", "zone_rank"}} for the dashboard's map: the latest saved (published) run
    of the year, else computed now from the records (no Monte Carlo). {} when nothing can be assessed."""
    from .models import AssessmentRun

    try:
        definition = definition or load_definition()
        run = AssessmentRun.objects.filter(year=year, definition_code=definition.code).order_by("-created", "-pk").first()
        scores = run.result["scores"] if run else assess(definition, year, sensitivity=False).as_dict()["scores"]
    except AssessmentError:
        return {}
    return {s["district"]: {"score": s["score"], "rank": s["rank"], "zone_rank": s["zone_rank"]} for s in scores}


# --------------------------------------------------------------------------------------------------
# "How to check your own score": one unit's computation, step by step
# --------------------------------------------------------------------------------------------------


def _fmt(x, places=4) -> str:
    if x is None:
        return "—"
    return f"{x:,.{places}f}"


def explain(data: dict, unit: str, definition: Definition) -> dict:
    """Raw → normalised (with the formula and its numbers) → × weight → sum, for one unit, from a result dict."""
    score = next((s for s in data["scores"] if s["district"] == unit), None)
    if score is None:
        raise AssessmentError(f"结果中没有“{unit}”", f"{unit!r} is not in the result")
    method = data["method"]
    norm, geometric = method["normalisation"], method["aggregation"] == "geometric"
    steps = []
    for ind in definition.indicators:
        c = ind.code
        st = data["stats"][c]
        x, n = score["raw"].get(c), score["normalised"].get(c)
        d = st["direction"]
        places = max(ind.decimals, 2)
        if all(v is None or float(v).is_integer() for v in (x, st["minimum"], st["maximum"], st["targets"].get(unit))):
            places = 0  # counts: shown exactly, as integers
        formula = ""
        if x is not None:
            if norm == "minmax":
                if st["maximum"] == st["minimum"]:
                    formula = "max = min → 0.5"
                elif d == 1:
                    formula = f"(x − min) / (max − min) = ({_fmt(x, places)} − {_fmt(st['minimum'], places)}) / ({_fmt(st['maximum'], places)} − {_fmt(st['minimum'], places)})"
                else:
                    formula = f"(max − x) / (max − min) = ({_fmt(st['maximum'], places)} − {_fmt(x, places)}) / ({_fmt(st['maximum'], places)} − {_fmt(st['minimum'], places)})"
            elif norm == "zscore":
                formula = (
                    "sd = 0 → 0"
                    if not st["sd"]
                    else f"{'' if d == 1 else '−'}(x − mean) / sd = {'' if d == 1 else '−'}({_fmt(x, places)} − {_fmt(st['mean'])}) / {_fmt(st['sd'])}"
                )
            else:
                t = st["targets"].get(unit)
                formula = f"1 {'+' if d == 1 else '−'} (x − target) / |target| = 1 {'+' if d == 1 else '−'} ({_fmt(x, places)} − {_fmt(t, places)}) / {_fmt(abs(t) if t else t, places)}"
                if method.get("target_cap") is not None:
                    formula += f"，≤ {method['target_cap']}"
        weight = score["weights"].get(c)
        zone_weight = data["weights"][score["zone"]].get(c, 0)
        steps.append(
            {
                "code": c,
                "name": ind.name,
                "unit": ind.unit_label,
                "raw": x,
                "raw_places": ind.decimals,
                "formula": formula,
                "normalised": n,
                "shift": st["geometric_shift"] if geometric and x is not None else None,
                "input": score["inputs"].get(c),
                "zone_weight": zone_weight,
                "weight": weight,
                "contribution": score["contributions"].get(c),
                "missing": c in score["missing"],
            }
        )
    total = sum(v for v in score["contributions"].values())
    return {
        "unit": unit,
        "zone": score["zone"],
        "steps": steps,
        "sum": total,
        "score": score["score"],
        "rank": score["rank"],
        "zone_rank": score["zone_rank"],
        "coverage": score["coverage"],
        "geometric": geometric,
        "note": _local(score["note_zh"], score["note_en"]),
        "normalisation": norm,
    }


# --------------------------------------------------------------------------------------------------
# Drill-down: the records behind one cell (enterprise level: only within the user's areas)
# --------------------------------------------------------------------------------------------------


def may_drill_down(user, unit: Unit) -> bool:
    from heluo.core.permissions import scope_for

    scope = scope_for(user)
    if scope.is_bureau:
        return True
    from heluo.core.models import Role

    return scope.role == Role.DISTRICT_STAFF and unit.area_id in scope.area_ids


def cell_records(user, definition: Definition, matrix: Matrix, unit_code: str, indicator_code: str) -> dict:
    """The records behind one value: {"columns": [...], "rows": [...], "total": …, "note": …}. The caller
    checks may_drill_down first; every query still starts from the user's scope."""
    from heluo.core.audit import log_sensitive_read
    from heluo.core.permissions import VIEW
    from heluo.orgs.models import EnterpriseAnnual, Qualification, QualificationKind
    from heluo.platforms.models import Platform

    matrix.unit(unit_code)  # an unknown unit is an AssessmentError
    ind = definition.indicator(indicator_code)
    year, area_ids = matrix.year, matrix.unit_area_ids(unit_code)
    m, statuses = ind.measure, definition.annual_statuses
    measurer = _Measurer(definition, matrix.units, matrix.area_unit, matrix.areas)

    def qualification_rows(kind, params, y):
        if kind == "qualifications_valid":
            qs = Qualification.objects.restrict(user, VIEW).filter(Qualification.valid_on_q(year_end(y)), kind__in=params["kinds"])
        else:
            qs = (
                Qualification.objects.restrict(user, VIEW)
                .filter(kind=QualificationKind.TECH_SME, year=y)
                .exclude(revoked_on__lte=year_end(y))
            )
        qs = (
            qs.filter(organization__area_id__in=area_ids)
            .select_related("organization", "organization__area")
            .order_by("organization__name", "pk")
        )
        rows, seen = [], set()
        for q in qs:
            if q.organization_id in seen:
                continue
            seen.add(q.organization_id)
            rows.append(
                {
                    "key": q.organization_id,
                    "organization": q.organization.name,
                    "organization_id": q.organization_id,
                    "area": q.organization.area.name,
                    "kind": q.get_kind_display(),
                    "certificate_no": q.certificate_no,
                    "valid_from": q.valid_from,
                    "valid_to": q.valid_to,
                    "qualification_id": q.pk,
                }
            )
        return rows

    def platform_rows(params, y):
        approved = approved_platforms(year_end(y), params.get("kinds"), params.get("levels"), area_ids)
        qs = Platform.objects.restrict(user, VIEW).filter(pk__in=approved.values("pk")).select_related("area").order_by("name", "pk")
        return [
            {
                "key": p.pk,
                "platform": p.name,
                "platform_id": p.pk,
                "area": p.area.name,
                "kind": p.get_kind_display(),
                "level": p.get_level_display(),
                "status_since": p.status_since,
            }
            for p in qs
        ]

    def count_rows(base, y):
        computation, params, _ = measurer._computation(base)
        if computation == "platforms_approved":
            return "platform", platform_rows(params, y)
        if computation in ("qualifications_valid", "tech_sme_registered"):
            return "qualification", qualification_rows(computation, params, y)
        return None, None

    if "plan_indicator" in m or "computation" in m:
        kind, rows = count_rows(ind, year)
        if rows is None:
            return {
                "columns": [],
                "rows": [],
                "total": None,
                "note": _local("该指标逐县区调用规划计算，没有明细记录", "computed per unit by the plan's computation: no record list"),
            }
        columns = (
            ["platform", "area", "kind", "level", "status_since"]
            if kind == "platform"
            else ["organization", "area", "kind", "certificate_no", "valid_from", "valid_to"]
        )
        return {"columns": columns, "rows": rows, "total": len(rows), "total_label": _local("记录数", "records"), "note": ""}
    if "change_of" in m:
        base = definition.indicator(m["change_of"])
        kind, now = count_rows(base, year)
        if now is None:
            return {"columns": [], "rows": [], "total": None, "note": _local("没有明细记录", "no record list")}
        _k, before = count_rows(base, year - 1)
        now_keys, before_keys = {r["key"] for r in now}, {r["key"] for r in before}
        rows = [
            {**r, "change": "+1", "change_label": _local(f"{year}年新增", f"new in {year}")} for r in now if r["key"] not in before_keys
        ] + [{**r, "change": "−1", "change_label": _local(f"{year}年减少", f"gone in {year}")} for r in before if r["key"] not in now_keys]
        name_col = "platform" if kind == "platform" else "organization"
        return {
            "columns": ["change_label", name_col, "area", "kind"],
            "rows": rows,
            "total": sum(1 if r["change"] == "+1" else -1 for r in rows),
            "total_label": _local("净增", "net change"),
            "note": _local(
                f"{year}年末 {len(now)} 个，{year - 1}年末 {len(before)} 个",
                f"{len(now)} at the end of {year}, {len(before)} at the end of {year - 1}",
            ),
        }
    # enterprise annual data
    fields = _annual_fields(m)
    qs = (
        EnterpriseAnnual.objects.restrict(user, VIEW)
        .filter(year=year, status__in=statuses, organization__area_id__in=area_ids)
        .select_related("organization", "organization__area")
        .order_by("organization__name")
    )
    if "annual_ratio" in m:
        qs = qs.filter(**{f"{fields[0]}__isnull": False, f"{fields[1]}__gt": 0})
    else:
        qs = qs.filter(**{f"{fields[0]}__isnull": False})
    log_sensitive_read(
        "enterprise_financials", detail=f"assessment drill-down {definition.code} {year} {unit_code} {indicator_code}", user=user
    )
    rows = []
    previous = {}
    if "annual_growth" in m:
        previous = dict(
            EnterpriseAnnual.objects.restrict(user, VIEW)
            .filter(year=year - 1, status__in=statuses, organization__area_id__in=area_ids, **{f"{fields[0]}__isnull": False})
            .values_list("organization_id", fields[0])
        )
    for row in qs:
        item = {
            "organization": row.organization.name,
            "organization_id": row.organization_id,
            "annual_id": row.pk,
            "area": row.organization.area.name,
            "status": row.get_status_display(),
        }
        for f in fields:
            item[f] = getattr(row, f)
        if "annual_growth" in m:
            if row.organization_id not in previous:
                continue
            item[f"{fields[0]}_previous"] = previous[row.organization_id]
        rows.append(item)
    columns = ["organization", "area", "status", *fields] + ([f"{fields[0]}_previous"] if "annual_growth" in m else [])
    totals = {f: sum(_f(r[f]) for r in rows) for f in columns if f in fields or f.endswith("_previous")}
    st = _status_labels(statuses)
    return {
        "columns": columns,
        "rows": rows,
        "total": len(rows),
        "total_label": _local("企业数", "enterprises"),
        "totals": totals,
        "note": _local(f"只计状态为{st[0]}的年报", f"annual data with status {st[1]} only"),
    }
