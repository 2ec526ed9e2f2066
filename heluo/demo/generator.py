"""Write the demo plan to the database: organizations, qualifications and annual rows in batches, then
platforms, then people. Codes are looked up in the reference data by their natural keys, never by id.

`generate` runs in one transaction, so an interrupted build leaves nothing behind. At city size every
created row also gets a change-log entry (via "demo"); at province size the log is skipped.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import random
import time
from collections import Counter
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.signals import post_delete

from heluo.core import audit
from heluo.core.codes import mask_id_number
from heluo.core.middleware import acting_as
from heluo.geo.models import Area
from heluo.geo.selectors import home_city
from heluo.orgs.models import EnterpriseAnnual, Organization, Qualification
from heluo.people.models import Expert, Mentor, Person, TalentMembership, TalentProgramme
from heluo.platforms.models import Platform, PlatformHost, PlatformStatusChange
from heluo.taxonomy.models import Cluster, HitechField, Industry

from . import names, scale
from .enterprises import DEMO_MARK, D, Ent, add_listing_history, growth_path, plan_all, plan_enterprises, staff_path
from .figures import annual_rows
from .people import plan_people
from .platforms import HostPool, plan_named, plan_synthetic
from .sectors import AREA_WEIGHTS, SECTORS

DEFAULT_SEED = 2024
NAMED_FILE = Path(__file__).resolve().parent / "data" / "luoyang_named.json"
BATCH = 2000
SECTOR_BY_KEY = {s.key: s for s in SECTORS}
FUNCTIONAL_SHORT = {"410371": "高新区", "410300-YB": "伊滨区", "410300-JK": "经开区"}
SYNTHETIC_DESCRIPTION = "演示数据（合成）/ synthetic demo data"
NAMED_DESCRIPTION = (
    "真实单位名称；统一社会信用代码为合成（真实代码未知），所在区域为大致位置，资质与年度数据均为演示数据（合成）。"
    " / Real name; the USCC is synthetic (the real code is not known), the area approximate, "
    "qualifications and annual figures are synthetic demo data."
)
SHORT_NAME_NOTE = "名称为规划专栏三中的简称，全称未核实。/ Short name as written in the plan. "


# ---------------------------------------------------------------- reference data


class AreaInfo:
    def __init__(self, area: Area, predecessors=()):
        self.pk, self.code, self.name, self.kind = area.pk, area.code, area.name_zh, area.kind
        self.valid_from, self.predecessors = area.valid_from, sorted(predecessors)
        self.short = FUNCTIONAL_SHORT.get(self.code) or (self.name[:-1] if len(self.name) > 2 else self.name).replace("回族", "")
        self.address_name = FUNCTIONAL_SHORT.get(self.code, self.name)  # 河南省洛阳市高新区…

    def uscc_code(self, rng, founded, city_code) -> str:
        """Codes keep the area of registration: a firm of 偃师区 founded before 2021 carries 410381 (偃师市)."""
        if self.predecessors and self.valid_from and (founded is None or founded < self.valid_from):
            return rng.choice(self.predecessors)
        return self.code if len(self.code) == 6 and self.code.isdigit() else city_code

    def place_name(self, rng, founded) -> str:
        roll = rng.random()
        if roll < 0.08:
            return "河南"
        if self.kind == Area.Kind.COUNTY and roll < 0.35:
            return self.name
        return "洛阳"


class Reference:
    """The city's reference data, keyed by code."""

    def __init__(self):
        city = home_city()
        if city is None:
            raise CommandError("没有参考数据，请先运行 heluo load-reference / no reference data: run `heluo load-reference` first")
        self.city, self.city_code = city, city.code
        areas = list(Area.objects.order_by("code"))
        preds = {}
        for a in areas:
            if a.successor_id:
                preds.setdefault(a.successor_id, []).append(a.code)
        self.areas_by_code = {a.code: AreaInfo(a, preds.get(a.pk, ())) for a in areas}
        self.city_info = self.areas_by_code[city.code]
        self.current = [self.areas_by_code[a.code] for a in areas if a.parent_id == city.pk and a.valid_to is None]
        self.divisions = dict(Industry.objects.filter(level=Industry.Level.DIVISION).values_list("code", "pk"))
        self.fields = dict(HitechField.objects.values_list("code", "pk"))
        self.clusters = dict(Cluster.objects.filter(city=city).values_list("code", "pk"))
        programmes = list(TalentProgramme.objects.order_by("code"))
        self.heluo_programme = next((p for p in programmes if p.code == "heluo-yingcai" or "河洛英才" in p.name_zh), None)
        self.provincial_programme = next((p for p in programmes if p.code == "zhongyuan-yingcai" or "中原英才" in p.name_zh), None)
        self.usccs = set(Organization.objects.exclude(uscc=None).values_list("uscc", flat=True))
        self.names = set(Organization.objects.values_list("name", flat=True))
        self._division_choices = {}

    def enterprise_areas(self):
        return [a for a in self.current if a.code in AREA_WEIGHTS] or self.current

    def pick_division(self, rng, sector):
        if sector.key not in self._division_choices:
            self._division_choices[sector.key] = [(c, w) for c, w in sector.divisions.items() if c in self.divisions]
        choices = self._division_choices[sector.key]
        return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0] if choices else None

    def pick_field(self, rng, sector):
        fields = [c for c in sector.fields if c in self.fields]
        return rng.choice(fields) if fields else None


