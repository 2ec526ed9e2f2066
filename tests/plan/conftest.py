"""Plan fixtures: the city's areas and zones, and its plan with the published figures."""

import pytest

from heluo.core.reference import load_city_data, read_city
from heluo.geo.models import Area
from heluo.plan.loader import load_plan
from heluo.plan.models import Plan


@pytest.fixture
def city(db):
    """The city's areas and planning zones from its reference file (without the national taxonomies)."""
    load_city_data(read_city("luoyang"))
    return Area.objects.get(code="410300")


@pytest.fixture
def plan(city):
    load_plan("luoyang")
    return Plan.objects.get(code="luoyang-14th-fyp")
