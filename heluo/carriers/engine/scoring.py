"""Annual evaluation of innovation platforms (创新平台绩效评价): a scheme per platform kind — indicators with
weights and a way to turn a figure into points — applied to a platform's figures and its experts' marks, then a
grade and its consequence (reward, warning, revocation). Pure: the scheme is a dict read from the data file, the
figures are Decimals; the same scheme and figures always give the same score."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
METHODS = ("linear", "bands", "expert")


class SchemeError(ValueError):
    """The scheme file declares an impossible scheme."""


@dataclass(frozen=True)
class Indicator:
    code: str
    zh: str
    en: str
    unit: str
    weight: Decimal
    method: str  # linear: zero→0 … full→100 points; bands: [[at least, points], …]; expert: the experts' mean mark
    zero: Decimal = Decimal(0)
    full: Decimal = HUNDRED
    bands: tuple[tuple[Decimal, Decimal], ...] = ()

    def points(self, value: Decimal) -> Decimal:
        """0–100 points for a figure (or, for `expert`, the mean mark)."""
        if self.method == "bands":
            reached = [p for at, p in self.bands if value >= at]
            return reached[-1] if reached else Decimal(0)
        if self.method == "linear":
            share = (value - self.zero) / (self.full - self.zero) * HUNDRED
            return min(HUNDRED, max(Decimal(0), share))
        return min(HUNDRED, max(Decimal(0), value))


@dataclass(frozen=True)
class Scheme:
    kind: str
    zh: str
    en: str
    source: str
    is_example: bool
    reward: Decimal  # 元: the grant an 优秀 platform of this kind receives without applying (免申即享)
    indicators: tuple[Indicator, ...]

    @property
    def figures(self) -> tuple[Indicator, ...]:
        """The indicators the host reports a figure for."""
        return tuple(i for i in self.indicators if i.method != "expert")

    @property
    def needs_experts(self) -> bool:
        return any(i.method == "expert" for i in self.indicators)


@dataclass(frozen=True)
class Grade:
    code: str
    zh: str
    en: str
    at_least: Decimal


@dataclass(frozen=True)
class Rules:
    grades: tuple[Grade, ...]  # best first
    reward: frozenset[str]  # grades rewarded
    warning: frozenset[str]  # grades warned
    revoke_below: Decimal  # a total below this is revoked at once
    revoke_when_warned: bool  # a warned grade again the next round is revoked


@dataclass(frozen=True)
class Result:
    points: dict[str, Decimal]  # indicator → 0–100 points
    figures_score: Decimal  # the weighted points of the reported figures
    expert_score: Decimal  # the weighted points of the experts' mark
    total: Decimal
    grade: str


def _dec(value, what: str) -> Decimal:
    try:
        out = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise SchemeError(f"{what}: not a number {value!r}") from exc
    if not out.is_finite():
        raise SchemeError(f"{what}: not a number {value!r}")
    return out


def _indicator(kind: str, doc: dict) -> Indicator:
    code, scoring = doc["code"], doc["scoring"]
    method = scoring["method"]
    if method not in METHODS:
        raise SchemeError(f"{kind}.{code}: unknown scoring method {method!r}")
    where = f"{kind}.{code}"
    extra = {}
    if method == "linear":
        extra = {"zero": _dec(scoring["zero"], where), "full": _dec(scoring["full"], where)}
        if extra["full"] <= extra["zero"]:
            raise SchemeError(f"{where}: full must be above zero")
    elif method == "bands":
        bands = tuple((_dec(a, where), _dec(p, where)) for a, p in scoring["bands"])
        if not bands or [a for a, _ in bands] != sorted({a for a, _ in bands}) or any(not 0 <= p <= 100 for _, p in bands):
            raise SchemeError(f"{where}: bands must rise strictly, each worth 0–100 points")
        extra = {"bands": bands}
    return Indicator(code, doc["zh"], doc["en"], doc.get("unit", ""), _dec(doc["weight"], where), method, **extra)


def parse(doc: dict) -> tuple[dict[str, Scheme], Rules]:
    """The schemes by platform kind and the grading rules, checked: weights add up to 100, codes unique."""
    try:
        grades = tuple(Grade(g["code"], g["zh"], g["en"], _dec(g["at_least"], g["code"])) for g in doc["grades"])
        if [g.at_least for g in grades] != sorted((g.at_least for g in grades), reverse=True) or grades[-1].at_least != 0:
            raise SchemeError("grades must be listed best first, the last from 0")
        c = doc["consequences"]
        codes = {g.code for g in grades}
        if not {*c["reward"], *c["warning"]} <= codes:
            raise SchemeError("consequences name unknown grades")
        rules = Rules(
            grades, frozenset(c["reward"]), frozenset(c["warning"]), _dec(c["revoke_below"], "revoke_below"), bool(c["revoke_when_warned"])
        )
        schemes = {}
        for kind, s in doc["schemes"].items():
            indicators = tuple(_indicator(kind, i) for i in s["indicators"])
            if len({i.code for i in indicators}) != len(indicators):
                raise SchemeError(f"{kind}: indicator codes repeat")
            if sum(i.weight for i in indicators) != HUNDRED:
                raise SchemeError(f"{kind}: the weights add up to {sum(i.weight for i in indicators)}, not 100")
            schemes[kind] = Scheme(
                kind,
                s["zh"],
                s["en"],
                s.get("source", doc.get("source", "")),
                bool(s.get("is_example", True)),
                _dec(s.get("reward", 0), kind),
                indicators,
            )
        return schemes, rules
    except SchemeError:
        raise
    except (KeyError, TypeError, IndexError) as exc:
        raise SchemeError(f"not an evaluation scheme file: {exc!r}") from None


@cache
def load(path: Path | str) -> tuple[dict[str, Scheme], Rules]:
    return parse(json.loads(Path(path).read_text(encoding="utf-8")))


def check_figures(scheme: Scheme, figures: dict) -> list[tuple[str, str, str]]:
    """What is wrong with a host's figures: (indicator, zh, en) for each missing, unknown or negative one."""
    out = []
    known = {i.code for i in scheme.figures}
    for i in scheme.figures:
        value = figures.get(i.code)
        if value is None or value == "":
            out.append((i.code, f"缺少“{i.zh}”", f"'{i.en}' is missing"))
            continue
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            number = None
        if number is None or not number.is_finite() or number < 0:
            out.append((i.code, f"“{i.zh}”须为非负数", f"'{i.en}' must be a number of at least 0"))
    for code in sorted(set(figures) - known):
        out.append((code, f"方案中没有指标“{code}”", f"the scheme has no indicator '{code}'"))
    return out