# ---------------------------------------------------------------- the organizations of the plan


def named_orgs(rng, ref, data) -> list[Ent]:
    ents = []
    for i, item in enumerate(data):
        e = Ent(10_000_000 + i, item["kind"])
        e.named, e.seed, e.name, e.short = item, rng.getrandbits(48), item["name"], item["short"]
        e.sector = SECTOR_BY_KEY.get(item.get("sector"))
        e.area = ref.areas_by_code.get(item["area"]) or ref.city_info
        e.division = item.get("division") if item.get("division") in ref.divisions else None
        e.field = item.get("field") if item.get("field") in ref.fields else None
        e.clusters = [c for c in item.get("clusters", []) if c in ref.clusters]
        if item["kind"] == "enterprise":
            growth = rng.gauss(0.07, 0.03)
            e.rev = growth_path(rng, None, first_revenue=item["revenue_2019"] / math.exp(5 * growth), growth=growth)
            e.staff = staff_path(rng, e.rev, item["revenue_2019"] / item["staff_2019"])
            if item.get("listing") or item.get("listed"):
                history = [(stage, D(day)) for stage, day in item.get("listing", [])]
                listed = dict(item["listed"], date=D(item["listed"]["date"])) if item.get("listed") else None
                add_listing_history(e, history, listed)
        ents.append(e)
    return ents


def support_orgs(rng, ref, factor) -> list[Ent]:
    """Synthetic research institutes, service agencies (incubator operators …) and investors."""
    areas = ref.enterprise_areas()
    weights = [AREA_WEIGHTS.get(a.code, 1) for a in areas]
    kinds = [("research_institute", scale.RESEARCH_INSTITUTES), ("service_agency", scale.SERVICE_AGENCIES), ("investor", scale.INVESTORS)]
    ents, idx = [], 20_000_000
    for kind, n in kinds:
        for _ in range(scale.scaled(n, factor)):
            e = Ent(idx, kind)
            idx += 1
            e.seed = rng.getrandbits(48)
            e.sector = rng.choice([s for s in SECTORS if s.cluster]) if kind == "research_institute" else SECTOR_BY_KEY["tech-services"]
            e.area = rng.choices(areas, weights=weights)[0]
            e.founded = dt.date(rng.randint(2005, 2022), rng.randint(1, 12), rng.randint(1, 28))
            ents.append(e)
    return ents


SUPPORT_WORDS = {
    "research_institute": lambda rng, e: f"{rng.choice(e.sector.topics)}研究院有限公司",
    "service_agency": lambda rng, e: rng.choice(
        ("科技服务有限公司", "孵化器管理有限公司", "知识产权代理有限公司", "技术转移服务有限公司", "创业服务有限公司", "检测认证有限公司")
    ),
    "investor": lambda rng, e: rng.choice(("创业投资有限公司", "股权投资基金管理有限公司", "科技投资有限公司")),
}


