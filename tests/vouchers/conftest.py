"""What the voucher tests share: quick password hashing, the ledger's invariants after a test, a JSON API
client and the evidence hashes."""

import hashlib

import pytest

from heluo.vouchers.models import Programme
from heluo.vouchers.selectors import check_programme
from tests.helpers import Api  # noqa: F401  (the voucher tests import it from here)


@pytest.fixture(autouse=True)
def one_person_may_do_every_step(settings):
    """These tests follow the ledger, walking a voucher's life with one bureau user for brevity; the separation
    of duties (maker–checker, steps on a party's behalf) is tested with it on, in test_duties.py."""
    settings.HELUO_SEPARATE_DUTIES = False


@pytest.fixture
def invariants_hold(db):
    """After the test: the ledger of every programme replays without a broken invariant."""
    yield
    for programme in Programme.objects.all():
        _, violations = check_programme(programme)
        assert not violations, [str(v) for v in violations]


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()
