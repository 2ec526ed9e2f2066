"""Talents (河洛英才计划), experts and start-up mentors, with valid synthetic ID numbers."""

from __future__ import annotations

import datetime as dt

from . import names, scale
from .sectors import SECTORS

TALENT_CATEGORIES = {"顶尖人才": 3, "领军人才": 22, "青年拔尖人才": 30, "创新创业人才（团队）": 30, "青年创新创业人才（团队）": 15}
TALENT_YEARS = {2017: 6, 2018: 7, 2019: 8, 2020: 10, 2021: 12, 2022: 14, 2023: 15, 2024: 16}
PROVINCIAL_CATEGORIES = ("中原领军人才", "中原青年拔尖人才", "中原产业创新领军人才")
MENTOR_SPECIALTIES = ("创业辅导", "投融资", "知识产权", "市场营销", "财务管理", "技术转移", "企业管理", "法律服务")
TITLES = {
    "university": ("教授", "副教授", "研究员"),
    "research_institute": ("研究员", "正高级工程师", "高级工程师"),
    "enterprise": ("总工程师", "技术总监", "高级工程师", "董事长"),
    "service_agency": ("总经理", "合伙人", "高级咨询师"),
    "investor": ("投资总监", "合伙人"),
}
CLUSTERED = [s for s in SECTORS if s.cluster]


class PersonPlan:
    __slots__ = ("name", "male", "born", "id_number", "employer", "title", "degree", "talents", "expert", "mentor", "pk")

    def __init__(self):
        self.talents, self.expert, self.mentor, self.pk = [], None, None, None


def _person(rng, employer, born_from, born_to, taken_ids, doctor_share):
    p = PersonPlan()
    p.male = rng.random() < 0.72
    p.name = names.person_name(rng, p.male)
    p.born = dt.date(rng.randint(born_from, born_to), rng.randint(1, 12), rng.randint(1, 28))
    p.id_number = names.id_number(rng, p.born, p.male, taken_ids)
    p.employer = employer
    p.title = rng.choice(TITLES.get(employer.kind if employer else "enterprise", TITLES["enterprise"]))
    roll = rng.random()
    p.degree = "博士" if roll < doctor_share else "硕士" if roll < doctor_share + 0.3 else "学士"
    return p


def _employer(rng, pool, shares):
    roll, acc = rng.random(), 0.0
    for group, share in shares:
        acc += share
        if roll < acc:
            return pool.enterprise(2024) if group == "enterprise" else pool.pick(group)
    return pool.enterprise(2024)


def plan_people(rng, ref, factor, pool, carriers, taken_ids) -> list[PersonPlan]:
    people = []
    talents = scale.scaled(scale.TALENTS, factor)
    for _ in range(talents):
        year = names.weighted(rng, TALENT_YEARS)
        category = names.weighted(rng, TALENT_CATEGORIES)
        born = (year - 38, 1995) if category.startswith("青年") else (1962, 1985)  # 青年: under 40 when selected
        p = _person(rng, _employer(rng, pool, (("enterprise", 0.55), ("universities", 0.3), ("institutes", 0.15))), *born, taken_ids, 0.7)
        p.talents.append((ref.heluo_programme, year, category))
        if ref.provincial_programme and year < 2024 and rng.random() < 0.12:
            p.talents.append((ref.provincial_programme, rng.randint(year + 1, 2024), rng.choice(PROVINCIAL_CATEGORIES)))
        people.append(p)

    experts = scale.scaled(scale.EXPERTS, factor)
    for i in range(experts):
        if i < min(talents, experts // 20):
            p = people[i]  # a few talents also sit in the expert pool
        else:
            p = _person(
                rng,
                _employer(rng, pool, (("universities", 0.45), ("institutes", 0.2), ("enterprise", 0.3), ("agencies", 0.05))),
                1958,
                1988,
                taken_ids,
                0.6,
            )
            people.append(p)
        sector = p.employer.sector if p.employer and p.employer.sector else rng.choice(CLUSTERED)
        fields = [c for c in sector.fields if c in ref.fields]
        chosen = rng.sample(fields, min(len(fields), rng.randint(1, 2)))
        chosen += sorted({c.split(".")[0] for c in chosen} & set(ref.fields))
        divisions = [c for c in sector.divisions if c in ref.divisions]
        p.expert = dict(
            fields=chosen,
            industries=rng.sample(divisions, min(len(divisions), rng.randint(1, 3))),
            specialty=rng.choice(sector.topics),
            active=rng.random() < 0.93,
            joined_on=dt.date(rng.randint(2015, 2024), rng.randint(1, 12), rng.randint(1, 28)),
        )

    for _ in range(scale.scaled(scale.MENTORS, factor)):
        p = _person(rng, _employer(rng, pool, (("agencies", 0.5), ("investors", 0.25), ("enterprise", 0.25))), 1965, 1990, taken_ids, 0.25)
        p.mentor = dict(
            specialty="、".join(rng.sample(MENTOR_SPECIALTIES, 2)),
            active=rng.random() < 0.9,
            carrier=rng.choice(carriers) if carriers else None,
        )
        people.append(p)
    return people
