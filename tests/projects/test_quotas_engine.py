"""Youth quotas (pure): exact ages, the plan's 20 % / 30 % under 40 from the rules, what is missing, the swaps
that mend it (within the budget), block or warn, and the hook for funding decisions."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heluo.projects.engine import quotas as q
from heluo.projects.engine import review as rv
from heluo.projects.engine.rules import RuleError, review_rules

ON = dt.date(2026, 6, 30)
MAJOR = review_rules().quotas["major"]
SOCIAL = review_rules().quotas["social_science"]


def born(age, days_after_birthday=0):
    """A birth date giving `age` completed years on ON, the birthday `days_after_birthday` days ago."""
    return ON.replace(year=ON.year - age) - dt.timedelta(days=days_after_birthday)


def cand(pid, rank, birth, amount=10):
    return q.Candidate(pid, f"pi-{pid}", birth, rank, Decimal(amount))


def test_the_plans_quotas_come_from_the_rules():
    assert (MAJOR.min_share, MAJOR.age_limit, MAJOR.limit_included) == (q.Fraction(1, 5), 40, True)
    assert SOCIAL.min_share == q.Fraction(3, 10) and "30%" in SOCIAL.source


def test_age_in_completed_years():
    assert q.age_on(dt.date(1986, 6, 30), ON) == 40
    assert q.age_on(dt.date(1986, 7, 1), ON) == 39
    assert q.age_on(dt.date(2000, 2, 29), dt.date(2026, 2, 28)) == 25
    assert q.age_on(dt.date(2000, 2, 29), dt.date(2026, 3, 1)) == 26
    with pytest.raises(RuleError):
        q.age_on(dt.date(2030, 1, 1), ON)


@given(st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31)), st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31)))
def test_age_counts_the_birthdays_passed(birth, on):
    if on < birth:
        return
    passed = sum(1 for y in range(birth.year + 1, on.year + 1) if (on.month, on.day) >= (birth.month, birth.day) or y < on.year)
    assert q.age_on(birth, on) == passed


def test_forty_is_included_and_forty_one_is_not():
    assert q.is_young(cand("a", 1, born(40, 364)), MAJOR, ON)
    assert not q.is_young(cand("a", 1, born(41)), MAJOR, ON)
    assert not q.is_young(cand("a", 1, born(40)), replace(MAJOR, limit_included=False), ON)
    assert not q.is_young(cand("a", 1, None), MAJOR, ON)


def test_thirty_percent_of_ten_is_three():
    funded = [cand(f"P{i}", i, born(35 if i < 3 else 50)) for i in range(10)]
    check = q.check_quota(SOCIAL, ON, funded)
    assert (check.required, check.young, check.holds, check.missing) == (3, 3, True, 0)
    assert check.share == q.Fraction(3, 10) and "符合配额" in check.zh and "holds" in check.en


def test_a_missed_quota_with_the_swaps_that_mend_it():
    funded = [cand(f"F{i}", i + 1, born(50)) for i in range(9)] + [cand("F9", 10, born(30))]
    waiting = [cand("W1", 11, born(55)), cand("W2", 12, born(38)), cand("W3", 13, born(39)), cand("W4", 14, born(39))]
    check = q.check_quota(SOCIAL, ON, funded, waiting)
    assert (check.required, check.young, check.missing, check.holds, check.blocks, check.fixable) == (3, 1, 2, False, True, True)
    assert [(s.drop, s.add) for s in check.swaps] == [("F8", "W2"), ("F7", "W3")]
    assert "第12名项目 W2（负责人38岁）" in check.swaps[0].zh and "ranked 9" in check.swaps[0].en
    assert "还差2项" in check.zh and "blocked" in check.en
    warned = q.check_quota(SOCIAL, ON, funded, waiting, enforcement="warn")
    assert not warned.blocks and "提醒" in warned.zh
    with pytest.raises(RuleError):
        q.check_quota(SOCIAL, ON, funded, waiting, enforcement="ignore")


def test_swaps_respect_the_budget_and_say_when_they_are_not_enough():
    funded = [cand("F1", 1, born(50), 10), cand("F2", 2, born(50), 10)]
    waiting = [cand("W1", 3, born(30), 25), cand("W2", 4, born(30), 12), cand("W3", 5, None)]
    check = q.check_quota(MAJOR, ON, funded, waiting, budget=Decimal(22))
    assert [(s.drop, s.add, s.amount_change) for s in check.swaps] == [("F2", "W2", Decimal(2))]
    none = q.check_quota(MAJOR, ON, funded, waiting, budget=Decimal(20))
    assert not none.fixable and none.swaps == () and "只够替换0项" in none.zh
    assert none.unknown_ages == ("W3",)


def test_the_hook_checks_a_funding_plan():
    candidates = {"P1": cand("P1", 1, born(50), 50), "P2": cand("P2", 2, born(50), 40), "P3": cand("P3", 3, born(33), 30)}
    ranking = rv.rank({"P1": 90, "P2": 85, "P3": 80})
    hook = q.quota_hook(MAJOR, ON, candidates, budget=Decimal(90))
    plan = rv.fund(ranking, {p: c.amount for p, c in candidates.items()}, Decimal(90), quota_check=hook)
    assert plan.funded == ["P1", "P2"] and plan.quota.missing == 1 and plan.quota.blocks
    assert [(s.drop, s.add) for s in plan.quota.swaps] == [("P2", "P3")]


@given(
    st.lists(st.tuples(st.integers(25, 60), st.integers(1, 30)), min_size=1, max_size=12),
    st.integers(0, 12),
    st.sampled_from(["0.2", "0.3", "0.5"]),
)
def test_applying_the_swaps_when_they_suffice_meets_the_quota(people, n_funded, share):
    quota = replace(MAJOR, min_share=q.Fraction(share))
    cands = [cand(f"P{i}", i + 1, born(age), amount) for i, (age, amount) in enumerate(people)]
    funded, waiting = cands[:n_funded], cands[n_funded:]
    budget = sum((c.amount for c in funded), Decimal(0)) + 5
    check = q.check_quota(quota, ON, funded, waiting, budget=budget)
    assert check.holds == (check.missing == 0)
    after = {c.proposal_id: c for c in funded}
    for s in check.swaps:
        del after[s.drop]
        after[s.add] = next(c for c in waiting if c.proposal_id == s.add)
    assert len(after) == len(funded) and sum(c.amount for c in after.values()) <= budget
    if check.fixable:
        assert q.check_quota(quota, ON, after.values()).holds
