"""heluo.core.figures: a figure is computed again as soon as a table it reads changes, whatever wrote it."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import transaction

from heluo.core.codes import make_uscc
from heluo.core.figures import kept
from heluo.geo.models import Area
from heluo.orgs.models import Organization, Qualification

SOURCES = {"audited": (Organization, Qualification), "reference": (Area,)}


@pytest.fixture
def city(transactional_db):
    cache.clear()
    city = Area.objects.create(code="410300", name_zh="洛阳市", name_en="Luoyang", kind="city")
    org = Organization.objects.create(name="甲企业", uscc=make_uscc("9", "1", "410300", "MA000001"), area=city)
    Qualification.objects.create(organization=org, kind="hte", valid_from=dt.date(2024, 1, 1))
    yield city, org
    cache.clear()


def compute_count(key="test:qualifications"):
    calls = []

    def compute():
        calls.append(1)
        return Qualification.objects.count()

    return (lambda: kept(key, compute, **SOURCES)), calls


def test_kept_until_a_table_it_reads_changes(city):
    area, org = city
    figure, calls = compute_count()
    assert figure() == 1 and figure() == 1 and len(calls) == 1

    Qualification.objects.create(organization=org, kind="tech_sme", year=2024, valid_from=dt.date(2024, 1, 1))  # audited
    assert figure() == 2 and len(calls) == 2

    Qualification.objects.bulk_create([Qualification(organization=org, kind="gazelle", valid_from=dt.date(2024, 1, 1))])  # no audit
    assert figure() == 3 and len(calls) == 3

    q = Qualification.objects.get(kind="gazelle")
    q.valid_to = dt.date(2024, 12, 31)
    q.save()  # an update: no new row, an audit record
    figure()
    assert len(calls) == 4

    Area.objects.filter(pk=area.pk).update(name_en="Luoyang City")  # reference data, not audited
    figure()
    assert len(calls) == 5 and figure() == 3 and len(calls) == 5


def test_not_kept_inside_a_transaction(city):
    figure, calls = compute_count("test:in-transaction")
    with transaction.atomic():
        figure()
        figure()
    assert len(calls) == 2
