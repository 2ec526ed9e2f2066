"""技术需求 / technology demands and 需求征集 / demand campaigns.

Scope is the pages' (Demand.scope_q): without a token, published public demands; an enterprise's token, its own
and the published public ones; a district's, its area's enterprises' and the published public ones; the bureau's,
all. Budgets are in yuan (two decimals), like every amount of the API. A workflow step is
``POST /market/demands/{id}/transitions`` with ``{"action", "reason"}``: 403 for a role the step does not name,
409 from a state it does not start from, 422 without the reason it needs; each step is an event
(``GET …/events``). A demand joins a campaign only while the campaign is open (else 409 ``campaign_closed``).
"""

import datetime as dt
from decimal import Decimal

from django.db.models import prefetch_related_objects
from ninja import Field, Query, Router, Schema
from ninja.patch_dict import PatchDict
from ninja.responses import Status

from heluo.api.auth import OPEN, TOKEN, caller, writer
from heluo.api.common import READ, WRITE, by_code, filter_data, paged, require_change, visible
from heluo.api.errors import invalid
from heluo.api.history import add_changes_route
from heluo.api.schemas import Day, Message, OrgRef
from heluo.core.permissions import allowed_actions, scope_for
from heluo.geo.models import Area
from heluo.orgs.models import Organization
from heluo.taxonomy.models import Cluster, HitechField, Industry

from ..engine import demands as engine
from ..models import Confidentiality, Demand, DemandCampaign, DemandStatus
from ..selectors import demands as selectors
from ..services import demands as services

router = Router(tags=["technology demands"])

BUDGET = dict(ge=0, le=engine.budget_max(), max_digits=14, decimal_places=2)  # yuan


class DemandOut(Schema):
    id: int
    title: str
    problem: str
    enterprise: OrgRef
    area: str
    campaign_id: int | None
    hitech_field: str | None
    industry: str | None
    cluster: str | None
    budget_min: Decimal | None
    budget_max: Decimal | None
    deadline: dt.date | None
    cooperation_mode: str
    cooperation_label: str
    confidentiality: str
    status: str
    status_label: str
    submitted_at: dt.datetime | None
    published_at: dt.datetime | None

    @staticmethod
    def resolve_area(obj):
        return obj.enterprise.area.code

    @staticmethod
    def resolve_hitech_field(obj):
        return obj.hitech_field.code if obj.hitech_field_id else None

    @staticmethod
    def resolve_industry(obj):
        return obj.industry.code if obj.industry_id else None

    @staticmethod
    def resolve_cluster(obj):
        return obj.cluster.code if obj.cluster_id else None

    @staticmethod
    def resolve_cooperation_label(obj):
        return selectors.cooperation_label(obj.cooperation_mode)

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())


class DemandDetailOut(DemandOut):
    actions: list[str]  # the workflow steps the caller may take now

    @staticmethod
    def resolve_actions(obj):
        return sorted(obj.caller_actions)


class DemandIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    problem: str = Field(..., min_length=1, max_length=5000)
    enterprise: int | None = None  # organization id; an enterprise's own user may leave it out
    campaign: int | None = None
    hitech_field: str | None = Field(None, max_length=8)  # codes
    industry: str | None = Field(None, max_length=5)
    cluster: str | None = Field(None, max_length=40)
    budget_min: Decimal | None = Field(None, **BUDGET)  # yuan
    budget_max: Decimal | None = Field(None, **BUDGET)
    deadline: Day | None = None
    cooperation_mode: str = Field(..., max_length=30)
    confidentiality: Confidentiality = Confidentiality.PUBLIC


class TransitionIn(Schema):
    action: str = Field(..., max_length=20)
    reason: str = Field("", max_length=500)


class EventOut(Schema):
    action: str
    from_status: str
    to_status: str
    actor_name: str
    via: str
    at: dt.datetime
    reason: str


class DemandFilters(Schema):
    q: str | None = Field(None, max_length=100)
    status: list[DemandStatus] | None = None
    confidentiality: list[Confidentiality] | None = None
    cooperation_mode: list[str] | None = None
    hitech_field: str | None = None  # code; its sub-fields included
    industry: str | None = None  # code; a section includes its divisions
    cluster: str | None = None
    area: str | None = None  # area code; sub-areas included
    campaign: int | None = None
    enterprise: int | None = None


class TargetRow(Schema):
    area: str  # district code
    target: int = Field(..., ge=0, le=engine.max_target())


class CampaignOut(Schema):
    id: int
    title: str
    description: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    is_open: bool
    targets: list[TargetRow]

    @staticmethod
    def resolve_is_open(obj):
        return obj.is_open()

    @staticmethod
    def resolve_targets(obj):
        return [{"area": t.area.code, "target": t.target} for t in obj.targets.all()]


class BreakdownRow(Schema):
    area: str
    area_name: str
    by_status: dict[str, int]
    total: int
    target: int | None


class CampaignDetailOut(CampaignOut):
    breakdown: list[BreakdownRow]

    @staticmethod
    def resolve_breakdown(obj):
        return [
            {"area": r["area"].code, "area_name": r["area"].name, "by_status": r["by_status"], "total": r["total"], "target": r["target"]}
            for r in obj.breakdown_rows
        ]


class CampaignIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    opens_at: dt.datetime
    closes_at: dt.datetime
    targets: list[TargetRow] | None = Field(None, max_length=200)


# --- demands ---------------------------------------------------------------------------------------------


@router.get("/market/demands", response=list[DemandOut], **OPEN)
@paged
def list_demands(request, filters: Query[DemandFilters]):
    data = filter_data(
        selectors.DemandFilterSet, filters, {"hitech_field": HitechField, "industry": Industry, "cluster": Cluster, "area": Area}
    )
    return selectors.demand_list(caller(request), data)


def _detail(user, pk):
    d = selectors.demand_get(user, pk)
    d.caller_actions = allowed_actions(user, d) - {"view", "change", "delete"}
    return d


@router.get("/market/demands/{int:id}", response={200: DemandDetailOut, **READ}, **OPEN)
def get_demand(request, id: int):
    return _detail(caller(request), id)


def _apply(user, demand: Demand, data: dict) -> Demand:
    refs = {"hitech_field": HitechField, "industry": Industry, "cluster": Cluster}
    for name, model in refs.items():
        if name in data:
            setattr(demand, name, by_code(model, data.pop(name), name))
    if "enterprise" in data:
        pk = data.pop("enterprise")
        if pk is not None:
            demand.enterprise = visible(Organization, user, pk, "enterprise")
    if "campaign" in data:
        pk = data.pop("campaign")
        demand.campaign = None if pk is None else visible(DemandCampaign, user, pk, "campaign")
    for name, value in data.items():
        setattr(demand, name, value)
    return demand


@router.post("/market/demands", response={201: DemandDetailOut, **WRITE})
def create_demand(request, payload: DemandIn):
    user = writer(request)
    data = payload.model_dump()
    demand = Demand()
    scope = scope_for(user)
    if data.get("enterprise") is None and scope.organization_id:
        demand.enterprise_id = scope.organization_id
    if data.get("enterprise") is None:
        data.pop("enterprise")
        if demand.enterprise_id is None:
            raise invalid("enterprise", "须指明企业 / The enterprise is required.")
    services.demand_save(user, _apply(user, demand, data))
    return Status(201, _detail(user, demand.pk))


@router.patch("/market/demands/{int:id}", response={200: DemandDetailOut, **WRITE})
def update_demand(request, id: int, payload: PatchDict[DemandIn]):
    user = writer(request)
    demand = selectors.demand_get(user, id)
    require_change(user, demand)
    services.demand_save(user, _apply(user, demand, dict(payload)))
    return _detail(user, id)


@router.delete("/market/demands/{int:id}", response={204: None, **WRITE})
def delete_demand(request, id: int):
    """A draft only."""
    user = writer(request)
    services.demand_delete(user, selectors.demand_get(user, id))
    return Status(204, None)


@router.post("/market/demands/{int:id}/transitions", response={200: DemandDetailOut, **WRITE})
def transition_demand(request, id: int, payload: TransitionIn):
    user = writer(request)
    services.demand_transition(user, selectors.demand_get(user, id), payload.action, payload.reason)
    return _detail(user, id)


@router.get("/market/demands/{int:id}/events", response={200: list[EventOut], 401: Message, **READ}, auth=TOKEN)
@paged
def demand_events(request, id: int):
    """The demand's steps, oldest first: for its enterprise, its district and the bureau."""
    user = caller(request)
    return selectors.demand_events(user, selectors.demand_get(user, id))


add_changes_route(router, "market/demands", selectors.demand_get)


# --- campaigns -------------------------------------------------------------------------------------------


@router.get("/market/campaigns", response=list[CampaignOut], auth=TOKEN)
@paged
def list_campaigns(request):
    return selectors.campaign_list(caller(request)).prefetch_related("targets__area")


def _campaign(user, pk):
    c = selectors.campaign_get(user, pk)
    prefetch_related_objects([c], "targets__area")
    c.breakdown_rows = selectors.campaign_breakdown(user, c)
    return c


@router.get("/market/campaigns/{int:id}", response={200: CampaignDetailOut, **READ}, auth=TOKEN)
def get_campaign(request, id: int):
    """The campaign and, for the bureau and district staff, the demands collected per district by status against
    the targets."""
    return _campaign(caller(request), id)


def _save_campaign(user, campaign, data):
    targets = data.pop("targets", None)
    for name, value in data.items():
        setattr(campaign, name, value)
    if targets is not None:
        rows = [t if isinstance(t, dict) else t.model_dump() for t in targets]
        targets = {by_code(Area, t["area"], "targets"): t["target"] for t in rows}
    services.campaign_save(user, campaign, targets=targets)
    return _campaign(user, campaign.pk)


@router.post("/market/campaigns", response={201: CampaignDetailOut, **WRITE})
def create_campaign(request, payload: CampaignIn):
    user = writer(request)
    services.bureau_only(user)
    return Status(201, _save_campaign(user, DemandCampaign(), payload.model_dump()))


@router.patch("/market/campaigns/{int:id}", response={200: CampaignDetailOut, **WRITE})
def update_campaign(request, id: int, payload: PatchDict[CampaignIn]):
    user = writer(request)
    services.bureau_only(user)
    return _save_campaign(user, selectors.campaign_get(user, id), dict(payload))
