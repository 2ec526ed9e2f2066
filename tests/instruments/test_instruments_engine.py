"""The pure parts: a slot against the open hours and rules, the cancellation limit, the fee, and the evaluation's
scores, grades and subsidy from the scheme file."""

import datetime as dt
from decimal import Decimal

from heluo.instruments.engine import evaluation, rules, slots

HOURS = slots.OpenHours("12345", dt.time(8), dt.time(18))
NOW = dt.datetime(2026, 3, 2, 7, 0)  # a Monday
MON = dt.date(2026, 3, 9)


def problem(start, end):
    p = slots.slot_problem(start, end, NOW, HOURS, 72, 180)
    return p.code if p else None


def test_slots_within_open_hours_on_open_days():
    assert problem(dt.datetime.combine(MON, dt.time(9)), dt.datetime.combine(MON, dt.time(11))) is None
    assert problem(dt.datetime.combine(MON, dt.time(8)), dt.datetime.combine(MON, dt.time(18))) is None
    assert problem(dt.datetime.combine(MON, dt.time(11)), dt.datetime.combine(MON, dt.time(9))) == "slot_order"
    assert problem(dt.datetime.combine(MON, dt.time(7)), dt.datetime.combine(MON, dt.time(9))) == "slot_closed"
    assert problem(dt.datetime.combine(MON, dt.time(17)), dt.datetime.combine(MON, dt.time(19))) == "slot_closed"
    sat = MON + dt.timedelta(days=5)
    assert problem(dt.datetime.combine(sat, dt.time(9)), dt.datetime.combine(sat, dt.time(10))) == "slot_closed_day"
    assert problem(dt.datetime(2026, 3, 1, 9), dt.datetime(2026, 3, 1, 10)) == "slot_past"
    assert problem(dt.datetime(2027, 3, 1, 9), dt.datetime(2027, 3, 1, 10)) == "slot_too_far"
    always = slots.OpenHours("1234567", None, None)
    long = slots.slot_problem(
        dt.datetime.combine(MON, dt.time(9)), dt.datetime.combine(MON, dt.time(9)) + dt.timedelta(hours=73), NOW, always, 72, 180
    )
    assert long.code == "slot_too_long"


def test_half_open_slots_touching_do_not_overlap():
    a, b, c = (dt.datetime.combine(MON, dt.time(h)) for h in (9, 10, 11))
    assert not slots.overlaps(a, b, b, c)
    assert slots.overlaps(a, c, b, c)


def test_free_cancellation_until_the_rules_limit():
    limit = rules.rule("free_cancellation_hours_before")
    start = dt.datetime(2026, 3, 9, 9)
    assert slots.free_cancellation(start, start - dt.timedelta(hours=limit), limit)
    assert not slots.free_cancellation(start, start - dt.timedelta(hours=limit) + dt.timedelta(minutes=1), limit)
    assert rules.rules()["source"] and rules.rules()["example"] is True


def test_fee_per_hour_or_per_sample():
    assert slots.estimated_fee("hour", Decimal("300"), Decimal("2.5"), 4) == Decimal("750.00")
    assert slots.estimated_fee("sample", Decimal("200"), Decimal("2.5"), 4) == Decimal("800.00")


def test_evaluation_scores_grade_and_subsidy_from_the_scheme():
    scheme = rules.scheme()
    assert scheme["example"] is True and scheme["source"]
    assert sum(i["weight"] for i in scheme["indicators"]) == 100
    # 2 instruments: rated 3520 h; used 2112 h (60 %: full 40), outside 1056 h (50 %: full 40), income 5 % of value: full 20
    full = evaluation.Figures(2, Decimal("1000000"), Decimal("2112"), Decimal("1056"), Decimal("80000"), Decimal("50000"))
    r = evaluation.evaluate(full, scheme)
    assert r.total == 100 and r.grade == "excellent" and r.subsidy == Decimal("15000.00")  # 30 % of the outside income
    half = evaluation.Figures(2, Decimal("1000000"), Decimal("1056"), Decimal("528"), Decimal("40000"), Decimal("25000"))
    r = evaluation.evaluate(half, scheme)
    assert r.scores == {"utilisation": Decimal("20.00"), "outside_share": Decimal("40.00"), "income_per_value": Decimal("10.00")}
    assert (r.total, r.grade, r.subsidy) == (Decimal("70.00"), "good", Decimal("5000.00"))
    idle = evaluation.evaluate(evaluation.Figures(1, Decimal("600000"), Decimal(0), Decimal(0), Decimal(0), Decimal(0)), scheme)
    assert (idle.total, idle.grade, idle.subsidy) == (0, "fail", 0)
    huge = evaluation.Figures(1, Decimal("1000000"), Decimal("1760"), Decimal("1760"), Decimal("9000000"), Decimal("9000000"))
    assert evaluation.evaluate(huge, scheme).subsidy == Decimal(scheme["subsidy"]["cap"])
