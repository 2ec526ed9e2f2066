"""District assessment (县区考核) on a data matrix: the definition (indicators, zone targets and weights, method
defaults), the method choices, the composite index with its Monte Carlo sensitivity, and one unit's score step by
step. Plain Python: the matrix itself is gathered from the records by ``heluo.plan.selectors.assessment``.

The numbers are done by :mod:`heluo.plan.engine.composite` (OECD/JRC Handbook, 2008).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal

from . import composite as C
from .text import local

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
MAX_RUNS = 20000


class AssessmentError(ValueError):
    """A definition or request that cannot be assessed; bilingual, shown without a traceback."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en

    @property
    def message(self) -> str:
        return local(self.zh, self.en)


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
        return local(self.name_zh, self.name_en)

    @property
    def unit_label(self) -> str:
        return local(self.unit, self.unit_en)

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
        return local(self.name_zh, self.name_en)

    @property
    def note(self) -> str:
        return local(self.note_zh, self.note_en)

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


def definition_from_dict(data: dict, computations: Collection[str]) -> Definition:
    """Parse and check a definition against the known computations; every problem is an AssessmentError naming the place."""
    try:
        return _parse_definition(data, computations)
    except AssessmentError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise AssessmentError(f"考核定义内容有误：{exc!r}", f"unexpected content in the assessment definition: {exc!r}") from None


def _parse_definition(data: dict, computations: Collection[str]) -> Definition:
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
        if kind == "computation" and measure["computation"] not in computations:
            raise ValueError(f"indicator {code}: unknown computation {measure['computation']!r}")
        for f in annual_fields(measure):
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


def annual_fields(measure: dict) -> list[str]:
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
        return local(self.name_zh, self.name_en)


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


def value_of(ind: AssessedIndicator, parts: dict) -> float | None:
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
        return jsonable(
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


def jsonable(data):
    return json.loads(json.dumps(data, ensure_ascii=False, default=_json_default))


def _json_default(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value)}")


def assess_matrix(definition: Definition, matrix: Matrix, choices: Choices, *, sensitivity: bool = True) -> Assessment:
    """Composite index and, unless sensitivity=False or the choices have no Monte Carlo, the rank intervals."""
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
        "note": local(score["note_zh"], score["note_en"]),
        "normalisation": norm,
    }
