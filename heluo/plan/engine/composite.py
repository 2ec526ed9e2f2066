"""District composite innovation index (县区创新指数) with its uncertainty, shown with method, weights and data.

Plain Python, no Django. Follows OECD/JRC, *Handbook on Constructing Composite Indicators: Methodology and
User Guide* (OECD, 2008): normalisation (section 5: min-max, standardisation (z-scores), distance to a
reference), weighting and aggregation (section 6: linear/arithmetic and geometric), and uncertainty and
sensitivity analysis (section 7: Monte Carlo over weights and methodological choices, reporting each
unit's median rank and its 5th–95th percentile interval).

Input
-----
``values``   {district: {indicator: value}} — a missing key, ``None`` or NaN is a missing value.
``indicators`` sequence of :class:`IndicatorSpec` (code, direction 1 / -1, optional target — one number,
             or a mapping keyed by district or by planning zone, so each zone can have its own standard).
``zones``    {district: planning zone}; ``None`` puts every district in one zone ``""``.
``weights``  {zone: {indicator: weight}}, or a flat {indicator: weight} used for every zone. An indicator
             absent from a zone's weights has weight 0 there. Weights are renormalised to sum to 1.

Policies (also returned in :attr:`CompositeResult.policies`, so the page can show them)
----------------------------------------------------------------------------------------
* Normalisation is computed across *all* districts (one common scale), from the districts that have a
  value. Min-max: (x − min)/(max − min), reversed for "lower is better"; an indicator with the same value
  everywhere gives every district 0.5. Z-score: d·(x − mean)/sd with the population standard deviation;
  sd = 0 gives 0. Distance to target: 1 + d·(x − target)/|target| — 1 at the target, 0.8 when 20 % short;
  optionally capped (``Method.target_cap``); a zero or missing target makes the method unusable.
* Missing values: the indicator is left out for that district and the district's weights are renormalised
  over the indicators it has; ``coverage`` (share of the zone's weight available) and the missing
  indicators are reported. Below ``Method.min_coverage`` the district gets no score and no rank.
* Geometric aggregation needs positive values: each normalised indicator is shifted by the constant
  max(0, floor − column minimum) so its smallest value becomes at least ``Method.geometric_floor`` (0.1);
  min-max [0, 1] becomes [0.1, 1.1]. The shifted values are reported (``inputs``).
* Ties: standard competition ranking (1, 2, 2, 4) on scores rounded to 12 decimal places; higher is better.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace

NORMALISATIONS = ("minmax", "zscore", "distance_to_target")
AGGREGATIONS = ("arithmetic", "geometric")
TIE_DECIMALS = 12

POLICIES = (
    (
        "normalisation",
        "归一化在全部县区之间进行（统一尺度），只用有数据的县区计算参数；各县区数值相同的指标一律取 0.5（min-max）或 0（z-score）。",
        "Normalisation runs across all districts on one scale, from the districts with data; an indicator equal everywhere gives 0.5 (min-max) or 0 (z-score).",
    ),
    (
        "missing",
        "缺失值不参与计算，该县区的权重在其已有指标上重新归一；报告覆盖率和缺失指标，覆盖率低于下限不计分、不排名。",
        "A missing value is left out and the district's weights are renormalised over the indicators it has; coverage and missing indicators are reported; below the minimum coverage there is no score or rank.",
    ),
    (
        "geometric",
        "几何加权要求正值：每个指标的归一化值整体平移，使最小值不低于下限（默认 0.1）。",
        "Geometric aggregation needs positive values: each normalised indicator is shifted so its minimum is at least the floor (default 0.1).",
    ),
    (
        "ties",
        "并列按标准竞赛排名（1、2、2、4），得分保留 12 位小数比较；得分越高排名越前。",
        "Ties use standard competition ranking (1, 2, 2, 4) on scores rounded to 12 decimals; higher is better.",
    ),
)


# --------------------------------------------------------------------------------------------------
# Specifications
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    direction: int = 1  # 1: higher is better; -1: lower is better
    target: float | Mapping[str, float] | None = None  # one value, or keyed by district or zone
    name_zh: str = ""
    name_en: str = ""

    def __post_init__(self):
        if self.direction not in (1, -1):
            raise ValueError(f"indicator {self.code}: direction must be 1 or -1")

    def target_for(self, district: str, zone: str) -> float | None:
        if self.target is None or isinstance(self.target, (int, float)):
            return self.target
        return self.target.get(district, self.target.get(zone))


@dataclass(frozen=True)
class Method:
    normalisation: str = "minmax"
    aggregation: str = "arithmetic"
    geometric_floor: float = 0.1
    target_cap: float | None = None  # e.g. 1.0: no credit beyond the target
    min_coverage: float = 0.5  # share of the zone's weight a district must have data for

    def __post_init__(self):
        if self.normalisation not in NORMALISATIONS:
            raise ValueError(f"normalisation must be one of {NORMALISATIONS}")
        if self.aggregation not in AGGREGATIONS:
            raise ValueError(f"aggregation must be one of {AGGREGATIONS}")
        if self.geometric_floor <= 0:
            raise ValueError("geometric_floor must be positive")


@dataclass(frozen=True)
class IndicatorStats:
    """The normalisation parameters of one indicator, enough to recompute any district's value."""

    code: str
    direction: int
    count: int
    minimum: float | None
    maximum: float | None
    mean: float | None
    sd: float | None  # population standard deviation
    targets: dict[str, float | None]  # per district (distance to target)
    geometric_shift: float = 0.0


