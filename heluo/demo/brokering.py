"""The demo's brokering (对接): about ten brokering events (roadshows, matchmaking meetings, fairs) from 2022 to 2026,
run by the bureau, the districts and the ``provider`` account's service agency, each with 10–40 participants; and
about 750 brokering records on the published demands (public or matched-parties-only), each with one counterpart —
a published achievement, a pool expert or a university or institute — of the demand's cluster or high-tech field where
there is one, as the matching engine would rank them. Each record has 1–5 steps between its start and today and is
open, negotiating, closed (with a reason) or signed; a signed one links to a registered technology contract its
supply side sold to the demand's enterprise, written here (the demo's contracts end in 2025; the demands are this
year's), so that it counts in 技术合同成交额.

The ``expert`` account's expert, the ``org`` and ``zhongxin`` accounts' organizations and the ``provider`` agency each
take part in some. Seeded and bulk-written with their change records, in one transaction; built once (skipped when a
demo event exists); ``reset_demo_brokering`` removes it (``heluo demo --reset``), before the demands, achievements,
contracts and organizations it points to.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter
from decimal import Decimal
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from heluo.core import audit
from heluo.core.middleware import acting_as
from heluo.geo.models import Area
from heluo.geo.selectors import home_city
from heluo.market.engine import brokering as engine
from heluo.market.engine import contracts as rules
from heluo.market.models import (
    Achievement,
    Brokering,
    BrokeringEvent,
    BrokeringStep,
    ContractEvent,
    Demand,
    EventParticipant,
    TechnologyContract,
)
from heluo.market.selectors.demands import district_ids
from heluo.orgs.models import Organization, OrganizationKind
from heluo.people.models import Expert
from heluo.taxonomy.models import Cluster, HitechField

from . import contracts as demo_contracts
from .enterprises import DEMO_MARK

SEED = 2026
RECORDS_PER_DEMAND = (1, 6)  # drawn per published demand: about 750 over the demo's ~230
COUNTERPART = (("achievement", 55), ("expert", 20), ("organization", 25))
BROKERED = 0.4  # the share of records a service agency brokers; the provider's agency half of those
AT_EVENT = 0.35  # of the records a demand could have begun at one of this year's events
# (status, weight) for a record begun at least RIPE days ago; a younger one is mostly still open
STATUSES = (("open", 18), ("negotiating", 27), ("closed", 32), ("signed", 23))
YOUNG = (("open", 60), ("negotiating", 35), ("closed", 5))
RIPE = 10
MOST_PARTICIPANTS = 40  # an event's; it starts with 10 or more
CLOSE_REASONS = (
    "技术路线与企业现有产线不匹配",
    "报价超出企业预算，双方未能达成一致",
    "企业已通过自主研发解决该问题",
    "供给方产能不足，暂不具备合作条件",
    "需求方调整了产品规划，需求暂缓",
)
STEP_NOTES = {
    "contact": "服务机构电话联系双方，交换基本情况",
    "introduction": "推荐双方负责人建立联系",
    "visit": "供给方到需求企业现场考察生产线",
    "meeting": "双方技术负责人洽谈合作方式与技术指标",
    "validation": "样品已送企业测试，主要指标达到要求",
    "proposal": "供给方提交技术方案与报价",
}
CONTRACT_TYPES = {  # the demand's cooperation mode → the contract's type and subtype
    "joint_development": ("development", "cooperative"),
    "commissioned_development": ("development", "commissioned"),
    "transfer": ("transfer", ""),
    "licence": ("licensing", ""),
    "consulting_services": ("consulting", ""),
}
CONTRACT_WORDS = {
    "development": "技术开发",
    "transfer": "技术转让",
    "licensing": "专利实施许可",
    "consulting": "技术咨询",
    "service": "技术服务",
}
# (a date, or days from today: this year's; kind, organizer: bureau | district | agency, title)
EVENTS = (
    (dt.date(2022, 6, 16), "matchmaking", "bureau", "2022年洛阳市先进制造业产学研供需对接会"),
    (dt.date(2022, 10, 20), "roadshow", "district", "2022年新材料科技成果路演"),
    (dt.date(2023, 5, 18), "fair", "bureau", "2023年中国（洛阳）技术交易博览会"),
    (dt.date(2023, 9, 14), "demand_release", "agency", "2023年装备制造企业技术需求发布会"),
    (dt.date(2024, 4, 25), "matchmaking", "district", "2024年智能制造供需对接会"),
    (dt.date(2024, 11, 7), "online", "agency", "2024年高校院所科技成果线上对接"),
    (dt.date(2025, 6, 12), "roadshow", "bureau", "2025年高校院所科技成果路演"),
    (dt.date(2025, 10, 30), "matchmaking", "district", "2025年新能源产业供需对接会"),
    (-150, "demand_release", "bureau", "{y}年全市企业技术需求发布暨对接会"),
    (-90, "roadshow", "agency", "{y}年轴承与高端装备成果路演"),
    (-45, "matchmaking", "district", "{y}年新材料产业供需对接会"),
    (-14, "online", "agency", "{y}年冬季线上供需对接"),
)
EVENT_PLACES = ("洛阳国际会展中心", "洛阳科技大市场", "洛阳高新区创新创业服务中心", "洛阳市科技局会议室", "线上（视频会议）")
MARK = f"\n{DEMO_MARK}"  # in the description of the demo's events, so --reset finds them


def demo_brokering_exists() -> bool:
    return BrokeringEvent.objects.filter(description__contains=DEMO_MARK).exists()


def build_demo_brokering(log=print, seed: int = SEED) -> dict:
    """Returns the counts written (empty: already there, or nothing to broker)."""
    city = home_city()
    if city is None or demo_brokering_exists():
        return {}
    started = time.monotonic()
    rng, today = random.Random(seed), timezone.localdate()
    world = _World(rng, today, city)
    if not world.demands:
        return {}
    events = _events(world)
    records, steps, contracts = _records(world, events)
    participants = [
        EventParticipant(event=e, organization_id=org_id, role=role, attended=rng.random() < 0.9)
        for e in events
        for org_id, role in sorted(e.joined.items())
    ]
    with acting_as(None, "demo"), transaction.atomic():
        _create(BrokeringEvent, events)
        _create(EventParticipant, participants)
        _create(TechnologyContract, contracts)
        _create(ContractEvent, [e for c in contracts for e in demo_contracts._events(c)])
        Brokering.objects.bulk_create(records, batch_size=1000)
        audit.record_changes(Brokering, [(b.pk, b.repr, "create", None, audit.serialize(b)) for b in records])
        BrokeringStep.objects.bulk_create(steps, batch_size=2000)
    counts = {"events": len(events), "participants": len(participants), "records": len(records), "steps": len(steps)}
    counts["contracts"] = len(contracts)
    log(f"  对接 / brokering: {counts} ({time.monotonic() - started:.1f} s)")
    return counts


def _create(model, objs):
    model.objects.bulk_create(objs, batch_size=1000)
    audit.record_changes(model, [(o.pk, str(o), "create", None, audit.serialize(o)) for o in objs])


class Counterpart(NamedTuple):
    id: int
    supplier: int | None  # the supply side's organization: the achievement's owner, the expert's employer, itself
    top: int | None  # top-level high-tech field
    cluster: int | None
    label: str
    since: dt.date  # brokered from this day on (an achievement once published)


ALWAYS = dt.date(2000, 1, 1)


def _top(field_id, parent) -> int | None:
    return parent.get(field_id) or field_id


class _World:
    """What the records are drawn from, as plain rows: the demands that may be brokered and their counterparts."""

    def __init__(self, rng, today, city):
        self.rng, self.today, self.city = rng, today, city
        self.units = demo_contracts._units(city)  # area → its registering office
        self.numbers = set(TechnologyContract.objects.exclude(registration_number=None).values_list("registration_number", flat=True))
        parent = {pk: p for pk, p in HitechField.objects.values_list("pk", "parent_id") if p}
        fields = ("pk", "title", "enterprise_id", "enterprise__name", "enterprise__uscc", "enterprise__area_id", "hitech_field_id")
        self.demands = list(
            Demand.objects.filter(status="published", confidentiality__in=("public", "matched"), published_at__lte=timezone.now())
            .values(*fields, "cluster_id", "published_at", "cooperation_mode", "budget_min", "budget_max")
            .order_by("pk")
        )
        for d in self.demands:
            d["from"] = timezone.localtime(d["published_at"]).date()
            d["top"] = _top(d["hitech_field_id"], parent)
        self.orgs = {
            o["pk"]: o
            for o in Organization.objects.filter(uscc__isnull=False)
            .values("pk", "name", "uscc", "area_id", "kind", "hitech_field_id")
            .order_by("pk")
        }
        clusters = {}
        for org_id, cluster_id in Organization.clusters.through.objects.values_list("organization_id", "cluster_id").order_by("pk"):
            clusters.setdefault(org_id, cluster_id)
        self.pool = {"achievement": [], "expert": [], "organization": []}
        for a in (
            Achievement.objects.filter(status="published")
            .values("pk", "title", "organization_id", "hitech_field_id", "cluster_id", "published_at")
            .order_by("pk")
        ):
            since = timezone.localtime(a["published_at"]).date() if a["published_at"] else ALWAYS
            row = Counterpart(a["pk"], a["organization_id"], _top(a["hitech_field_id"], parent), a["cluster_id"], a["title"], since)
            self.pool["achievement"].append(row)
        expert_field = {}
        for expert_id, field_id in Expert.hitech_fields.through.objects.values_list("expert_id", "hitechfield_id").order_by("pk"):
            expert_field.setdefault(expert_id, _top(field_id, parent))
        for e in Expert.objects.filter(active=True).values("pk", "person__name", "person__employer_id").order_by("pk"):
            employer = e["person__employer_id"]
            self.pool["expert"].append(
                Counterpart(e["pk"], employer, expert_field.get(e["pk"]), clusters.get(employer), e["person__name"], ALWAYS)
            )
        # a university's or institute's field and cluster: its own, else those its achievements are most often in
        works = {}
        for row in self.pool["achievement"]:
            works.setdefault(row.supplier, []).append(row)
        for o in self.orgs.values():
            if o["kind"] in (OrganizationKind.UNIVERSITY, OrganizationKind.RESEARCH_INSTITUTE):
                own = works.get(o["pk"], [])
                top = _top(o["hitech_field_id"], parent) or _most([r.top for r in own])
                row = Counterpart(o["pk"], o["pk"], top, clusters.get(o["pk"]) or _most([r.cluster for r in own]), o["name"], ALWAYS)
                self.pool["organization"].append(row)
        self.index = {kind: _index(rows) for kind, rows in self.pool.items()}
        agencies = [o for o in self.orgs.values() if o["kind"] == OrganizationKind.SERVICE_AGENCY]
        self.agencies = sorted(agencies, key=lambda o: o["pk"])
        self.investors = sorted((o for o in self.orgs.values() if o["kind"] == OrganizationKind.INVESTOR), key=lambda o: o["pk"])
        accounts = dict(
            get_user_model()
            .objects.filter(username__in=("provider", "org", "zhongxin", "expert"))
            .values_list("username", "profile__organization_id")
        )
        self.provider = self.orgs.get(accounts.get("provider")) or (self.agencies[0] if self.agencies else None)
        self.account_orgs = [accounts[u] for u in ("org", "zhongxin") if accounts.get(u) in self.orgs]
        person = get_user_model().objects.filter(username="expert").values_list("profile__person_id", flat=True).first()
        self.account_expert = Expert.objects.filter(person_id=person, active=True).values_list("pk", flat=True).first()
        self.staff = get_user_model().objects.filter(username="staff").first()


def _most(values):
    counted = Counter(v for v in values if v)
    return max(counted, key=lambda v: (counted[v], -v)) if counted else None


def _index(rows):
    by_cluster, by_top = {}, {}
    for i, row in enumerate(rows):
        if row.cluster:
            by_cluster.setdefault(row.cluster, []).append(i)
        if row.top:
            by_top.setdefault(row.top, []).append(i)
    return by_cluster, by_top


def _events(world):
    """The events, each with the organizations that join it and their roles (``joined``: the records made at an
    event add their parties to it)."""
    rng, today = world.rng, world.today
    districts = list(Area.objects.filter(pk__in=district_ids()).order_by("code"))
    clusters = list(Cluster.objects.order_by("pk"))
    firms = sorted({d["enterprise_id"] for d in world.demands})
    suppliers = sorted({r.supplier for rows in world.pool.values() for r in rows if r.supplier in world.orgs})
    events = []
    for when, kind, organizer, title in EVENTS:
        held = today + dt.timedelta(days=when) if isinstance(when, int) else when
        area = rng.choice(districts) if organizer == "district" and districts else None
        by = {"bureau": "洛阳市科技局", "district": f"{area.name_zh}科技主管部门" if area else "县区科技主管部门"}.get(organizer)
        agency = world.provider if organizer == "agency" else None
        name = (agency or {}).get("name") or by
        e = BrokeringEvent(
            title=title.format(y=held.year),
            kind=kind,
            held_on=held,
            place=EVENT_PLACES[-1] if kind == "online" else rng.choice(EVENT_PLACES[:-1]),
            area=area,
            organizer_id=agency["pk"] if agency else None,
            cluster=rng.choice(clusters) if clusters and rng.random() < 0.7 else None,
            description=f"{name}主办，组织企业、高校院所与服务机构面对面对接（演示）。{MARK}",
            created_by=world.staff,
        )
        events.append(e)
        e.joined = {}
        for org_id in rng.sample(firms, min(len(firms), rng.randint(6, 12))):
            e.joined[org_id] = "demand"
        for org_id in rng.sample(suppliers, min(len(suppliers), rng.randint(4, 10))):
            e.joined.setdefault(org_id, "supply")
        for o in rng.sample(world.agencies, min(len(world.agencies), rng.randint(1, 4))):
            e.joined.setdefault(o["pk"], "agency")
        for o in rng.sample(world.investors, min(len(world.investors), rng.randint(0, 3))):
            e.joined.setdefault(o["pk"], "investor")
        if world.provider and agency is None and rng.random() < 0.6:
            e.joined.setdefault(world.provider["pk"], "agency")
    return events


def _records(world, events):
    rng, today = world.rng, world.today
    recent = [e for e in events if e.held_on.year == today.year]
    records, steps, contracts, taken = [], [], [], set()
    plan = []
    for d in world.demands:
        for _ in range(rng.randint(*RECORDS_PER_DEMAND)):
            plan.append((d, rng.choices([k for k, _ in COUNTERPART], [w for _, w in COUNTERPART])[0]))
    plan += _account_plan(world)
    for d, kind, *forced in plan:
        row = forced[0] if forced else _counterpart(world, d, kind)
        if row is None or row.supplier == d["enterprise_id"] or (d["pk"], kind, row.id) in taken:
            continue
        taken.add((d["pk"], kind, row.id))
        first = max(d["from"], row.since)
        if first > today:
            continue
        parties = {d["enterprise_id"], row.supplier}
        # room for the two parties and the agency
        at = [e for e in recent if first <= e.held_on and len(e.joined.keys() | parties) < MOST_PARTICIPANTS]
        at = at if rng.random() < AT_EVENT else []
        event = rng.choice(at) if at else None
        start = event.held_on if event else first + dt.timedelta(days=rng.randint(0, (today - first).days))
        broker = None
        if rng.random() < BROKERED and world.agencies:
            broker = world.provider if world.provider and rng.random() < 0.5 else rng.choice(world.agencies)
        seller = world.orgs.get(row.supplier)
        status = _status(rng, start, today, seller is not None)
        b = Brokering(
            demand_id=d["pk"],
            **{f"{kind}_id": row.id},
            broker_id=broker["pk"] if broker else None,
            event=event,
            status=status,
            started_on=start,
            note="",
            created_by=world.staff,
        )
        b.repr = f"{d['title']} ↔ {row.label}"  # str(b) would read the demand and the counterpart again
        b_steps = _steps(rng, b, start, today)
        if status == "signed":
            b.contract = _contract(world, d, seller, b_steps[-1].on)
            contracts.append(b.contract)
        records.append(b)
        steps += b_steps
        if event is not None:
            for org_id, role in ((d["enterprise_id"], "demand"), (row.supplier, "supply"), (b.broker_id, "agency")):
                if org_id in world.orgs:
                    event.joined.setdefault(org_id, role)
    return records, steps, contracts


def _account_plan(world):
    """A few records for the demo accounts that the draw may have left out: the expert's, and the ``org`` and
    ``zhongxin`` organizations' as the supply side."""
    rng, out = world.rng, []
    expert = next((row for row in world.pool["expert"] if row.id == world.account_expert), None)
    for org_id in world.account_orgs:
        o = world.orgs[org_id]
        row = Counterpart(org_id, org_id, None, None, o["name"], ALWAYS)
        out += [(d, "organization", row) for d in rng.sample(world.demands, min(3, len(world.demands)))]
    if expert is not None:
        out += [(d, "expert", expert) for d in rng.sample(world.demands, min(4, len(world.demands)))]
    return out


