"""Expert review (pure): the rubric as data, reviewers' sheets checked against it, weighted scores, aggregation,
flags for outlying reviewers and low agreement, Krippendorff's alpha, the ranking and funding within a budget.

Scores are keyed ``(proposal id, reviewer id)`` and lie on 0–100: a sheet's weighted score is
Σ wᵢ·(markᵢ − minᵢ)/(maxᵢ − minᵢ) / Σ wᵢ × 100, so criteria on different scales weigh what their weights say.

Sources
-------
* Krippendorff's alpha: K. Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), α = 1 − D_o/D_e
  over the pairable values (units with at least two values), with the interval metric δ² = (c − k)² and the
  nominal metric δ² = [c ≠ k]; D_o = 1/n Σ_u 1/(m_u − 1) Σ_{i≠j} δ²(v_ui, v_uj),
  D_e = 1/(n(n − 1)) Σ_{i≠j} δ²(v_i, v_j) over all n pairable values. The sums over ordered pairs use
  Σ_{i≠j} (a_i − a_j)² = 2(m Σa² − (Σa)²). Tested on the paper's worked example (4 observers, 12 units).
* Outlying reviewers: each of a reviewer's scores is compared with the mean of the *other* reviewers of the
  same proposal (leave-one-out consensus); the reviewer's mean deviation is standardised across reviewers
  (z = (d_r − mean d)/sd d, population sd) and flagged when |z| reaches the threshold.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from heluo.projects.engine.rules import RuleError

MAX_CRITERIA = 50
MAX_SCALE = 1000
MAX_WEIGHT = 1000
METHODS = ("mean", "trimmed_mean", "median")


class RubricError(RuleError):
    """A rubric refused: every problem at once (`problems`, each a RuleError naming its criterion)."""

    def __init__(self, problems: list[RuleError]):
        super().__init__("；".join(p.zh for p in problems), "; ".join(p.en for p in problems))
        self.problems = problems


# --- the rubric -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    code: str
    zh: str
    en: str
    weight: Fraction
    low: Fraction
    high: Fraction
    step: Fraction = Fraction(1)
    comment_below: Fraction | None = None  # a mark below this needs a comment


@dataclass(frozen=True)
class Rubric:
    code: str
    criteria: tuple[Criterion, ...]

    @property
    def total_weight(self) -> Fraction:
        return sum((c.weight for c in self.criteria), Fraction(0))


def _number(raw) -> Fraction | None:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str, Decimal)):
        return None
    try:
        value = Fraction(str(raw))
    except (ValueError, ZeroDivisionError):
        return None
    return value


def parse_rubric(data: Mapping) -> Rubric:
    """A rubric from its data: {"code", "criteria": [{"code", "zh", "en", "weight", "scale": [low, high], "step"?,
    "comment_below"?}]}; every problem is reported at once, each with its criterion."""
    problems: list[RuleError] = []
    items = data.get("criteria") if isinstance(data, Mapping) else None
    if not isinstance(items, list) or not items:
        raise RubricError([RuleError("评分表至少需要一个评分项", "a rubric needs at least one criterion", "criteria")])
    if len(items) > MAX_CRITERIA:
        raise RubricError([RuleError(f"评分项不能超过{MAX_CRITERIA}个", f"at most {MAX_CRITERIA} criteria", "criteria")])
    criteria, seen = [], set()
    for i, item in enumerate(items):
        code = str(item.get("code") or "").strip() if isinstance(item, Mapping) else ""
        where = code or f"#{i + 1}"
        if not code:
            problems.append(RuleError(f"第{i + 1}个评分项缺少代码", f"criterion {i + 1} has no code", where))
            continue
        if code in seen:
            problems.append(RuleError(f"评分项代码 {code} 重复", f"criterion code {code} is repeated", where))
        seen.add(code)
        if not item.get("zh") or not item.get("en"):
            problems.append(RuleError(f"评分项 {code} 需要中英文名称", f"criterion {code} needs its Chinese and English names", where))
        weight = _number(item.get("weight"))
        if weight is None or not 0 < weight <= MAX_WEIGHT:
            problems.append(
                RuleError(
                    f"评分项 {code} 的权重应大于0且不超过{MAX_WEIGHT}",
                    f"criterion {code}: the weight must be above 0 and at most {MAX_WEIGHT}",
                    where,
                )
            )
        scale = item.get("scale")
        low, high = (_number(scale[0]), _number(scale[1])) if isinstance(scale, list) and len(scale) == 2 else (None, None)
        if low is None or high is None or not 0 <= low < high <= MAX_SCALE:
            problems.append(
                RuleError(
                    f"评分项 {code} 的分值范围应为 [最低, 最高]，0 ≤ 最低 < 最高 ≤ {MAX_SCALE}",
                    f"criterion {code}: the scale must be [low, high] with 0 ≤ low < high ≤ {MAX_SCALE}",
                    where,
                )
            )
            continue
        step = _number(item.get("step", 1))
        if step is None or step <= 0 or (high - low) % step:
            problems.append(
                RuleError(
                    f"评分项 {code} 的步长应为正数且能整除分值范围",
                    f"criterion {code}: the step must be positive and divide the scale",
                    where,
                )
            )
            continue
        below = None if item.get("comment_below") is None else _number(item.get("comment_below"))
        if item.get("comment_below") is not None and (below is None or not low < below <= high):
            problems.append(
                RuleError(
                    f"评分项 {code} 的“低于该分须填写意见”应在分值范围内",
                    f"criterion {code}: comment_below must lie within the scale",
                    where,
                )
            )
        if weight is not None:
            criteria.append(Criterion(code, item.get("zh", ""), item.get("en", ""), weight, low, high, step, below))
    if problems:
        raise RubricError(problems)
    return Rubric(str(data.get("code") or ""), tuple(criteria))


# --- sheets and scores -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    value: Any
    comment: str = ""


@dataclass(frozen=True)
class Sheet:
    proposal_id: str
    reviewer_id: str
    marks: Mapping[str, Mark]


def check_sheet(rubric: Rubric, sheet: Sheet) -> list[RuleError]:
    """Every problem of a reviewer's sheet, each naming its criterion (empty: the sheet can be submitted)."""
    problems = []
    known = {c.code for c in rubric.criteria}
    for code in sheet.marks:
        if code not in known:
            problems.append(RuleError(f"评分表中没有评分项 {code}", f"the rubric has no criterion {code}", code))
    for c in rubric.criteria:
        mark = sheet.marks.get(c.code)
        value = None if mark is None else _number(mark.value)
        if mark is None or mark.value is None or mark.value == "":
            problems.append(RuleError(f"“{c.zh}”尚未评分", f"“{c.en}” has no mark", c.code))
        elif value is None or not c.low <= value <= c.high or (value - c.low) % c.step:
            problems.append(
                RuleError(
                    f"“{c.zh}”的分数应在{_show(c.low)}到{_show(c.high)}之间，步长{_show(c.step)}",
                    f"“{c.en}” must be marked from {_show(c.low)} to {_show(c.high)} in steps of {_show(c.step)}",
                    c.code,
                )
            )
        elif c.comment_below is not None and value < c.comment_below and not (mark.comment or "").strip():
            problems.append(
                RuleError(
                    f"“{c.zh}”低于{_show(c.comment_below)}分，须填写评审意见",
                    f"“{c.en}” is marked below {_show(c.comment_below)}: a comment is required",
                    c.code,
                )
            )
    return problems


