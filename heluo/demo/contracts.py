"""The demo's technology contract registrations (技术合同认定登记): about 1,500 contracts registered 2020–2025 by the
districts' registering offices, sold by the demo's enterprises, universities and institutes to buyers in the city,
the province and elsewhere, so that the plan shows 技术合同成交额 computed from them beside the published figure.
Written in bulk (a second run changes nothing); ``reset_demo_contracts`` removes them (``heluo demo --reset``).

Synthetic: the yearly totals follow the published path of the city's 技术合同成交额 (luoyang-data.md §1.4) scaled by a
random share, so that the reconciliation has something to compare; every record is marked is_synthetic.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from heluo.core import audit
from heluo.core.codes import make_uscc
from heluo.core.middleware import acting_as
from heluo.geo.models import Area
from heluo.geo.selectors import home_city
from heluo.market.engine import contracts as rules
from heluo.market.models import ContractEvent, TechnologyContract
from heluo.orgs.models import Organization, OrganizationKind

from . import names

SEED = 2026
YEARS = range(2020, 2026)
PER_YEAR = 250
# 亿元 per year: the published path (2020 baseline 53.8; 2021 derived ≈85; 2022 113; 2023 >140.71; 2024 not found,
# read between; 2025 >280) — the demo's registrations are scaled to a random 85–100 % of it.
PATH_YI = {2020: 53.8, 2021: 85.0, 2022: 113.0, 2023: 150.0, 2024: 210.0, 2025: 280.0}
TYPES = {"development": 45, "service": 28, "consulting": 12, "transfer": 9, "licensing": 6}
SUBTYPES = {"development": ("commissioned", "commissioned", "cooperative"), "service": ("", "", "", "training", "brokerage")}
WORDS = {
    "development": ("技术开发", "研发", "关键技术攻关", "工艺开发"),
    "service": ("技术服务", "检测服务", "技术培训", "运维技术服务"),
    "consulting": ("技术咨询", "可行性论证", "技术评估"),
    "transfer": ("专利权转让", "技术秘密转让"),
    "licensing": ("专利实施许可", "软件著作权许可"),
}
SUBJECTS = (
    "高端轴承",
    "耐磨材料",
    "数控机床",
    "农机装备",
    "新能源储能",
    "智能传感器",
    "钼钨新材料",
    "工业机器人",
    "氢能装备",
    "生物医药",
    "光电芯片",
    "智能制造系统",
)
BUYER_PLACES = {
    "province": ("410102", "410105", "410202", "410402", "410702", "411102"),
    "elsewhere": ("110108", "310115", "440305", "320505", "610113", "420111"),
}
BUYER_SHARE = {"city": 40, "province": 25, "elsewhere": 35}
DEMO_NUMBER_PREFIX = "D"  # the demo's registration numbers never take a number an office would hand out


def demo_contracts_exist() -> bool:
    return TechnologyContract.objects.filter(is_synthetic=True).exists()


def build_demo_contracts(log=print) -> dict:
    city = home_city()
    if city is None or demo_contracts_exist():
        return {}
    sellers = _sellers(city)
    if not sellers:
        log("  技术合同 / technology contracts: skipped (no demo organizations)")
        return {}
    rng = random.Random(SEED)
    units = _units(city)
    buyers_here = [s for s in sellers if s["kind"] == OrganizationKind.ENTERPRISE]
    contracts, sequences = [], {}
    for year in YEARS:
        amounts = _amounts(rng, year)
        for amount in amounts:
            contracts.append(_contract(rng, year, amount, sellers, buyers_here, units, city, sequences))
    with acting_as(None, "demo"), transaction.atomic():
        TechnologyContract.objects.bulk_create(contracts, batch_size=1000)
        audit.record_changes(TechnologyContract, [(c.pk, str(c), "create", None, audit.serialize(c)) for c in contracts])
        events = [e for c in contracts for e in _events(c)]
        ContractEvent.objects.bulk_create(events, batch_size=2000)
        audit.record_changes(ContractEvent, [(e.pk, str(e), "create", None, audit.serialize(e)) for e in events])
    counts = {"contracts": len(contracts), "registered": sum(c.state == "registered" for c in contracts)}
    log(f"  技术合同 / technology contracts: {counts}")
    return counts


def _sellers(city) -> list[dict]:
    ids = Area.expand_ids([city.pk])
    kinds = [OrganizationKind.ENTERPRISE, OrganizationKind.UNIVERSITY, OrganizationKind.RESEARCH_INSTITUTE]
    qs = Organization.objects.filter(area_id__in=ids, kind__in=kinds, uscc__isnull=False).order_by("pk")
    rows = list(qs.values("pk", "name", "uscc", "area_id", "kind", "hitech_field_id"))
    clusters = dict(
        Organization.clusters.through.objects.filter(organization__in=[r["pk"] for r in rows]).values_list("organization_id", "cluster_id")
    )
    for r in rows:
        r["cluster_id"] = clusters.get(r["pk"])
        # universities and institutes sell more often than their number suggests
        r["weight"] = 1 if r["kind"] == OrganizationKind.ENTERPRISE else 25
    return rows


def _units(city) -> dict[int, Area]:
    """Area → the district, county or zone directly under the city (the registering office)."""
    areas = {a.pk: a for a in Area.objects.all()}
    out = {}
    for pk, area in areas.items():
        node, seen = area, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            if node.parent_id == city.pk:
                out[pk] = node
                break
            node = areas.get(node.parent_id)
    return out


def _amounts(rng, year) -> list[Decimal]:
    """PER_YEAR heavy-tailed amounts (元) whose total is the year's share of the published path."""
    raw = [rng.lognormvariate(0, 1.6) for _ in range(PER_YEAR)]
    target = PATH_YI[year] * 1e8 * rng.uniform(0.85, 1.0)
    scale = target / sum(raw)
    return [max(Decimal(round(v * scale / 100) * 100), Decimal(5000)) for v in raw]


