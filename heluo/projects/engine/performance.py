"""绩效评价: the weighted total of a project's scores per criterion and the grade it gives (data/project-rules.json).
Pure: no Django."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


class ScoreError(ValueError):
    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en
        super().__init__(en)


@dataclass(frozen=True)
class Evaluation:
    scores: dict[str, Decimal]
    total: Decimal
    grade: str
    grade_label: tuple[str, str]


def evaluate(rules: dict, scores: dict) -> Evaluation:
    """Every criterion scored, each within 0..max_score; the total is the weighted sum, rounded to two places."""
    criteria = {c["code"]: c for c in rules["criteria"]}
    top = Decimal(rules["max_score"])
    if not isinstance(scores, dict) or set(scores) != set(criteria):
        raise ScoreError(
            f"须为每项评价指标打分：{'、'.join(c['zh'] for c in criteria.values())}", f"Score each criterion: {', '.join(criteria)}."
        )
    clean = {}
    for code, value in scores.items():
        try:
            v = Decimal(str(value)[:20])
        except InvalidOperation:
            v = None
        if v is None or not v.is_finite() or not Decimal(0) <= v <= top:
            c = criteria[code]
            raise ScoreError(f"“{c['zh']}”的得分须在0至{top}之间", f"The score for '{c['en']}' must be between 0 and {top}.")
        clean[code] = v
    total = sum((clean[c] * Decimal(criteria[c]["weight"]) for c in criteria), Decimal(0)).quantize(Decimal("0.01"))
    grade = next(g for g in rules["grades"] if total >= Decimal(g["min"]))
    return Evaluation(clean, total, grade["code"], (grade["zh"], grade["en"]))
