"""Youth quotas (pure): does a proposed funding list give enough projects to young PIs, by how much does it miss,
and which swaps would mend it. The plan counts its quotas per call type and year: the caller passes the
funded projects of that scope (one call, or every call of the type in the year).

A PI counts as young when the age in completed years (周岁) on the reference date is below the quota's age limit,
or equal to it when the limit is included (“40岁以下” includes 40: 民法典 第一千二百五十九条). Age is computed
from the dates: the birthday is reached on the same month and day (29 February: on 1 March in a common year).
A PI without a birth date does not count as young and is named in the result. The quota needs
⌈min_share × funded⌉ young PIs, computed with fractions (30 % of 10 is 3, not 3.0000000000000004 → 4).

Swaps keep the number of funded projects: the best-ranked young PI waiting replaces the lowest-ranked funded
PI who is not young, the next best the next lowest, and so on; with a budget, a pair that would overspend is
passed over for the next one.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from heluo.projects.engine.rules import ENFORCEMENTS, Quota, RuleError


@dataclass(frozen=True)
class Candidate:
    proposal_id: str
    pi_id: str
    birth_date: dt.date | None
    rank: int
    amount: Decimal = Decimal(0)


@dataclass(frozen=True)
class Swap:
    drop: str
    add: str
    amount_change: Decimal
    zh: str
    en: str


@dataclass(frozen=True)
class QuotaCheck:
    call_type: str
    funded: int
    young: int
    required: int
    missing: int
    holds: bool
    blocks: bool  # the decision may not be taken as it is (enforcement "block")
    swaps: tuple[Swap, ...]
    fixable: bool  # the swaps are enough to meet the quota
    unknown_ages: tuple[str, ...]
    zh: str
    en: str

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.young, self.funded) if self.funded else None


def age_on(birth: dt.date, on: dt.date) -> int:
    """Completed years on `on`."""
    if on < birth:
        raise RuleError(f"基准日 {on} 早于出生日期 {birth}", f"the reference date {on} is before the birth date {birth}", "birth_date")
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def is_young(c: Candidate, quota: Quota, on: dt.date) -> bool:
    if c.birth_date is None:
        return False
    age = age_on(c.birth_date, on)
    return age < quota.age_limit or (quota.limit_included and age == quota.age_limit)


def _who(c: Candidate, on: dt.date) -> tuple[str, str]:
    age = age_on(c.birth_date, on) if c.birth_date else None
    return (
        f"第{c.rank}名项目 {c.proposal_id}（负责人{age if age is not None else '年龄不详'}{'岁' if age is not None else ''}）",
        f"proposal {c.proposal_id} ranked {c.rank} (PI {'aged ' + str(age) if age is not None else 'of unknown age'})",
    )


def check_quota(
    quota: Quota,
    on: dt.date,
    funded: Iterable[Candidate],
    waiting: Iterable[Candidate] = (),
    budget: Decimal | None = None,
    enforcement: str | None = None,
) -> QuotaCheck:
    """The quota against a proposed funding list; `waiting` are the proposals not (yet) funded."""
    enforcement = enforcement or quota.enforcement
    if enforcement not in ENFORCEMENTS:
        raise RuleError("执行方式应为 block 或 warn", "enforcement must be block or warn", "enforcement")
    funded, waiting = list(funded), list(waiting)
    young = [c for c in funded if is_young(c, quota, on)]
    required = math.ceil(quota.min_share * len(funded))
    missing = max(0, required - len(young))
    unknown = tuple(c.proposal_id for c in (*funded, *waiting) if c.birth_date is None)
    limit = f"{quota.age_limit}岁{'（含）' if quota.limit_included else '（不含）'}以下"
    limit_en = f"aged {quota.age_limit} or under" if quota.limit_included else f"under {quota.age_limit}"
    head_zh = f"{quota.zh}：拟资助{len(funded)}项，负责人{limit}的{len(young)}项，按不低于{float(quota.min_share):.0%}须{required}项"
    head_en = f"{quota.en}: {len(funded)} to be funded, {len(young)} led by PIs {limit_en} on {on}; at least {float(quota.min_share):.0%} means {required}"
    if not missing:
        return QuotaCheck(
            quota.call_type,
            len(funded),
            len(young),
            required,
            0,
            True,
            False,
            (),
            True,
            unknown,
            head_zh + "，符合配额",
            head_en + ": the quota holds",
        )

    swaps, spent = [], sum((c.amount for c in funded), Decimal(0))
    drops = sorted((c for c in funded if not is_young(c, quota, on)), key=lambda c: (-c.rank, c.proposal_id))
    adds = sorted((c for c in waiting if is_young(c, quota, on)), key=lambda c: (c.rank, c.proposal_id))
    for add in adds:
        if len(swaps) == missing:
            break
        for drop in drops:
            change = add.amount - drop.amount
            if budget is None or spent + change <= budget:
                spent += change
                drops.remove(drop)
                (zh_add, en_add), (zh_drop, en_drop) = _who(add, on), _who(drop, on)
                swaps.append(
                    Swap(
                        drop.proposal_id,
                        add.proposal_id,
                        change,
                        f"以{zh_add}替换{zh_drop}，经费变化{change}元",
                        f"Fund {en_add} instead of {en_drop}; the amount changes by {change}",
                    )
                )
                break
    fixable = len(swaps) == missing
    blocks = enforcement == "block"
    zh = f"{head_zh}，还差{missing}项" + ("（不得作出该资助决定）" if blocks else "（提醒）")
    en = f"{head_en}: {missing} short" + (" (the decision is blocked)" if blocks else " (a warning)")
    if not fixable:
        zh += f"；候补中符合条件且不超预算的青年项目只够替换{len(swaps)}项"
        en += f"; the young PIs waiting (within the budget) allow only {len(swaps)} swap(s)"
    return QuotaCheck(quota.call_type, len(funded), len(young), required, missing, False, blocks, tuple(swaps), fixable, unknown, zh, en)


def quota_hook(
    quota: Quota, on: dt.date, candidates: Mapping[str, Candidate], budget: Decimal | None = None, enforcement: str | None = None
) -> Callable[[list[str]], QuotaCheck]:
    """For review.fund: the check of the funded ids against the quota, the others of `candidates` waiting."""

    def check(funded_ids: list[str]) -> QuotaCheck:
        chosen = set(funded_ids)
        funded = [candidates[i] for i in funded_ids]
        waiting = [c for i, c in candidates.items() if i not in chosen]
        return check_quota(quota, on, funded, waiting, budget, enforcement)

    return check