def identity(e: Ent, ref) -> dict:
    """Name, USCC, legal representative and address, drawn from the organization's own seed."""
    rng = random.Random(e.seed + 1)
    if e.named:
        area6 = e.named.get("uscc_area") or e.area.uscc_code(rng, None, ref.city_code)
        kind = e.named.get("uscc", "91")
        uscc = names.uscc(rng, kind, area6, None, ref.usccs)
        note = SHORT_NAME_NOTE if e.name == e.short else ""
        return dict(uscc=uscc, legal_representative="", address="", description=f"{note}{NAMED_DESCRIPTION} {DEMO_MARK}")
    while True:
        if e.kind == "enterprise":
            name, short = names.company_name(rng, rng.choice(e.sector.words), e.area.place_name(rng, e.founded))
        else:
            trade = names.trade_name(rng)
            name, short = f"洛阳{trade}{SUPPORT_WORDS[e.kind](rng, e)}", trade
        if name not in ref.names:
            ref.names.add(name)
            break
    e.name, e.short = name, short
    return dict(
        uscc=names.uscc(rng, "91", e.area.uscc_code(rng, e.founded, ref.city_code), e.founded, ref.usccs),
        legal_representative=names.person_name(rng, rng.random() < 0.85),
        address=names.address(rng, e.area.code, e.area.address_name),
        description=SYNTHETIC_DESCRIPTION,
    )


# ---------------------------------------------------------------- writing


def snapshot(obj, m2m=None) -> dict:
    """What `audit.serialize` would record, without a query per object."""
    fields, many = _recorded_fields(type(obj))
    data = {}
    for name, attname, masked in fields:
        value = getattr(obj, attname)
        data[name] = mask_id_number(str(value)) if masked and value else audit._jsonable(value)
    for name in many:
        data[name] = sorted((m2m or {}).get(name, []))
    return data


@cache
def _recorded_fields(model) -> tuple[list[tuple[str, str, bool]], list[str]]:
    """(name, attname, masked) of the fields a snapshot records, and the many-to-many names: looked up once."""
    masked = getattr(model, "audit_masked_fields", ())
    fields = [(f.name, f.attname, f.name in masked) for f in model._meta.concrete_fields if getattr(f, "audited", True)]
    return fields, [f.name for f in model._meta.many_to_many]


class Writer:
    def __init__(self, log: bool):
        self.log, self.counts = log, Counter()

    def create(self, model, objs, m2m=None, label=str):
        model.objects.bulk_create(objs, batch_size=1000)
        self.counts[model.__name__] += len(objs)
        if self.log and audit.is_audited(model):
            audit.record_changes(model, [(o.pk, label(o), "create", None, snapshot(o, m2m(o) if m2m else None)) for o in objs])


def write_orgs(writer, ref, ents, size):
    orgs = []
    for e in ents:
        fields = identity(e, ref)
        orgs.append(
            Organization(
                name=e.name,
                short_name=e.short or "",
                kind=e.kind,
                area_id=e.area.pk,
                industry_id=ref.divisions.get(e.division),
                hitech_field_id=ref.fields.get(e.field),
                founded_on=e.founded,
                is_synthetic=e.named is None,
                **fields,
            )
        )
    clusters = {id(o): [ref.clusters[c] for c in e.clusters] for e, o in zip(ents, orgs)}
    writer.create(Organization, orgs, m2m=lambda o: {"clusters": clusters[id(o)]})
    through = Organization.clusters.through
    links = [through(organization_id=o.pk, cluster_id=c) for o in orgs for c in clusters[id(o)]]
    through.objects.bulk_create(links, batch_size=1000)
    for e, o in zip(ents, orgs):
        e.pk = o.pk
    quals = [Qualification(organization=o, **q.fields()) for e, o in zip(ents, orgs) for q in e.quals]
    # str(q) with the kind's label looked up once (get_kind_display rebuilds the choices on every call)
    kinds = {value: str(label) for value, label in Qualification._meta.get_field("kind").flatchoices}
    writer.create(Qualification, quals, label=lambda q: f"{q.organization} · {kinds.get(q.kind, q.kind)} {q.certificate_no}".strip())
    annual = [
        EnterpriseAnnual(organization=o, **row)
        for e, o in zip(ents, orgs)
        if e.kind == "enterprise" and e.rev
        for row in annual_rows(e, size.annual_years)
    ]
    writer.create(EnterpriseAnnual, annual)
    for e in ents:
        e.quals = []  # written; the plan keeps only what platforms and people need


