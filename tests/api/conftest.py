import pytest

from tests.helpers import Api


@pytest.fixture
def as_(client, token_for):
    """as_(user) → an Api client with the user's Bearer token; as_(None) → anonymous."""
    return lambda user: Api(client, token_for(user) if user is not None else None)