def _contract(rng, year, amount, sellers, buyers_here, units, city, sequences) -> TechnologyContract:
    seller = rng.choices(sellers, weights=[s["weight"] for s in sellers])[0]
    office = units.get(seller["area_id"]) or city
    ctype = rng.choices(list(TYPES), weights=list(TYPES.values()))[0]
    subtype = rng.choice(SUBTYPES.get(ctype, ("",)))
    where = rng.choices(list(BUYER_SHARE), weights=list(BUYER_SHARE.values()))[0]
    buyer = rng.choice(buyers_here) if where == "city" and buyers_here else None
    if buyer is not None and buyer["pk"] == seller["pk"]:
        buyer = None
    if buyer is None:
        where = where if where != "city" else "province"
        place = rng.choice(BUYER_PLACES[where])
        buyer_name, buyer_uscc = (
            names.company_name(rng, "科技", "")[0],
            make_uscc("9", "1", place, names.uscc_body(rng, dt.date(2018, 1, 1))),
        )
    else:
        buyer_name, buyer_uscc = buyer["name"], buyer["uscc"]
    costs = Decimal(0) if rng.random() < 0.6 else (amount * Decimal(rng.randint(5, 40)) / 100).quantize(Decimal("0.01"))
    registered = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
    submitted = registered - dt.timedelta(days=rng.randint(1, 25))
    signed = submitted - dt.timedelta(days=rng.randint(0, 60))
    state = "registered"
    if rng.random() < 0.03:
        state = "refused"
    elif year == max(YEARS) and rng.random() < 0.02:
        state = "submitted"
    number = None
    if state == "registered":
        seq = sequences[(office.pk, year)] = sequences.get((office.pk, year), 0) + 1
        number = DEMO_NUMBER_PREFIX + rules.registration_number(year, office.code, seq)
    return TechnologyContract(
        registration_number=number,
        contract_number=f"HT{year}{rng.randint(1000, 99999)}",
        name=f"{rng.choice(SUBJECTS)}{rng.choice(WORDS[ctype])}合同",
        contract_type=ctype,
        subtype=subtype,
        rule_set=rules.rule_set_for(registered).code,
        state=state,
        refusal_reason="非技术合同：以设备买卖为主（演示）" if state == "refused" else "",
        seller_name=seller["name"],
        seller_uscc=seller["uscc"],
        seller_id=seller["pk"],
        seller_area_id=seller["area_id"],
        buyer_name=buyer_name,
        buyer_uscc=buyer_uscc,
        buyer_id=buyer["pk"] if buyer else None,
        buyer_area_id=buyer["area_id"] if buyer else None,
        buyer_location=where,
        contract_amount=amount,
        non_technical_costs=costs,
        transaction_amount=amount - costs,
        signed_on=signed,
        valid_from=signed,
        valid_to=signed + dt.timedelta(days=365 * rng.randint(1, 3)),
        submitted_on=submitted,
        registered_on=registered if state == "registered" else None,
        office=office,
        hitech_field_id=seller["hitech_field_id"],
        cluster_id=seller["cluster_id"],
        source="entered",
        is_synthetic=True,
    )


def _events(c) -> list[ContractEvent]:
    at = dt.datetime.combine(c.submitted_on, dt.time(9, 30), tzinfo=dt.UTC)
    events = [ContractEvent(contract=c, kind="submitted", to_state="submitted", at=at)]
    if c.state != "submitted":
        day = c.registered_on or c.submitted_on + dt.timedelta(days=10)
        action = "accept" if c.state == "registered" else "refuse"
        events.append(
            ContractEvent(
                contract=c,
                kind=action,
                from_state="submitted",
                to_state=c.state,
                at=dt.datetime.combine(day, dt.time(15, 0), tzinfo=dt.UTC),
                reason=c.refusal_reason,
                payload={"registration_number": c.registration_number} if c.registration_number else {},
            )
        )
    return events


def reset_demo_contracts():
    """Remove the demo's contracts with their events (the audit log keeps its rows). Their numbers carry the demo's
    prefix, so no office's own sequence was advanced."""
    TechnologyContract.objects.filter(is_synthetic=True).delete()