@dataclass(frozen=True)
class DistrictScore:
    district: str
    zone: str
    raw: dict[str, float | None]
    normalised: dict[str, float | None]
    inputs: dict[str, float]  # values aggregated (normalised, shifted for geometric), available ones only
    weights: dict[str, float]  # effective weights, renormalised over available indicators
    contributions: dict[str, float]  # arithmetic: w·x; geometric: w·ln(x) (score = exp of the sum)
    score: float | None
    rank: int | None
    zone_rank: int | None
    coverage: float
    missing: tuple[str, ...]
    note_zh: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class CompositeResult:
    method: Method
    indicators: tuple[IndicatorSpec, ...]
    weights: dict[str, dict[str, float]]  # per zone, normalised to sum 1
    stats: dict[str, IndicatorStats]
    districts: tuple[DistrictScore, ...]  # best first; unscored last
    policies: tuple[tuple[str, str, str], ...] = POLICIES

    def district(self, code: str) -> DistrictScore:
        return next(d for d in self.districts if d.district == code)

    def to_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------------


def _present(v) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def _column_stats(spec: IndicatorSpec, column: dict[str, float | None], zones: dict[str, str]) -> IndicatorStats:
    xs = [v for v in column.values() if v is not None]
    n = len(xs)
    mean = sum(xs) / n if n else None
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / n) if n else None
    targets = {d: spec.target_for(d, zones[d]) for d in column}
    return IndicatorStats(spec.code, spec.direction, n, min(xs) if n else None, max(xs) if n else None, mean, sd, targets)


def _normalise_value(x: float, district: str, st: IndicatorStats, method: Method) -> float:
    d = st.direction
    if method.normalisation == "minmax":
        if st.maximum == st.minimum:
            return 0.5
        return (x - st.minimum) / (st.maximum - st.minimum) if d == 1 else (st.maximum - x) / (st.maximum - st.minimum)
    if method.normalisation == "zscore":
        return 0.0 if st.sd == 0 else d * (x - st.mean) / st.sd
    target = st.targets[district]
    if target is None or target == 0:
        raise ValueError(f"indicator {st.code}: distance to target needs a non-zero target for district {district}")
    value = 1 + d * (x - target) / abs(target)
    return value if method.target_cap is None else min(value, method.target_cap)


def _normalise(specs, data, zones, method):
    """{indicator: stats}, {district: {indicator: normalised or None}}."""
    stats, normalised = {}, {d: {} for d in data}
    for spec in specs:
        column = {d: data[d].get(spec.code) for d in data}
        st = _column_stats(spec, column, zones)
        for d, x in column.items():
            normalised[d][spec.code] = None if x is None else _normalise_value(x, d, st, method)
        if method.aggregation == "geometric":
            present = [normalised[d][spec.code] for d in data if normalised[d][spec.code] is not None]
            shift = max(0.0, method.geometric_floor - min(present)) if present else 0.0
            st = replace(st, geometric_shift=shift)
        stats[spec.code] = st
    return stats, normalised


# --------------------------------------------------------------------------------------------------
# Weights, aggregation, ranking
# --------------------------------------------------------------------------------------------------


def _normalise_weights(weights, zones_used, codes) -> dict[str, dict[str, float]]:
    flat = all(isinstance(v, (int, float)) for v in weights.values())
    out = {}
    for zone in sorted(zones_used):
        raw = weights if flat else weights.get(zone)
        if raw is None:
            raise ValueError(f"no weights for planning zone {zone!r}")
        unknown = set(raw) - set(codes)
        if unknown:
            raise ValueError(f"weights for zone {zone!r} name unknown indicators: {sorted(unknown)}")
        if any(w < 0 for w in raw.values()):
            raise ValueError(f"weights for zone {zone!r} must not be negative")
        total = sum(raw.values())
        if total <= 0:
            raise ValueError(f"weights for zone {zone!r} sum to zero")
        out[zone] = {c: raw.get(c, 0) / total for c in codes}
    return out


