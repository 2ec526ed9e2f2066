"""The demo's shared instruments: instruments of the demo's universities and institutes with a year of bookings that
never overlap, the ``instruments`` account's approval queue, the ``org`` account's bookings, the year's evaluation
with a 存量补贴 list; its step is fast at --size small; built once, removed by --reset."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from heluo.core.permissions import VIEW
from heluo.instruments.models import ACTIVE, Booking, Instrument, SharingEvaluation
from heluo.instruments.selectors import instruments as selectors
from heluo.vouchers.models import Provider

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_demo_shares_instruments_built_once_and_reset():
    call_command("load_reference", city="luoyang", verbosity=0)
    out = io.StringIO()
    call_command("demo", "--no-serve", "--size", "small", stdout=out)
    step = re.search(r"大型仪器 / instruments: (\d+), bookings (\d+) \(([\d.]+) s\)", out.getvalue())
    assert step and int(step.group(1)) == Instrument.objects.count() == 30
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["instruments", "org", "staff"])}
    owner = users["instruments"].profile.organization
    assert Instrument.objects.filter(owner=owner).exists()
    assert selectors.queue(users["instruments"]).exists()
    assert Booking.objects.restrict(users["org"], VIEW).filter(starts_at__gt=timezone.now()).exists()
    # never two active bookings of an instrument at once
    for inst in Instrument.objects.all()[:10]:
        slots = list(Booking.objects.filter(instrument=inst, status__in=ACTIVE).order_by("starts_at").values_list("starts_at", "ends_at"))
        assert all(a[1] <= b[0] for a, b in zip(slots, slots[1:]))
    year = timezone.localdate().year
    assert SharingEvaluation.objects.filter(year=year).count() == Instrument.objects.values("owner").distinct().count()
    assert Booking.objects.filter(status="completed", fee__gt=0).exists()
    provider = Provider.objects.get(organization=owner)  # a 检验检测券 can pay the owner for its instruments' services
    assert provider.status == "approved" and provider.services.filter(category="testing").exists()
    call_command("demo", "--no-serve", "--size", "small", stdout=io.StringIO())  # again: unchanged
    assert Instrument.objects.count() == 30
    call_command("demo", "--no-serve", "--size", "small", "--reset", stdout=io.StringIO())
    assert Instrument.objects.count() == 30
