"""A small incubation world on the shared registry world: a maker space in district A hosted by 甲企业, the
incubator in B (hosted by 乙企业) put on the chain as an incubator, a start-up firm in A with its annual data, and a
mentor with a person-linked expert account."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from heluo.core.codes import make_id_number, make_uscc
from heluo.core.models import Role
from heluo.incubation.selectors import mentors as mentor_selectors
from heluo.incubation.services import incubations, mentors
from heluo.orgs.models import EnterpriseAnnual, Organization
from heluo.people.models import Mentor, Person
from heluo.platforms.models import Platform, PlatformHost
from tests.helpers import make_user


@pytest.fixture
def inc_world(world):
    w = world
    space = Platform.objects.create(name="甲区众创空间", kind="maker_space", level="municipal", area=w.a, status="approved")
    PlatformHost.objects.create(platform=space, organization=w.ent_a)
    admin = w.users.admin
    maker = incubations.register_carrier(admin, space, "maker_space", dt.date(2020, 1, 1))
    incubator = incubations.register_carrier(admin, w.plat_b, "incubator", dt.date(2020, 1, 1))
    firm = Organization.objects.create(
        name="丙初创科技", uscc=make_uscc("9", "1", "410305", "MA000009"), area=w.a, description="轴承 智能制造 传感器"
    )
    for year, revenue, staff in ((2022, Decimal("200000"), 8), (2023, Decimal("800000"), 15)):
        EnterpriseAnnual.objects.create(organization=firm, year=year, operating_revenue=revenue, total_staff=staff)
    person = Person.objects.create(name="赵导师", id_number=make_id_number("410305", dt.date(1975, 1, 2), 44), employer=w.ent_a)
    mentor = Mentor.objects.create(person=person, specialty="轴承、智能制造")
    mentors.save_profile(admin, mentor, experience_years=12, experience="轴承企业总经理十年", hours_per_month=8)
    other_person = Person.objects.create(name="钱导师", id_number=make_id_number("410311", dt.date(1978, 1, 2), 55), employer=w.ent_b)
    other = Mentor.objects.create(person=other_person, specialty="生物医药、融资")
    mentor_selectors.forget()
    users = SimpleNamespace(
        mentor=make_user("mentor", Role.EXPERT, person=person),
        other_mentor=make_user("mentor2", Role.EXPERT, person=other_person),
        firm=make_user("firm", Role.ORG_USER, organization=firm),
        host_a=w.users.org_a,  # 甲企业 hosts the maker space
        host_b=make_user("host_b", Role.ORG_USER, organization=w.ent_b),
        district_b=make_user("district_b", Role.DISTRICT_STAFF, areas=[w.b]),
    )
    return SimpleNamespace(w=w, space=space, maker=maker, incubator=incubator, firm=firm, mentor=mentor, other=other, users=users)
