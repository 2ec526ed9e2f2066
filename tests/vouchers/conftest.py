"""What the voucher tests share: quick password hashing, the ledger's invariants after a test, a JSON API
client and the evidence hashes."""

import hashlib

import pytest

from heluo.vouchers.models import Programme
from heluo.vouchers.selectors import check_programme
from tests.helpers import Api  # noqa: F401  (the voucher tests import it from here)


@pytest.fixture
def invariants_hold(db):
    """After the test: the ledger of every programme replays without a broken invariant."""
    yield
    for programme in Programme.objects.all():
        _, violations = check_programme(programme)
        assert not violations, [str(v) for v in violations]


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()
