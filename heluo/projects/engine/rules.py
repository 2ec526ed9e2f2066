"""The platform's defaults for review, conflicts, youth quotas, inspections and integrity (data/review-rules.json,
each value with its document and article). The engines take these values as arguments; this module only reads
them, checks them and hands them over. Shares are Fractions so that 30 % of 10 is exactly 3."""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path

RULES_PATH = Path(__file__).resolve().parent.parent / "data" / "review-rules.json"
ENFORCEMENTS = ("block", "warn")


class RuleError(ValueError):
    """A value an engine refuses, with its reason in Chinese and English (and the field or item it concerns)."""

    def __init__(self, zh: str, en: str, field: str | None = None):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en, self.field = zh, en, field


@dataclass(frozen=True)
class Quota:
    """Youth quota of a call type: at least `min_share` of the funded projects led by a PI aged at most
    `age_limit` (or under it, when `limit_included` is false) on the reference date."""

    call_type: str
    zh: str
    en: str
    min_share: Fraction
    age_limit: int
    limit_included: bool
    enforcement: str
    source: str


@dataclass(frozen=True)
class ReviewRules:
    coauthor_years: int
    trim_share: Fraction
    outlier_z: float
    outlier_min_reviews: int
    low_agreement_spread: float
    quotas: dict[str, Quota]
    inspections_per_cycle: int
    inspection_share: Fraction
    inspectors_per_project: int
    inspected_statuses: tuple[str, ...]  # the project statuses a draw takes: a project under way
    integrity_scopes: dict[str, tuple[str, str]]


def _share(raw, name: str) -> Fraction:
    value = Fraction(str(raw))
    if not 0 <= value <= 1:
        raise RuleError(f"{name} 应在0到1之间", f"{name} must lie between 0 and 1", name)
    return value


def _positive_int(raw, name: str) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or raw < 1:
        raise RuleError(f"{name} 应为正整数", f"{name} must be a positive integer", name)
    return raw


def _statuses(raw, name: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(x, str) and x for x in raw):
        raise RuleError(f"{name} 应为非空的状态列表", f"{name} must be a non-empty list of statuses", name)
    return tuple(raw)


def parse_rules(data: dict) -> ReviewRules:
    review, youth, inspection = data["review"], data["youth_quotas"], data["inspection"]
    age = youth["age_limit"]
    quotas = {}
    for code, q in youth["call_types"].items():
        if q.get("enforcement") not in ENFORCEMENTS:
            raise RuleError(f"配额 {code} 的执行方式应为 block 或 warn", f"quota {code}: enforcement must be block or warn", code)
        quotas[code] = Quota(
            code,
            q["zh"],
            q["en"],
            _share(q["min_share"], f"youth_quotas.{code}.min_share"),
            _positive_int(age["value"], "youth_quotas.age_limit"),
            bool(age["limit_included"]),
            q["enforcement"],
            f"{q['document']} {q['article']}",
        )
    trim = _share(review["trim_share"]["value"], "review.trim_share")
    if trim >= Fraction(1, 2):
        raise RuleError("截尾比例应小于0.5", "the trim share must be below 0.5", "review.trim_share")
    return ReviewRules(
        coauthor_years=_positive_int(data["conflicts"]["coauthor_years"]["value"], "conflicts.coauthor_years"),
        trim_share=trim,
        outlier_z=float(review["outlier_z"]["value"]),
        outlier_min_reviews=_positive_int(review["outlier_min_reviews"]["value"], "review.outlier_min_reviews"),
        low_agreement_spread=float(review["low_agreement_spread"]["value"]),
        quotas=quotas,
        inspections_per_cycle=_positive_int(inspection["per_cycle"]["value"], "inspection.per_cycle"),
        inspection_share=_share(inspection["sample_share"]["value"], "inspection.sample_share"),
        inspectors_per_project=_positive_int(inspection["inspectors_per_project"]["value"], "inspection.inspectors_per_project"),
        inspected_statuses=_statuses(inspection["statuses"]["value"], "inspection.statuses"),
        integrity_scopes={code: (s["zh"], s["en"]) for code, s in data["integrity"]["scopes"].items()},
    )


@cache
def review_rules(path: Path = RULES_PATH) -> ReviewRules:
    return parse_rules(json.loads(Path(path).read_text(encoding="utf-8")))
