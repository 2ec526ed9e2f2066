"""What the voucher tests share: quick password hashing, the ledger's invariants after a test, a JSON API
client and the evidence hashes."""

import hashlib
import json

import pytest

from heluo.vouchers.models import Programme
from heluo.vouchers.selectors import check_programme


@pytest.fixture
def invariants_hold(db):
    """After the test: the ledger of every programme replays without a broken invariant."""
    yield
    for programme in Programme.objects.all():
        _, violations = check_programme(programme)
        assert not violations, [str(v) for v in violations]


class Api:
    """The JSON API as a token's holder calls it."""

    def __init__(self, client, headers=None):
        self.client, self.headers = client, headers or {}

    def get(self, p, **params):
        return self.client.get(f"/api/v1/{p}", params, headers=self.headers)

    def post(self, p, body=None, headers=None):
        return self.client.post(
            f"/api/v1/{p}",
            data=json.dumps(body or {}, default=str),
            content_type="application/json",
            headers={**self.headers, **(headers or {})},
        )


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()
