"""The owners' annual evaluation and its 存量补贴 list, reproducible from the scheme file: the test recomputes every
owner's score and subsidy from the recorded use with the file's numbers (its own arithmetic, not the engine's)."""

import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from heluo.core.i18n import Refusal
from heluo.instruments.engine.rules import SCHEME_FILE
from heluo.instruments.models import Booking, Instrument, SharingEvaluation
from heluo.instruments.services import evaluations as services

pytestmark = pytest.mark.django_db
YEAR = 2025


def used(inst, booker, day, hours, fee, outside=True):
    start = dt.datetime.combine(day, dt.time(9), timezone.get_current_timezone())
    return Booking.objects.create(
        instrument=inst,
        booker=booker,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=float(hours)),
        status="completed",
        is_outside=outside,
        hours_used=Decimal(hours),
        fee=Decimal(fee),
    )


def expected(scheme, n, value, hours, outside_hours, outside_income):
    q = Decimal("0.0001")
    values = {
        "utilisation": (Decimal(hours) / (Decimal(scheme["annual_hours_norm"]["value"]) * n)).quantize(q, ROUND_HALF_UP),
        "outside_share": (Decimal(outside_hours) / Decimal(hours)).quantize(q, ROUND_HALF_UP) if hours else Decimal(0),
        "income_per_value": (Decimal(outside_income) / Decimal(value)).quantize(q, ROUND_HALF_UP),
    }
    total = Decimal(0)
    for i in scheme["indicators"]:
        total += (Decimal(i["weight"]) * min(Decimal(1), values[i["code"]] / Decimal(str(i["target"])))).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )
    grade = max((g for g in scheme["grades"] if total >= g["min"]), key=lambda g: g["min"])
    subsidy = min(Decimal(scheme["subsidy"]["cap"]), Decimal(outside_income) * Decimal(str(grade["subsidy_share"]))).quantize(
        Decimal("0.01")
    )
    return total, grade["code"], subsidy


def test_the_subsidy_list_is_reproducible_from_the_scheme_file(world, iw):
    scheme = json.loads(SCHEME_FILE.read_text(encoding="utf-8"))
    assert scheme["example"] is True and "国科发基" in scheme["source"]
    second = Instrument.objects.create(
        owner=world.ent_a, asset_number="A-1", name="万能试验机", category="physical", value=Decimal("800000")
    )
    days = [dt.date(YEAR, 1, 6) + dt.timedelta(days=7 * k) for k in range(40)]
    for k, day in enumerate(days):  # ent_b's two instruments: busy, mostly outside users
        used(iw.inst, world.ent_a if k % 4 else world.ent_b, day, "30", "9000" if k % 4 else "0", outside=bool(k % 4))
    for day in days[:6]:  # ent_a's: little use
        used(second, world.ent_b, day, "8", "1000")
    used(iw.inst, world.ent_a, dt.date(YEAR + 1, 1, 5), "8", "2400")  # another year: not counted
    with pytest.raises(PermissionDenied):
        services.evaluate_year(iw.owner, YEAR)
    with pytest.raises(Refusal):
        services.evaluate_year(world.users.staff, 1900)
    services.evaluate_year(world.users.staff, YEAR)
    rows = {r.owner_id: r for r in SharingEvaluation.objects.filter(year=YEAR)}
    assert set(rows) == {world.ent_a.pk, world.ent_b.pk}
    b_value = iw.inst.value + iw.hidden.value
    want = {
        world.ent_b.pk: expected(scheme, 2, b_value, 1200, 900, 270000),
        world.ent_a.pk: expected(scheme, 1, second.value, 48, 48, 6000),
    }
    got = {pk: (r.score, r.grade, r.subsidy) for pk, r in rows.items()}
    assert got == want
    assert rows[world.ent_b.pk].subsidy > 0  # on the 存量补贴 list
    services.evaluate_year(world.users.staff, YEAR)  # recomputed: the same list
    assert {r.owner_id: (r.score, r.grade, r.subsidy) for r in SharingEvaluation.objects.filter(year=YEAR)} == want
    assert SharingEvaluation.objects.restrict(iw.owner).get().owner == world.ent_b
    assert SharingEvaluation.objects.restrict(world.users.district_a).get().owner == world.ent_a
    assert not SharingEvaluation.objects.restrict(None).exists()
