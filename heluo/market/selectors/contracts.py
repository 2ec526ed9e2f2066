"""Reads of technology contracts: the scoped list, the statistics (by area, cluster, type and direction — 技术输出:
sellers here, 技术吸纳: buyers here — for any period) and the plan indicator 技术合同成交额."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from heluo.core.models import Role
from heluo.core.permissions import VIEW, scope_for
from heluo.geo.models import Area
from heluo.geo.selectors import home_city
from heluo.taxonomy.models import Cluster

from ..engine import contracts as rules
from ..models import ContractState, TechnologyContract
from ..models.contracts import district_may_register

OUTPUT, ABSORPTION = "output", "absorption"
DIRECTIONS = {OUTPUT: ("技术输出", "technology output (sellers here)"), ABSORPTION: ("技术吸纳", "technology absorption (buyers here)")}
GROUPINGS = ("area", "cluster", "type", "direction", "year")
ZERO = Decimal("0.00")
WAN = Decimal(10000)  # the pages and exports show 万元


def contracts_for(user, action=VIEW):
    return TechnologyContract.objects.restrict(user, action)


def contract_list(user, *, state=None, contract_type=None, year=None, area=None, q=None):
    qs = contracts_for(user).select_related("office", "seller_area", "buyer_area")
    if state:
        qs = qs.filter(state=state)
    if contract_type:
        qs = qs.filter(contract_type=contract_type)
    if year:
        qs = qs.filter(registered_on__year=year)
    if area is not None:
        ids = Area.expand_ids([area.pk])
        qs = qs.filter(Q(office_id__in=ids) | Q(seller_area_id__in=ids) | Q(buyer_area_id__in=ids))
    if q:
        qs = qs.filter(
            Q(name__icontains=q) | Q(registration_number__icontains=q) | Q(seller_name__icontains=q) | Q(buyer_name__icontains=q)
        )
    return qs


def may_enter(user) -> bool:
    """The role rule of the data (contract-registration.json, entry): who enters and reviews contracts."""
    role = scope_for(user).role
    if role == Role.DISTRICT_STAFF and not district_may_register():
        return False
    return role in rules.registration_config()["entry"]["roles"]["value"]


def awaiting_review(user) -> int | None:
    """The registering office's to-do: contracts it may review still awaiting it (None: not the user's work)."""
    if not may_enter(user):
        return None
    return contracts_for(user, "change").filter(state=ContractState.SUBMITTED).count()


def overdue(contract, today: dt.date | None = None) -> bool:
    """Still awaiting review past the rule set's deadline (30 days from acceptance in the 2000 measures)."""
    if contract.state != ContractState.SUBMITTED:
        return False
    deadline = rules.rule_set_for(contract.submitted_on).deadline_days
    return ((today or dt.date.today()) - contract.submitted_on).days > deadline


def counted(qs):
    """The contracts the statistics count: the workflow's counted states (registered)."""
    return qs.filter(state__in=rules.counted_states())


def in_direction(qs, direction: str, area_ids: set[int]):
    """技术输出: the seller is in the areas; 技术吸纳: the buyer is."""
    if direction == OUTPUT:
        return qs.filter(seller_area_id__in=area_ids)
    if direction == ABSORPTION:
        return qs.filter(buyer_area_id__in=area_ids)
    raise ValueError(direction)


class Rollup:
    """Area → the unit directly under the city it lies in (a district, a county, a zone), from one query."""

    def __init__(self, city: Area):
        self.city = city
        self.parent = dict(Area.objects.order_by().values_list("pk", "parent_id"))

    def unit(self, pk):
        seen = set()
        while pk is not None and pk not in seen:
            seen.add(pk)
            parent = self.parent.get(pk)
            if parent == self.city.pk:
                return pk
            pk = parent
        return None

    def below(self, pk) -> set[int]:
        children: dict = {}
        for child, parent in self.parent.items():
            children.setdefault(parent, []).append(child)
        out, todo = {pk}, [pk]
        while todo:
            for c in children.get(todo.pop(), ()):
                if c not in out:
                    out.add(c)
                    todo.append(c)
        return out


@dataclass
class StatRow:
    key: object
    label: str
    count: int = 0
    contract_amount: Decimal = ZERO
    transaction_amount: Decimal = ZERO

    @property
    def contract_wan(self) -> Decimal:
        return self.contract_amount / WAN

    @property
    def transaction_wan(self) -> Decimal:
        return self.transaction_amount / WAN