def grade_of(total: Decimal, rules: Rules) -> str:
    return next(g.code for g in rules.grades if total >= g.at_least)


def score(scheme: Scheme, figures: dict, expert_marks, rules: Rules) -> Result:
    """The platform's score: each indicator's points × its weight / 100, summed and rounded to the cent. The
    expert indicator takes the mean of the marks (0 when there are none)."""
    marks = [Decimal(str(m)) for m in expert_marks]
    mean = sum(marks, Decimal(0)) / len(marks) if marks else Decimal(0)
    points, by_figure, by_expert = {}, Decimal(0), Decimal(0)
    for i in scheme.indicators:
        value = mean if i.method == "expert" else Decimal(str(figures.get(i.code, 0)))
        p = i.points(value).quantize(CENT, rounding=ROUND_HALF_UP)
        points[i.code] = p
        weighted = p * i.weight / HUNDRED
        if i.method == "expert":
            by_expert += weighted
        else:
            by_figure += weighted
    by_figure = by_figure.quantize(CENT, rounding=ROUND_HALF_UP)
    by_expert = by_expert.quantize(CENT, rounding=ROUND_HALF_UP)
    total = by_figure + by_expert
    return Result(points, by_figure, by_expert, total, grade_of(total, rules))


def consequence(result_grade: str, total: Decimal, warned_last_round: bool, rules: Rules) -> str:
    """reward, warning, revocation or none: 有进有出."""
    if total < rules.revoke_below or (result_grade in rules.warning and warned_last_round and rules.revoke_when_warned):
        return "revocation"
    if result_grade in rules.warning:
        return "warning"
    if result_grade in rules.reward:
        return "reward"
    return "none"
