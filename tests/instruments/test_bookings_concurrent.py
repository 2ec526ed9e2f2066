"""Several firms booking overlapping slots of one instrument at the same moment, on PostgreSQL with real parallel
connections: exactly one booking is made, the others are refused as overlapping; and the exclusion constraint
refuses an overlap written past the service.

Skipped on SQLite, which serialises writers by locking the whole file: the race needs PostgreSQL."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction

from heluo.core.i18n import Refusal
from heluo.core.models import Role
from heluo.instruments.models import Booking
from heluo.instruments.services import bookings as services
from tests.helpers import make_user

from .world import at

IS_PG = "postgresql" in settings.DATABASES["default"]["ENGINE"]
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not IS_PG, reason="the race needs PostgreSQL (set DATABASE_URL=postgres://…); SQLite serialises all writers"),
    pytest.mark.django_db(transaction=True),  # committed data: the other connections must see it
]
FIRMS = 6


def at_once(calls):
    """Each call in its own thread (its own connection), all released together: the booking or the refusal code."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait(timeout=30)
            return call().pk
        except Refusal as exc:
            return exc.reason_code
        finally:
            connection.close()  # this thread's connection

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_overlapping_bookings_at_once_exactly_one_wins(world, iw):
    firms = [
        make_user(f"firm{i}", Role.ORG_USER, organization=org) for i, org in enumerate([world.ent_a, world.ent_a2, world.hidden_b] * 2)
    ]
    for round_ in range(3):
        day = iw.day + dt.timedelta(days=round_)
        # every slot overlaps every other: they share 10:00–10:30
        calls = [
            lambda u=u, k=k, day=day: services.book(u, iw.inst, at(day, 9, 30 + k % 2 * 15), at(day, 10, 30 + k * 5))
            for k, u in enumerate(firms[:FIRMS])
        ]
        results = at_once(calls)
        made = [r for r in results if isinstance(r, int)]
        assert len(made) == 1, results
        assert sorted(r for r in results if not isinstance(r, int)) == ["slot_taken"] * (FIRMS - 1)
    assert Booking.objects.count() == 3


def test_the_exclusion_constraint_refuses_an_overlap_written_past_the_service(world, iw):
    b = services.book(iw.firm, iw.inst, at(iw.day, 9), at(iw.day, 11))
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(instrument=iw.inst, booker=world.ent_a2, starts_at=at(iw.day, 10), ends_at=at(iw.day, 12))
    Booking.objects.create(instrument=iw.inst, booker=world.ent_a2, starts_at=at(iw.day, 10), ends_at=at(iw.day, 12), status="rejected")
    services.transition(iw.firm, b, "cancel")
    Booking.objects.create(instrument=iw.inst, booker=world.ent_a2, starts_at=at(iw.day, 10), ends_at=at(iw.day, 12))