def write_platforms(writer, ref, plans):
    objs = []
    for p in plans:
        status, since, _ = p.status
        objs.append(
            Platform(
                name=p.name,
                kind=p.kind,
                level=p.level,
                area_id=p.area.pk,
                cluster_id=ref.clusters.get(p.cluster),
                status=status,
                status_since=since,
                description=p.description,
                is_synthetic=p.synthetic,
            )
        )
    hosts = {id(o): [h.pk for h, _ in p.hosts] for p, o in zip(plans, objs)}
    writer.create(Platform, objs, m2m=lambda o: {"hosts": hosts[id(o)]})
    for p, o in zip(plans, objs):
        p.pk = o.pk
    links, labels = [], {}
    for p, o in zip(plans, objs):
        for host, role in p.hosts:
            link = PlatformHost(platform=o, organization_id=host.pk, role=role)
            labels[id(link)] = f"{p.name} · {host.name} ({link.get_role_display()})"
            links.append(link)
    writer.create(PlatformHost, links, label=lambda link: labels[id(link)])
    changes = [PlatformStatusChange(platform=o, status=s, date=d, note=note) for p, o in zip(plans, objs) for s, d, note in p.history]
    writer.create(PlatformStatusChange, changes)


def write_people(writer, ref, people):
    persons = [
        Person(
            name=p.name,
            id_number=p.id_number,
            gender="male" if p.male else "female",
            birth_year=p.born.year,
            employer_id=p.employer.pk if p.employer else None,
            title=p.title,
            degree=p.degree,
            is_synthetic=True,
        )
        for p in people
    ]
    writer.create(Person, persons)
    for p, o in zip(people, persons):
        p.pk = o.pk
    memberships = [
        TalentMembership(person=o, programme=prog, year=year, category=cat, note="演示数据（合成）")
        for p, o in zip(people, persons)
        for prog, year, cat in p.talents
        if prog is not None
    ]
    writer.create(TalentMembership, memberships)
    experts = [
        (p, Expert(person=o, specialty=p.expert["specialty"], active=p.expert["active"], joined_on=p.expert["joined_on"]))
        for p, o in zip(people, persons)
        if p.expert
    ]
    m2m = {
        id(x): {
            "hitech_fields": [ref.fields[c] for c in p.expert["fields"]],
            "industries": [ref.divisions[c] for c in p.expert["industries"]],
        }
        for p, x in experts
    }
    writer.create(Expert, [x for _, x in experts], m2m=lambda x: m2m[id(x)])
    fields_through, industries_through = Expert.hitech_fields.through, Expert.industries.through
    fields_through.objects.bulk_create(
        [fields_through(expert_id=x.pk, hitechfield_id=f) for _, x in experts for f in m2m[id(x)]["hitech_fields"]], batch_size=1000
    )
    industries_through.objects.bulk_create(
        [industries_through(expert_id=x.pk, industry_id=i) for _, x in experts for i in m2m[id(x)]["industries"]], batch_size=1000
    )
    mentors = [
        Mentor(
            person=o,
            specialty=p.mentor["specialty"],
            active=p.mentor["active"],
            carrier_id=p.mentor["carrier"].pk if p.mentor["carrier"] else None,
        )
        for p, o in zip(people, persons)
        if p.mentor
    ]
    writer.create(Mentor, mentors)


# ---------------------------------------------------------------- entry points


def demo_exists() -> bool:
    return Organization.objects.filter(is_synthetic=True).exists()


def generate(size_name="city", seed=DEFAULT_SEED, log=print) -> dict:
    """Build the demo ecosystem. Returns counts for the summary."""
    size = scale.SIZES[size_name]
    started = time.monotonic()
    rng = random.Random(seed)
    ref = Reference()
    data = json.loads(NAMED_FILE.read_text(encoding="utf-8"))
    with transaction.atomic(), acting_as(None, "demo"):
        named = [e for e in named_orgs(rng, ref, data["organizations"]) if e.name not in ref.names]
        ref.names.update(e.name for e in named)
        support = support_orgs(rng, ref, size.factor)
        synthetic = plan_enterprises(rng, ref, size)
        firms = [e for e in named if e.kind == "enterprise"] + synthetic
        plan_all(rng, firms, size.factor, ref.city_code)
        log(f"  规划完成 / planned {len(firms)} enterprises ({time.monotonic() - started:.1f} s)")
        writer = Writer(size.change_log)
        everyone = named + support + synthetic
        for start in range(0, len(everyone), BATCH):
            write_orgs(writer, ref, everyone[start : start + BATCH], size)
        log(f"  机构与年报 / organizations and annual data written ({time.monotonic() - started:.1f} s)")

        by_key = {e.named["key"]: e for e in named}
        pool = HostPool(
            rng,
            firms,
            [e for e in named if e.kind == "university" and e.area.code != "410000"],
            [e for e in named + support if e.kind == "research_institute"],
            [e for e in support if e.kind == "service_agency"],
            [e for e in support if e.kind == "investor"],
        )
        taken = set(Platform.objects.values_list("name", flat=True))
        plans = plan_named(rng, data["platforms"], ref, by_key, pool, taken) + plan_synthetic(rng, ref, size.factor, pool, taken)
        for start in range(0, len(plans), BATCH):
            write_platforms(writer, ref, plans[start : start + BATCH])

        carriers = [p for p in plans if p.kind in ("incubator", "maker_space") and p.status[0] == "approved"]
        taken_ids = set(Person.objects.exclude(id_number=None).values_list("id_number", flat=True))
        write_people(writer, ref, plan_people(rng, ref, size.factor, pool, carriers, taken_ids))
    log(f"  完成 / done in {time.monotonic() - started:.1f} s")
    return dict(writer.counts, seconds=round(time.monotonic() - started, 1))