def _aggregate(inputs: dict[str, float], weights: dict[str, float], aggregation: str):
    if aggregation == "arithmetic":
        contributions = {c: weights[c] * x for c, x in inputs.items()}
        return sum(contributions.values()), contributions
    contributions = {c: weights[c] * math.log(x) for c, x in inputs.items()}
    return math.exp(sum(contributions.values())), contributions


def _score_district(district, zone, raw, norm, zone_weights, stats, method) -> DistrictScore:
    used = [c for c, w in zone_weights.items() if w > 0]
    available = [c for c in used if norm[c] is not None]
    missing = tuple(c for c in used if norm[c] is None)
    coverage = sum(zone_weights[c] for c in available)
    common = {
        "district": district,
        "zone": zone,
        "raw": raw,
        "normalised": norm,
        "coverage": coverage,
        "missing": missing,
        "rank": None,
        "zone_rank": None,
    }
    if not available or coverage < method.min_coverage - 1e-12:
        return DistrictScore(
            inputs={},
            weights={},
            contributions={},
            score=None,
            **common,
            note_zh=f"数据覆盖率 {coverage:.0%} 低于下限 {method.min_coverage:.0%}，不计分",
            note_en=f"data coverage {coverage:.0%} below the minimum {method.min_coverage:.0%}: no score",
        )
    weights = {c: zone_weights[c] / coverage for c in available}
    inputs = {c: norm[c] + stats[c].geometric_shift for c in available}
    score, contributions = _aggregate(inputs, weights, method.aggregation)
    note = (
        ("", "")
        if not missing
        else (f"缺少 {', '.join(missing)}，权重已在其余指标上重新归一", f"missing {', '.join(missing)}: weights renormalised over the rest")
    )
    return DistrictScore(
        inputs=inputs, weights=weights, contributions=contributions, score=score, **common, note_zh=note[0], note_en=note[1]
    )


def competition_ranks(scores: Mapping[str, float | None]) -> dict[str, int | None]:
    """Standard competition ranking, higher score first: 1, 2, 2, 4. None stays unranked."""
    keyed = {k: round(v, TIE_DECIMALS) for k, v in scores.items() if v is not None}
    ordered = sorted(keyed.values(), reverse=True)
    first = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return {k: (first[keyed[k]] if k in keyed else None) for k in scores}


def _with_ranks(scored: list[DistrictScore]) -> tuple[DistrictScore, ...]:
    overall = competition_ranks({s.district: s.score for s in scored})
    zone_rank: dict[str, int | None] = {}
    for zone in {s.zone for s in scored}:
        zone_rank.update(competition_ranks({s.district: s.score for s in scored if s.zone == zone}))
    ranked = [replace(s, rank=overall[s.district], zone_rank=zone_rank[s.district]) for s in scored]
    return tuple(sorted(ranked, key=lambda s: (s.rank is None, s.rank or 0, s.district)))


# --------------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------------


def _clean(values, specs, zones):
    codes = [s.code for s in specs]
    if len(set(codes)) != len(codes):
        raise ValueError("indicator codes must be unique")
    if zones is not None:
        lacking = sorted(d for d in values if zones.get(d) is None)
        if lacking:
            raise ValueError(f"districts without a planning zone: {lacking}")
    zone_of = {d: (zones[d] if zones is not None else "") for d in values}
    data = {d: {c: (float(row[c]) if _present(row.get(c)) else None) for c in codes} for d, row in values.items()}
    return codes, zone_of, data


def compute_index(
    values: Mapping[str, Mapping[str, float | None]],
    indicators: Sequence[IndicatorSpec],
    zones: Mapping[str, str] | None,
    weights: Mapping,
    method: Method = Method(),
) -> CompositeResult:
    """Normalise, weight by planning zone, aggregate and rank. See the module docstring for the policies."""
    specs = tuple(indicators)
    codes, zone_of, data = _clean(values, specs, zones)
    zone_weights = _normalise_weights(weights, set(zone_of.values()), codes)
    stats, normalised = _normalise(specs, data, zone_of, method)
    scored = [_score_district(d, zone_of[d], data[d], normalised[d], zone_weights[zone_of[d]], stats, method) for d in data]
    return CompositeResult(method=method, indicators=specs, weights=zone_weights, stats=stats, districts=_with_ranks(scored))


def targets_complete(values: Mapping, indicators: Sequence[IndicatorSpec], zones: Mapping[str, str] | None) -> bool:
    """True when every indicator has a non-zero target for every district (distance to target is usable)."""
    return all((t := s.target_for(d, (zones or {}).get(d, ""))) is not None and t != 0 for s in indicators for d in values)