def _counterpart(world, d, kind):
    """One of the kind sharing the demand's cluster or field (best of a few drawn), else any."""
    rows = world.pool[kind]
    if not rows:
        return None
    by_cluster, by_top = world.index[kind]
    near = by_cluster.get(d["cluster_id"], []) + by_top.get(d["top"], [])
    drawn = [rows[i] for i in world.rng.sample(near, min(len(near), 6))] if near else [world.rng.choice(rows)]
    return max(
        drawn, key=lambda r: 2 * (r.cluster is not None and r.cluster == d["cluster_id"]) + (r.top is not None and r.top == d["top"])
    )


def _status(rng, start, today, can_sign):
    pairs = STATUSES if (today - start).days >= RIPE else YOUNG
    if not can_sign:
        pairs = [p for p in pairs if p[0] != "signed"]
    return rng.choices([s for s, _ in pairs], [w for _, w in pairs])[0]


def _steps(rng, b, start, today):
    """create, 0–2 contacts, and the transitions to its status, in date order between start and today."""
    path = {
        "open": [],
        "negotiating": ["negotiate"],
        "closed": rng.choice([["close"], ["negotiate", "close"]]),
        "signed": ["negotiate", "sign"],
    }
    chain = path[b.status]
    kinds = rng.sample(sorted(STEP_NOTES), rng.randint(0, min(2, 4 - len(chain))))
    span = (today - start).days
    days = sorted(rng.randint(0, span) for _ in range(len(kinds) + len(chain)))
    out = [_step(b, "create", start, "", "open", "", 0)]
    state = "open"
    for i, (kind, day) in enumerate(zip(kinds + chain, days, strict=True), 1):
        on = start + dt.timedelta(days=day)
        if kind in STEP_NOTES:
            out.append(_step(b, kind, on, "", "", STEP_NOTES[kind], i))
            continue
        target = engine.workflow().transitions[kind].target
        note = rng.choice(CLOSE_REASONS) if kind == "close" else ""
        out.append(_step(b, kind, on, state, target, note, i))
        state = target
    return out