@dataclass
class Statistics:
    by: str
    direction: str
    date_from: dt.date | None
    date_to: dt.date | None
    rows: list[StatRow] = field(default_factory=list)

    @property
    def total(self) -> StatRow:
        return StatRow(
            None,
            "合计",
            sum(r.count for r in self.rows),
            sum((r.contract_amount for r in self.rows), ZERO),
            sum((r.transaction_amount for r in self.rows), ZERO),
        )


def statistics(
    user,
    by: str = "area",
    direction: str = OUTPUT,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    city: Area | None = None,
) -> Statistics:
    """Registered contracts the user may see, registered in the period, in a direction seen from the city, grouped."""
    if by not in GROUPINGS or direction not in DIRECTIONS:
        raise ValueError("unknown grouping or direction")
    city = city or home_city()
    result = Statistics(by, direction, date_from, date_to)
    if city is None:
        return result
    rollup = Rollup(city)
    base = counted(contracts_for(user))
    if date_from:
        base = base.filter(registered_on__gte=date_from)
    if date_to:
        base = base.filter(registered_on__lte=date_to)
    city_ids = rollup.below(city.pk)
    if by == "direction":
        for d, (zh, _en) in DIRECTIONS.items():
            agg = in_direction(base, d, city_ids).aggregate(n=Count("pk"), c=Sum("contract_amount"), t=Sum("transaction_amount"))
            result.rows.append(StatRow(d, zh, agg["n"], agg["c"] or ZERO, agg["t"] or ZERO))
        return result
    qs = in_direction(base, direction, city_ids)
    column = {
        "area": "seller_area_id" if direction == OUTPUT else "buyer_area_id",
        "cluster": "cluster_id",
        "type": "contract_type",
        "year": "registered_on__year",
    }[by]
    rows: dict = {}
    for key, n, c, t in qs.order_by().values_list(column).annotate(Count("pk"), Sum("contract_amount"), Sum("transaction_amount")):
        key = rollup.unit(key) if by == "area" else key
        row = rows.setdefault(key, StatRow(key, ""))
        row.count += n
        row.contract_amount += c or ZERO
        row.transaction_amount += t or ZERO
    labels = _labels(by, rows)
    for key, row in rows.items():
        row.label = labels.get(key, "未填写" if key is None else str(key))
    result.rows = sorted(rows.values(), key=lambda r: -r.contract_amount)
    if by == "year":
        result.rows.sort(key=lambda r: r.key or 0)
    return result


def _labels(by, rows) -> dict:
    keys = [k for k in rows if k is not None]
    if by == "area":
        return {a.pk: a.name for a in Area.objects.filter(pk__in=keys)}
    if by == "cluster":
        return {c.pk: c.name for c in Cluster.objects.filter(pk__in=keys)}
    if by == "type":
        rs = rules.rule_sets()[-1]
        return {k: rs.type_label(k) for k in keys}
    return {k: str(k) for k in keys}


# --- the plan indicator 技术合同成交额 ------------------------------------------------------------------------


def _flavour(params: dict) -> dict:
    flavour = rules.indicator_flavour()
    flavour.update({k: v for k, v in (params or {}).items() if k in flavour})
    if flavour["direction"] not in DIRECTIONS or flavour["amount"] not in ("contract_amount", "transaction_amount"):
        raise ValueError(f"unknown flavour of tech_contract_amount: {flavour}")
    return flavour


def indicator_amounts(params: dict, year: int, areas: list[Area]) -> dict[int, Decimal]:
    """技术合同成交额 (in 亿元, the data's divisor) of each area for a year: registered contracts, in the data's
    direction (输出: sellers in the area) and amount (合同额 or 技术交易额), by registration date; unscoped, as the
    plan's other computed indicators (a statistic, not a list of records)."""
    f = _flavour(params)
    column = "seller_area_id" if f["direction"] == OUTPUT else "buyer_area_id"
    sums = dict(
        counted(TechnologyContract.objects.all())
        .filter(**{f"{f['period']}__year": year})
        .order_by()
        .values_list(column)
        .annotate(Sum(f["amount"]))
    )
    divisor = Decimal(f["unit_divisor"])
    out = {}
    below_each = Area.below_each(areas)
    for area in areas:
        below = below_each[area.pk]
        total = sum((amount or ZERO for pk, amount in sums.items() if pk in below), ZERO)
        out[area.pk] = (total / divisor).quantize(Decimal("0.0001"))
    return out


def indicator_amount(indicator, params, year, area) -> Decimal:
    return indicator_amounts(params, year, [area])[area.pk]


def indicator_by_area(indicator, params, year, areas) -> dict[int, Decimal]:
    return indicator_amounts(params, year, areas)