# --------------------------------------------------------------------------------------------------
# Uncertainty and sensitivity analysis (Monte Carlo)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SensitivityConfig:
    runs: int = 1000
    seed: int = 0
    vary_weights: bool = True
    weight_spread: float = 0.5  # each weight × U(1 − spread, 1 + spread), then renormalised per zone
    normalisations: tuple[str, ...] = NORMALISATIONS  # drawn uniformly; distance_to_target only with targets
    aggregations: tuple[str, ...] = AGGREGATIONS  # drawn uniformly

    def __post_init__(self):
        if self.runs < 1:
            raise ValueError("runs must be at least 1")
        if not 0 <= self.weight_spread < 1:
            raise ValueError("weight_spread must be in [0, 1)")


@dataclass(frozen=True)
class RankInterval:
    district: str
    zone: str
    rank: int | None  # under the reference method and weights
    median_rank: float | None
    p05_rank: float | None
    p95_rank: float | None
    zone_rank: int | None
    zone_median_rank: float | None
    zone_p05_rank: float | None
    zone_p95_rank: float | None
    runs_ranked: int


@dataclass(frozen=True)
class SensitivityResult:
    config: SensitivityConfig
    normalisations: tuple[str, ...]  # actually drawn from
    aggregations: tuple[str, ...]
    draws: dict[str, int]  # "normalisation/aggregation" → number of runs
    districts: tuple[RankInterval, ...]  # in reference rank order
    notes: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def district(self, code: str) -> RankInterval:
        return next(d for d in self.districts if d.district == code)

    def to_dict(self) -> dict:
        return asdict(self)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (Hyndman–Fan type 7, numpy's default); q in [0, 1]."""
    h = (len(sorted_values) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


def _perturb(weights: dict[str, dict[str, float]], spread: float, rng: random.Random):
    out = {}
    for zone, ws in weights.items():
        drawn = {c: w * rng.uniform(1 - spread, 1 + spread) for c, w in ws.items()}
        total = sum(drawn.values())
        out[zone] = {c: w / total for c, w in drawn.items()}
    return out


def _interval(ranks: list[int]):
    if not ranks:
        return None, None, None
    ranks = sorted(ranks)
    return percentile(ranks, 0.5), percentile(ranks, 0.05), percentile(ranks, 0.95)


def sensitivity(
    values: Mapping[str, Mapping[str, float | None]],
    indicators: Sequence[IndicatorSpec],
    zones: Mapping[str, str] | None,
    weights: Mapping,
    method: Method = Method(),
    config: SensitivityConfig = SensitivityConfig(),
) -> SensitivityResult:
    """Monte Carlo over weights and method choices (OECD/JRC Handbook 2008, ch. 7), seeded and reproducible.

    Each run draws, independently: every zone's weights (each × U(1 − spread, 1 + spread), renormalised),
    a normalisation and an aggregation uniformly from the configured choices. Reports, per district, the
    median rank and the 5th–95th percentile rank interval, overall and within its zone.
    """
    reference = compute_index(values, indicators, zones, weights, method)
    norms, notes = _usable_normalisations(values, indicators, zones, config)
    rng = random.Random(config.seed)
    overall: dict[str, list[int]] = {d.district: [] for d in reference.districts}
    in_zone: dict[str, list[int]] = {d.district: [] for d in reference.districts}
    draws: Counter = Counter()
    for _ in range(config.runs):
        run_weights = _perturb(reference.weights, config.weight_spread, rng) if config.vary_weights else reference.weights
        run_method = replace(method, normalisation=rng.choice(norms), aggregation=rng.choice(config.aggregations))
        draws[f"{run_method.normalisation}/{run_method.aggregation}"] += 1
        result = compute_index(values, indicators, zones, run_weights, run_method)
        for s in result.districts:
            if s.rank is not None:
                overall[s.district].append(s.rank)
                in_zone[s.district].append(s.zone_rank)
    intervals = tuple(
        RankInterval(
            s.district,
            s.zone,
            s.rank,
            *_interval(overall[s.district]),
            s.zone_rank,
            *_interval(in_zone[s.district]),
            len(overall[s.district]),
        )
        for s in reference.districts
    )
    return SensitivityResult(config, tuple(norms), tuple(config.aggregations), dict(sorted(draws.items())), intervals, tuple(notes))


def _usable_normalisations(values, indicators, zones, config):
    norms, notes = list(config.normalisations), []
    if "distance_to_target" in norms and not targets_complete(values, indicators, zones):
        norms.remove("distance_to_target")
        notes.append(
            (
                "并非所有指标都有目标值，蒙特卡洛不抽取“距目标距离”归一化",
                "not every indicator has a target: distance to target is not drawn",
            )
        )
    if not norms:
        raise ValueError("no usable normalisation to draw from")
    for a in config.aggregations:
        if a not in AGGREGATIONS:
            raise ValueError(f"unknown aggregation {a!r}")
    return norms, notes
