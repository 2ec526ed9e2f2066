"""A talent round's world on the shared registry world: the programme, three experts at three universities, two
candidates at 甲企业 (a young doctor and an older one), and a person-linked account for the young one."""

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from heluo.core.codes import make_id_number, make_uscc
from heluo.core.models import Role
from heluo.orgs.models import Organization
from heluo.people.models import Expert, Person, TalentProgramme
from heluo.talent.services import rounds as services
from heluo.taxonomy.models import HitechField
from tests.helpers import make_user


def org(n: int, name: str, area) -> Organization:
    return Organization.objects.create(name=name, uscc=make_uscc("1", "2", "410305", f"TB{n:06d}"), area=area)


def make_talent_world(world):
    TalentProgramme.objects.get_or_create(code="heluo-yingcai", defaults={"name_zh": "河洛英才计划", "name_en": "Heluo Talent Programme"})
    field = HitechField.objects.filter(parent__isnull=True).first() or HitechField.objects.create(
        code="T1", number=1, name_zh="电子信息", name_en="Electronics"
    )
    experts, users = [], []
    for i in range(3):
        uni = org(i, f"大学{i}", world.a)
        p = Person.objects.create(name=f"评审{i}", id_number=make_id_number("410305", dt.date(1970, 1, 1), 500 + i), employer=uni)
        e = Expert.objects.create(person=p, specialty="材料")
        e.hitech_fields.set([field])
        experts.append(e)
        users.append(make_user(f"reviewer{i}", Role.EXPERT, person=p))
    young = Person.objects.create(
        name="青年博士",
        id_number=make_id_number("410305", dt.date(1990, 6, 1), 61),
        employer=world.ent_a,
        birth_year=timezone.localdate().year - 35,
        degree="博士",
    )
    old = Person.objects.create(
        name="资深博士",
        id_number=make_id_number("410305", dt.date(1980, 6, 1), 62),
        employer=world.ent_a,
        birth_year=timezone.localdate().year - 36,
        degree="博士",
    )
    talent_user = make_user("talent_young", Role.ORG_USER, organization=world.ent_a, person=young)
    today = timezone.localdate()
    r = services.round_open(
        world.users.staff, "heluo-yingcai", "youth", today.year, today - dt.timedelta(days=10), today + dt.timedelta(days=10)
    )
    return SimpleNamespace(field=field, experts=experts, reviewers=users, young=young, old=old, talent_user=talent_user, round=r)


def marks(value):
    return {c: {"value": value, "comment": ""} for c in ("achievements", "innovation", "fit")}
