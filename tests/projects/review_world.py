"""A review round's world: a published call, experts at several employers, accepted applications with teams."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from heluo.core.codes import make_id_number, make_uscc
from heluo.core.models import Role
from heluo.orgs.models import Organization
from heluo.people.models import Expert, Person
from heluo.projects.models import Application, Participant
from tests.helpers import make_user

from .test_applications import make_call

SPECIALTIES = ("轴承寿命预测", "工业机器人视觉", "新型合金材料", "深度学习故障诊断", "锂电池储能", "数控机床")


def org(n: int, name: str) -> Organization:
    return Organization.objects.create(
        name=name, uscc=make_uscc("1", "2", "410305", f"MB{n:06d}"), area_id=Organization.objects.first().area_id
    )


def person(n: int, name: str, employer, born=dt.date(1975, 1, 1)) -> Person:
    return Person.objects.create(name=name, id_number=make_id_number("410305", born, n % 1000), employer=employer)


def expert(n: int, employer, specialty: str, username: str | None = None):
    p = person(100 + n, f"专家{n}", employer)
    e = Expert.objects.create(person=p, specialty=specialty)
    user = make_user(username or f"expert{n}", Role.EXPERT, person=p)
    return e, user


def accepted(call, applicant, pi, title: str, keywords: str, requested="1000000", members=(), partners=()) -> Application:
    n = Application.objects.filter(call=call).count() + 1
    a = Application.objects.create(
        call=call,
        applicant=applicant,
        pi=pi,
        title=title,
        abstract=f"{title}的研究与应用。",
        keywords=keywords,
        requested=Decimal(requested),
        status="accepted",
        number=f"{call.code}-{n:04d}",
        submitted_at=timezone.now(),
    )
    Participant.objects.bulk_create(
        [Participant(application=a, kind="member", person=p) for p in {pi, *members}]
        + [Participant(application=a, kind="partner", organization=o) for o in partners]
    )
    return a


def make_round(world, programme="major", budget="3000000", **call_kw):
    """Three universities, six experts (plus the world's 王专家 at 乙企业), three applications from 甲企业 and 乙企业."""
    call = make_call(world.users.staff, programme=programme, budget=Decimal(budget), max_per_project=Decimal(budget), **call_kw)
    unis = [org(i, f"大学{i}") for i in range(1, 4)]
    experts, users = [], []
    for i, specialty in enumerate(SPECIALTIES):
        e, u = expert(i, unis[i % 3], specialty)
        experts.append(e)
        users.append(u)
    young = person(50, "青年学者", world.ent_a, born=dt.date(1995, 6, 1))
    apps = [
        accepted(call, world.ent_a, world.person_a, "高精度轴承寿命预测", "轴承、寿命预测"),
        accepted(call, world.ent_b, world.person_b, "工业机器人视觉检测", "机器人、视觉"),
        accepted(call, world.ent_a, young, "新型合金材料制备", "合金、材料", requested="800000"),
    ]
    return SimpleNamespace(call=call, unis=unis, experts=experts, users=users, apps=apps, young=young)