@contextmanager
def unsynced_while_new():
    """SQLite waits for the disk at every commit: for a new demo database, some 80 times for the schema and once for
    each large write, 4–6 s of `heluo demo` on a virtual disk. A database this build creates holds nothing else,
    so it is written without those waits and synced once at the end. A crash of the machine (not of the program)
    during the build can then leave it broken: delete it and build again. Databases that already hold tables are
    written as usual."""
    path = connection.settings_dict["NAME"]
    if connection.vendor != "sqlite" or connection.introspection.table_names():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous = OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous = {int(before)}")
        with open(path, "rb") as db:
            os.fsync(db.fileno())


@contextmanager
def audit_muted():
    """Bulk deletes without a change-log row per deleted object (which would also forbid fast deletes)."""
    post_delete.disconnect(dispatch_uid="heluo-audit-post-delete")
    try:
        yield
    finally:
        post_delete.connect(audit._on_post_delete, dispatch_uid="heluo-audit-post-delete")


def reset(usernames=()):
    """Delete what the demo created: synthetic records, the named records it marked, its accounts. The audit log
    keeps what the demo did: its rows are chained, and removing some would break the chain."""
    from django.contrib.auth import get_user_model

    from heluo.demo.achievements import reset_demo_achievements
    from heluo.demo.brokering import reset_demo_brokering
    from heluo.demo.carriers import reset_demo_carriers
    from heluo.demo.contracts import reset_demo_contracts
    from heluo.demo.cultivation import reset_demo_cultivation
    from heluo.demo.demands import reset_demo_demands
    from heluo.demo.incubation import reset_demo_incubation
    from heluo.demo.instruments import reset_demo_instruments
    from heluo.demo.projects import reset_demo_projects
    from heluo.demo.talent import reset_demo_talent
    from heluo.demo.vouchers import reset_demo_vouchers

    orgs = Organization.objects.filter(Q(is_synthetic=True) | Q(description__contains=DEMO_MARK))
    with transaction.atomic(), audit_muted():
        reset_demo_projects()  # before the organizations and people its applications point to
        reset_demo_carriers()  # before the experts its marks point to
        reset_demo_talent()  # before the people and organizations its rounds, cards and needs point to
        reset_demo_instruments()  # before the organizations owning and booking them
        reset_demo_incubation()  # before the platforms, organizations and people its records point to
        reset_demo_brokering()  # before the demands, achievements, contracts and organizations its records point to
        reset_demo_achievements()  # before the organizations they belong to
        reset_demo_cultivation(usernames)
        reset_demo_vouchers(usernames)  # before the accounts and organizations its records point to
        reset_demo_contracts()  # before the organizations its contracts point to
        reset_demo_demands()
        get_user_model().objects.filter(username__in=usernames).delete()
        Person.objects.filter(is_synthetic=True).delete()
        Platform.objects.filter(Q(is_synthetic=True) | Q(description__contains=DEMO_MARK)).delete()
        EnterpriseAnnual.objects.filter(Q(is_synthetic=True) | Q(organization__in=orgs)).delete()
        Qualification.objects.filter(organization__in=orgs).delete()
        Organization.clusters.through.objects.filter(organization__in=orgs).delete()
        orgs.delete()