def _show(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{float(x):g}"


def weighted_score(rubric: Rubric, sheet: Sheet) -> float:
    """The sheet's score on 0–100; a sheet with problems is refused (RubricError listing them)."""
    problems = check_sheet(rubric, sheet)
    if problems:
        raise RubricError(problems)
    total = sum(c.weight * (_number(sheet.marks[c.code].value) - c.low) / (c.high - c.low) for c in rubric.criteria)
    return float(total / rubric.total_weight * 100)


# --- aggregation ---------------------------------------------------------------------------------------------


def trimmed_mean(values: Iterable[float], share: Fraction | float | str) -> float:
    """The mean after dropping ⌊share × n⌋ values at each end (at least one value is kept)."""
    xs = sorted(values)
    if not xs:
        raise ValueError("no values")
    share = Fraction(str(share))
    if not 0 <= share < Fraction(1, 2):
        raise ValueError("the trim share must lie in [0, 0.5)")
    k = min(math.floor(share * len(xs)), (len(xs) - 1) // 2)
    return statistics.fmean(xs[k : len(xs) - k])


def aggregate(values: Iterable[float], method: str, trim_share: Fraction | float | str = 0) -> float:
    xs = list(values)
    if not xs:
        raise ValueError("no values")
    if method == "mean":
        return statistics.fmean(xs)
    if method == "trimmed_mean":
        return trimmed_mean(xs, trim_share)
    if method == "median":
        return float(statistics.median(xs))
    raise RuleError(f"未知的汇总方法 {method}", f"unknown aggregation method {method!r}", "method")


def _by_proposal(scores: Mapping[tuple[str, str], float]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for (proposal, reviewer), score in scores.items():
        out[proposal][reviewer] = score
    return out


def proposal_scores(scores: Mapping[tuple[str, str], float], method: str, trim_share=0) -> dict[str, float]:
    return {p: aggregate(row.values(), method, trim_share) for p, row in _by_proposal(scores).items()}


# --- flags -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewerDeviation:
    reviewer_id: str
    reviews: int  # proposals with at least one other reviewer
    mean_deviation: float | None
    z: float | None
    flagged: bool
    zh: str
    en: str


def outlying_reviewers(scores: Mapping[tuple[str, str], float], z_threshold: float, min_reviews: int) -> list[ReviewerDeviation]:
    """Each reviewer's systematic deviation from the other reviewers of the same proposals, sorted by reviewer."""
    deviations: dict[str, list[float]] = defaultdict(list)
    for row in _by_proposal(scores).values():
        if len(row) < 2:
            continue
        total = sum(row.values())
        for reviewer, score in row.items():
            deviations[reviewer].append(score - (total - score) / (len(row) - 1))
    means = {r: statistics.fmean(d) for r, d in deviations.items() if len(d) >= min_reviews}
    spread = statistics.pstdev(means.values()) if len(means) >= 3 else 0.0
    centre = statistics.fmean(means.values()) if means else 0.0
    out = []
    for reviewer in sorted({r for _, r in scores}):
        n = len(deviations.get(reviewer, ()))
        if reviewer not in means:
            out.append(
                ReviewerDeviation(
                    reviewer,
                    n,
                    None,
                    None,
                    False,
                    f"共同评审的项目少于{min_reviews}个，不作判断",
                    f"fewer than {min_reviews} shared proposals: not judged",
                )
            )
            continue
        m = means[reviewer]
        z = (m - centre) / spread if spread > 0 else None
        flagged = z is not None and abs(z) >= z_threshold
        side = ("偏高", "higher") if m > 0 else ("偏低", "lower")
        if flagged:
            zh = f"平均比其他专家{side[0]}{abs(m):.1f}分（z = {z:.2f}，阈值 {z_threshold:g}，{n}个项目）"
            en = f"Scores {abs(m):.1f} points {side[1]} than the other reviewers on average (z = {z:.2f}, threshold {z_threshold:g}, {n} proposals)"
        elif z is None:
            zh, en = "专家之间没有可比的离散程度，不作判断", "no spread between reviewers to compare with: not judged"
        else:
            zh, en = f"与其他专家一致（z = {z:.2f}）", f"In line with the other reviewers (z = {z:.2f})"
        out.append(ReviewerDeviation(reviewer, n, m, z, flagged, zh, en))
    return out


@dataclass(frozen=True)
class Agreement:
    proposal_id: str
    reviews: int
    spread: float  # highest − lowest score
    flagged: bool
    zh: str
    en: str


def low_agreement(scores: Mapping[tuple[str, str], float], spread_threshold: float) -> list[Agreement]:
    """The spread of each proposal's scores (proposals with two reviews or more), flagged at the threshold."""
    out = []
    for proposal, row in sorted(_by_proposal(scores).items()):
        if len(row) < 2:
            continue
        spread = max(row.values()) - min(row.values())
        flagged = spread >= spread_threshold
        zh = f"专家评分相差{spread:.1f}分" + (f"（不低于{spread_threshold:g}分，意见分歧）" if flagged else "")
        en = f"Scores differ by {spread:.1f} points" + (f" (at least {spread_threshold:g}: low agreement)" if flagged else "")
        out.append(Agreement(proposal, len(row), spread, flagged, zh, en))
    return out


def krippendorff_alpha(scores: Mapping[tuple[str, str], float], metric: str = "interval") -> float | None:
    """Krippendorff's alpha over an incomplete units × coders table (keys (unit, coder)); None when it is
    undefined (fewer than two pairable values, or no variation at all)."""
    if metric not in ("interval", "nominal"):
        raise ValueError(f"unknown metric {metric!r}")
    units = [list(row.values()) for row in _by_proposal(scores).values() if len(row) >= 2]
    n = sum(len(u) for u in units)
    if n < 2:
        return None
    if metric == "interval":

        def disagreement(values):  # Σ over ordered pairs i ≠ j of (a_i − a_j)²
            return 2 * (len(values) * math.fsum(v * v for v in values) - math.fsum(values) ** 2)
    else:

        def disagreement(values):  # ordered pairs with different values
            counts = defaultdict(int)
            for v in values:
                counts[v] += 1
            return len(values) ** 2 - sum(k * k for k in counts.values())

    observed = math.fsum(disagreement(u) / (len(u) - 1) for u in units) / n
    expected = disagreement([v for u in units for v in u]) / (n * (n - 1))
    return None if expected <= 0 else 1 - observed / expected


# --- ranking and funding --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    proposal_id: str
    score: float
    rank: int  # competition ranking: equal scores share a rank, the next rank skips ("1224")
    tied: bool


def rank(scores: Mapping[str, float], decimals: int = 2) -> list[Ranked]:
    """Proposals by score (rounded half up to `decimals`, as shown to the panel), highest first; ties by id."""
    unit = Decimal(1).scaleb(-decimals)
    shown = {p: float(Decimal(repr(float(s))).quantize(unit, ROUND_HALF_UP)) for p, s in scores.items()}
    order = sorted(shown, key=lambda p: (-shown[p], p))
    counts = defaultdict(int)
    for s in shown.values():
        counts[s] += 1
    out, current = [], None
    for i, p in enumerate(order, start=1):
        if current is None or shown[p] != current[1]:
            current = (i, shown[p])
        out.append(Ranked(p, shown[p], current[0], counts[shown[p]] > 1))
    return out


@dataclass(frozen=True)
class Decision:
    proposal_id: str
    rank: int
    amount: Decimal
    funded: bool
    zh: str
    en: str
    tie_at_margin: bool = False


@dataclass(frozen=True)
class FundingPlan:
    budget: Decimal
    decisions: tuple[Decision, ...]
    spent: Decimal
    quota: Any = None  # what the quota check returned for the funded list

    @property
    def funded(self) -> list[str]:
        return [d.proposal_id for d in self.decisions if d.funded]

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.spent


def fund(
    ranking: list[Ranked],
    requests: Mapping[str, Decimal],
    budget: Decimal,
    quota_check: Callable[[list[str]], Any] | None = None,
) -> FundingPlan:
    """Greedy by rank: each proposal is funded when its request fits in what is left, else passed over (and the
    next ones still tried). A tie split by the budget is marked for the panel. `quota_check` gets the funded ids."""
    budget = Decimal(budget)
    if budget < 0:
        raise RuleError("预算不能为负数", "the budget cannot be negative", "budget")
    for r in ranking:
        if r.proposal_id not in requests or Decimal(requests[r.proposal_id]) < 0:
            raise RuleError(
                f"项目 {r.proposal_id} 缺少申请金额或金额为负", f"proposal {r.proposal_id} has no request or a negative one", r.proposal_id
            )
    left, made = budget, []
    for r in ranking:
        amount = Decimal(requests[r.proposal_id])
        if amount <= left:
            left -= amount
            made.append(
                Decision(
                    r.proposal_id,
                    r.rank,
                    amount,
                    True,
                    f"第{r.rank}名，申请{amount}元，预算内予以资助（剩余{left}元）",
                    f"Rank {r.rank}, {amount} requested: funded within the budget ({left} left)",
                )
            )
        else:
            made.append(
                Decision(
                    r.proposal_id,
                    r.rank,
                    amount,
                    False,
                    f"第{r.rank}名，申请{amount}元，超过剩余预算{left}元，不予资助",
                    f"Rank {r.rank}, {amount} requested: more than the {left} left, not funded",
                )
            )
    split = {d.rank for d in made if d.funded} & {d.rank for d in made if not d.funded}  # only tied ranks repeat
    decisions = tuple(
        Decision(
            d.proposal_id,
            d.rank,
            d.amount,
            d.funded,
            d.zh + "；并列名次被预算分开，须会评确认",
            d.en + "; a tie split by the budget: the panel must confirm",
            True,
        )
        if d.rank in split
        else d
        for d in made
    )
    spent = budget - left
    funded = [d.proposal_id for d in decisions if d.funded]
    return FundingPlan(budget, decisions, spent, quota_check(funded) if quota_check else None)
