"""A small world for the carriers' tests: the common world (tests/conftest.py) plus approved platforms of three
kinds in two clusters, a pilot base hosted by the ``org_a`` enterprise, a second host's platforms, experts."""

import datetime as dt
from types import SimpleNamespace

import pytest

from heluo.carriers.services import evaluation as services
from heluo.core.models import Role
from heluo.people.models import Expert, Person
from heluo.platforms.models import Platform, PlatformHost
from heluo.taxonomy.models import Cluster
from tests.helpers import make_user

DAY = dt.date(2023, 3, 1)


def approved(name, kind, area, host, cluster=None):
    p = Platform.objects.create(name=name, kind=kind, level="municipal", area=area, cluster=cluster, status="approved", status_since=DAY)
    PlatformHost.objects.create(platform=p, organization=host)
    return p


@pytest.fixture
def carriers(world):
    w = world
    machinery = Cluster.objects.create(city=w.city, code="machinery", kind="cluster", name_zh="高端装备", name_en="Equipment", sort=1)
    materials = Cluster.objects.create(city=w.city, code="materials", kind="cluster", name_zh="新材料", name_en="Materials", sort=2)
    Platform.objects.filter(pk=w.plat_a.pk).update(status="approved", status_since=DAY)
    w.plat_a.refresh_from_db()
    pilot_a = approved("甲中试基地", "pilot_base", w.a, w.ent_a, machinery)
    pilot_b = approved("乙中试基地", "pilot_base", w.b, w.ent_b, machinery)
    institute_b = approved("乙产业研究院", "industry_research_institute", w.b, w.ent_b, materials)
    space_b = approved("乙众创空间", "maker_space", w.b, w.ent_b)
    expert = Expert.objects.get(person=w.expert_person)
    other_person = Person.objects.create(name="赵专家", employer=w.ent_a)
    other_expert = Expert.objects.create(person=other_person, specialty="材料")
    other_user = make_user("expert2", Role.EXPERT, person=other_person)
    return SimpleNamespace(
        world=w,
        users=w.users,
        machinery=machinery,
        materials=materials,
        key_lab=w.plat_a,
        pilot_a=pilot_a,
        pilot_b=pilot_b,
        institute_b=institute_b,
        space_b=space_b,
        expert=expert,
        other_expert=other_expert,
        other_user=other_user,
    )


PILOT = {"pilot_runs": 40, "service_income": 600, "firms_served": 30}  # full marks on the figures (70 of 100)
INSTITUTE = {"rd_spend": 300, "firms_served": 20, "transfers": 2, "patents": 2}  # 29 of 70: with a 70 from the experts, 50 (不合格)
SPACE = {"teams": 40, "events": 24, "financed": 5, "mentors": 10}  # full marks, no experts in its scheme
KEY_LAB = {"patents": 5, "papers": 10, "researchers": 25, "open_projects": 5}


def round_of(c, year=2024, kinds=("pilot_base", "industry_research_institute", "maker_space", "key_lab")):
    return services.round_create(
        c.users.admin, year=year, title=f"{year}年度创新平台绩效评价", kinds=list(kinds), due_on=dt.date(year + 1, 3, 31)
    )
