import pytest

from .world import make_instruments


@pytest.fixture
def iw(world):
    return make_instruments(world)