def _step(b, kind, on, from_status, to_status, note, i):
    at = dt.datetime.combine(on, dt.time(9 + i, 30), tzinfo=dt.UTC)
    return BrokeringStep(
        brokering=b, kind=kind, on=on, from_status=from_status, to_status=to_status, note=note, actor_name="demo", via="demo", at=at
    )


def _contract(world, d, seller, signed_step):
    """A registered contract the supply side sold to the demand's enterprise, recorded by the sign step."""
    rng = world.rng
    ctype, subtype = CONTRACT_TYPES.get(d["cooperation_mode"], ("service", ""))
    low = d["budget_min"] or Decimal(100000)
    high = max(d["budget_max"] or low * 3, low)
    amount = Decimal(round(rng.uniform(float(low), float(high)) / 1000) * 1000) or Decimal(50000)
    costs = Decimal(0) if rng.random() < 0.7 else (amount * Decimal(rng.randint(5, 20)) / 100).quantize(Decimal("0.01"))
    registered = signed_step
    submitted = registered - dt.timedelta(days=rng.randint(0, 5))
    signed = submitted - dt.timedelta(days=rng.randint(0, 10))
    office = world.units.get(seller["area_id"]) or world.city
    seq, number = 0, None
    while number is None or number in world.numbers:
        seq += 1
        number = demo_contracts.DEMO_NUMBER_PREFIX + rules.registration_number(registered.year, office.code, seq)
    world.numbers.add(number)
    return TechnologyContract(
        registration_number=number,
        contract_number=f"DJ{registered.year}{rng.randint(1000, 99999)}",
        name=f"{d['title'][:60]}{CONTRACT_WORDS[ctype]}合同",
        contract_type=ctype,
        subtype=subtype,
        rule_set=rules.rule_set_for(registered).code,
        state="registered",
        seller_name=seller["name"],
        seller_uscc=seller["uscc"],
        seller_id=seller["pk"],
        seller_area_id=seller["area_id"],
        buyer_name=d["enterprise__name"],
        buyer_uscc=d["enterprise__uscc"],
        buyer_id=d["enterprise_id"],
        buyer_area_id=d["enterprise__area_id"],
        buyer_location="city",
        contract_amount=amount,
        non_technical_costs=costs,
        transaction_amount=amount - costs,
        signed_on=signed,
        valid_from=signed,
        valid_to=signed + dt.timedelta(days=365 * rng.randint(1, 3)),
        submitted_on=submitted,
        registered_on=registered,
        office=office,
        hitech_field_id=seller["hitech_field_id"],
        cluster_id=d["cluster_id"],
        source="entered",
        is_synthetic=True,
    )


def reset_demo_brokering():
    """Every record on the demo's demands or with the demo's counterparts, and the demo's events (before the
    demands, achievements, contracts and organizations they point to)."""
    orgs = Organization.objects.filter(Q(is_synthetic=True) | Q(description__contains=DEMO_MARK))
    Brokering.objects.filter(
        Q(demand__enterprise__in=orgs)
        | Q(achievement__is_synthetic=True)
        | Q(expert__person__is_synthetic=True)
        | Q(organization__in=orgs)
        | Q(broker__in=orgs)
        | Q(contract__is_synthetic=True)
    ).delete()
    BrokeringEvent.objects.filter(Q(description__contains=DEMO_MARK) | Q(organizer__in=orgs)).delete()
