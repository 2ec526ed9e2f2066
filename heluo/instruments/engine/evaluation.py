"""The owners' annual sharing evaluation: each indicator's value from an owner's figures, its score (the weight
times the value's share of the target, at most the weight), the total, the grade and the 存量补贴 from the scheme
(data/evaluation_scheme.json). Same figures and scheme, same result."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

TWO = Decimal("0.01")


@dataclass(frozen=True)
class Figures:
    instruments: int
    value: Decimal  # the instruments' original value, 元
    hours: Decimal  # hours used in the year
    outside_hours: Decimal  # of which by outside users
    income: Decimal
    outside_income: Decimal


@dataclass(frozen=True)
class Result:
    values: dict[str, Decimal]
    scores: dict[str, Decimal]
    total: Decimal
    grade: str
    subsidy: Decimal


def _ratio(a, b) -> Decimal:
    return Decimal(a) / Decimal(b) if b else Decimal(0)


def indicator_values(f: Figures, scheme: dict) -> dict[str, Decimal]:
    norm = Decimal(scheme["annual_hours_norm"]["value"]) * f.instruments
    measures = {
        "utilisation": _ratio(f.hours, norm),
        "outside_share": _ratio(f.outside_hours, f.hours),
        "income_per_value": _ratio(f.outside_income, f.value),
    }
    return {i["code"]: measures[i["code"]].quantize(Decimal("0.0001"), ROUND_HALF_UP) for i in scheme["indicators"]}


def evaluate(f: Figures, scheme: dict) -> Result:
    values = indicator_values(f, scheme)
    scores = {}
    for i in scheme["indicators"]:
        share = min(Decimal(1), values[i["code"]] / Decimal(str(i["target"])))
        scores[i["code"]] = (Decimal(i["weight"]) * share).quantize(TWO, ROUND_HALF_UP)
    total = sum(scores.values(), Decimal(0))
    grade = next(g for g in sorted(scheme["grades"], key=lambda g: -g["min"]) if total >= g["min"])
    basis = {"outside_income": f.outside_income, "income": f.income}[scheme["subsidy"]["basis"]]
    subsidy = min(Decimal(scheme["subsidy"]["cap"]), basis * Decimal(str(grade["subsidy_share"]))).quantize(TWO, ROUND_HALF_UP)
    return Result(values, scores, total, grade["code"], subsidy)


def grade_label(scheme: dict, code: str) -> tuple[str, str]:
    g = next((g for g in scheme["grades"] if g["code"] == code), None)
    return (g["zh"], g["en"]) if g else (code, code)
