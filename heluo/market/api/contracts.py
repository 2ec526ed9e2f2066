"""技术合同认定登记 API: the contracts the caller may see, entry by the registering office, the review steps and
the statistics (by area, cluster, type, direction or year, for any period)."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from heluo.api.auth import caller, writer
from heluo.api.common import READ, WRITE, by_code, paged
from heluo.geo.models import Area
from heluo.taxonomy.models import Cluster, HitechField

from ..models import BuyerLocation, ContractState, ContractType, TechnologyContract
from ..selectors import contracts as selectors
from ..services import contracts as services

router = Router(tags=["technology contracts"])
Money = Field(..., ge=0, le=10**14, max_digits=16, decimal_places=2)


class ContractOut(Schema):
    id: int
    registration_number: str | None
    contract_number: str
    name: str
    contract_type: str
    subtype: str
    original_type: str
    rule_set: str
    state: str
    refusal_reason: str
    seller_name: str
    seller_uscc: str
    seller_id: int | None
    seller_area: str | None = Field(None, alias="seller_area.code")
    buyer_name: str
    buyer_uscc: str
    buyer_id: int | None
    buyer_area: str | None = Field(None, alias="buyer_area.code")
    buyer_location: str
    contract_amount: Decimal
    non_technical_costs: Decimal
    transaction_amount: Decimal
    signed_on: dt.date
    valid_from: dt.date | None
    valid_to: dt.date | None
    submitted_on: dt.date
    registered_on: dt.date | None
    office: str = Field(..., alias="office.code")
    source: str


class ContractIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    contract_number: str = Field("", max_length=60)
    contract_type: ContractType
    subtype: str = Field("", max_length=20)
    seller_name: str = Field(..., min_length=1, max_length=200)
    seller_uscc: str = Field(..., max_length=40)
    buyer_name: str = Field(..., min_length=1, max_length=200)
    buyer_uscc: str = Field("", max_length=40)
    buyer_location: BuyerLocation | None = None
    contract_amount: Decimal = Money
    non_technical_costs: Decimal | None = Field(None, ge=0, le=10**14, max_digits=16, decimal_places=2)
    transaction_amount: Decimal | None = Field(None, ge=0, le=10**14, max_digits=16, decimal_places=2)
    cost_items: dict[str, Decimal] | None = Field(None, max_length=20)
    signed_on: dt.date
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    submitted_on: dt.date
    office: str = Field(..., max_length=12, description="the registering office's area code")
    hitech_field: str | None = Field(None, max_length=8)
    cluster: str | None = Field(None, max_length=40)


class StepIn(Schema):
    reason: str = Field("", max_length=500)
    contract_type: ContractType | None = None
    subtype: str = Field("", max_length=20)
    on: dt.date | None = None


class ContractFilters(Schema):
    state: ContractState | None = None
    contract_type: ContractType | None = None
    year: int | None = Field(None, ge=1980, le=2100)
    area: str | None = Field(None, max_length=12)
    q: str | None = Field(None, max_length=100)


class StatRowOut(Schema):
    key: str | None
    label: str
    count: int
    contract_amount: Decimal
    transaction_amount: Decimal


class StatisticsOut(Schema):
    by: str
    direction: str
    date_from: dt.date | None
    date_to: dt.date | None
    rows: list[StatRowOut]
    total: StatRowOut


class StatisticsQuery(Schema):
    by: Literal["area", "cluster", "type", "direction", "year"] = "area"
    direction: Literal["output", "absorption"] = "output"
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")


def _with_relations(qs):
    return qs.select_related("office", "seller_area", "buyer_area")


@router.get("/tech-contracts", response=list[ContractOut])
@paged
def list_contracts(request, filters: Query[ContractFilters]):
    area = by_code(Area, filters.area, "area") if filters.area else None
    qs = selectors.contract_list(
        caller(request), state=filters.state, contract_type=filters.contract_type, year=filters.year, area=area, q=filters.q
    )
    return _with_relations(qs)


@router.get("/tech-contracts/statistics", response=StatisticsOut)
def contract_statistics(request, query: Query[StatisticsQuery]):
    stats = selectors.statistics(caller(request), query.by, query.direction, query.date_from, query.date_to)
    rows = [_row(r) for r in stats.rows]
    return {
        "by": stats.by,
        "direction": stats.direction,
        "date_from": stats.date_from,
        "date_to": stats.date_to,
        "rows": rows,
        "total": _row(stats.total),
    }


def _row(r):
    return {
        "key": None if r.key is None else str(r.key),
        "label": r.label,
        "count": r.count,
        "contract_amount": r.contract_amount,
        "transaction_amount": r.transaction_amount,
    }


def _get(user, pk) -> TechnologyContract:
    contract = _with_relations(selectors.contracts_for(user)).filter(pk=pk).first()
    if contract is None:
        raise Http404
    return contract


@router.get("/tech-contracts/{int:id}", response={200: ContractOut, **READ})
def get_contract(request, id: int):
    return _get(caller(request), id)


@router.post("/tech-contracts", response={201: ContractOut, **WRITE})
def create_contract(request, payload: ContractIn):
    user = writer(request)
    data = payload.model_dump()
    transaction = data.pop("transaction_amount")
    contract = TechnologyContract(
        **{
            k: v
            for k, v in data.items()
            if k not in ("office", "hitech_field", "cluster", "buyer_location", "non_technical_costs", "cost_items")
        }
    )
    contract.office = by_code(Area, data["office"], "office")
    contract.hitech_field = by_code(HitechField, data["hitech_field"], "hitech_field") if data["hitech_field"] else None
    contract.cluster = Cluster.objects.filter(code=data["cluster"]).first() if data["cluster"] else None
    contract.buyer_location = data["buyer_location"] or ""
    contract.non_technical_costs = data["non_technical_costs"]
    contract.cost_items = {k: str(v) for k, v in (data["cost_items"] or {}).items()}
    services.contract_save(user, contract, transaction)
    return Status(201, _get(user, contract.pk))


@router.post("/tech-contracts/{int:id}/steps/{action}", response={200: ContractOut, **WRITE})
def contract_step(request, id: int, action: str, payload: StepIn):
    user = writer(request)
    contract = _get(user, id)
    services.contract_transition(user, contract, action[:20], payload.reason, payload.contract_type or "", payload.subtype, payload.on)
    return _get(user, id)
