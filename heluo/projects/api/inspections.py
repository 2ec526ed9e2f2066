"""双随机 / random inspections of the projects under way. The bureau draws (``POST /projects/inspections``: the period,
the scope — programme types or a call —, a count or a share, inspectors per project and an optional seed; without
one the seed is drawn from os.urandom and recorded), verifies a draw (``GET …/{id}/verify``: engine.inspection re-run
on the stored seed and inputs), records results and publishes them. An item names its project (id, number, title,
the organization holding it). An inspector reads the draws and items naming them; everyone reads the published
ones. Inspectors appear by name only."""

import datetime as dt

from ninja import Field, Router, Schema
from ninja.responses import Status

from heluo.api.auth import OPEN, caller, writer
from heluo.api.common import READ, WRITE, paged, visible

from ..models import Call, InspectionResult
from ..selectors import inspections as selectors
from ..services import inspections as services
from ..services.calls import bureau_only

router = Router(tags=["science projects: inspections"])


class DrawOut(Schema):
    id: int
    period: str
    programmes: list[str]
    call_id: int | None
    count: int | None
    share: str
    per_project: int
    seed: str
    seed_chosen: bool
    fingerprint: str
    algorithm: str
    excluded: list[dict]
    drawn_at: dt.datetime


class ItemOut(Schema):
    id: int
    draw_id: int
    position: int
    project_id: int
    number: str
    title: str
    organization: str
    cycle: str
    inspectors: list[str]
    note: str
    result: InspectionResult
    findings: str
    report_date: dt.date | None
    published: bool

    @staticmethod
    def resolve_number(obj):
        return obj.project.number

    @staticmethod
    def resolve_title(obj):
        return obj.project.title

    @staticmethod
    def resolve_organization(obj):
        return obj.project.applicant.name

    @staticmethod
    def resolve_inspectors(obj):
        return [e.person.name for e in obj.inspectors.all()]


class DrawIn(Schema):
    period: str = Field(..., min_length=1, max_length=40)
    programmes: list[str] = Field([], max_length=20)
    call: int | None = Field(None, ge=1, le=2**31 - 1)
    count: int | None = Field(None, ge=0, le=services.COUNT_MAX)
    share: str | None = Field(None, max_length=12)
    per_project: int | None = Field(None, ge=1, le=services.PER_PROJECT_MAX)
    seed: int | None = Field(None, ge=0, lt=services.SEED_MAX)


class VerifyOut(Schema):
    reproduced: bool
    fingerprint_ok: bool
    zh: str
    en: str


class ResultIn(Schema):
    result: InspectionResult
    findings: str = Field("", max_length=5000)
    report_date: dt.date | None = None


@router.get("/projects/inspections", response=list[DrawOut], **OPEN)
@paged
def list_draws(request):
    return selectors.draw_list(caller(request))


@router.get("/projects/inspections/{int:id}", response={200: DrawOut, **READ}, **OPEN)
def get_draw(request, id: int):
    return selectors.draw_get(caller(request), id)


@router.get("/projects/inspections/{int:id}/items", response=list[ItemOut], **OPEN)
@paged
def list_items(request, id: int):
    user = caller(request)
    return selectors.item_list(user, selectors.draw_get(user, id))


@router.get("/projects/inspections/{int:id}/verify", response={200: VerifyOut, **READ}, **OPEN)
def verify_draw(request, id: int):
    return services.verify(selectors.draw_get(caller(request), id))


@router.post("/projects/inspections", response={201: DrawOut, **WRITE})
def create_draw(request, payload: DrawIn):
    user = writer(request)
    bureau_only(user)
    data = payload.model_dump()
    call_id = data.pop("call")
    call = visible(Call, user, call_id, "call") if call_id else None
    return Status(201, services.draw(user, data.pop("period"), call=call, **data))


@router.post("/projects/inspection-items/{int:id}/result", response={200: ItemOut, **WRITE})
def record_result(request, id: int, payload: ResultIn):
    user = writer(request)
    bureau_only(user)
    return services.record_result(user, selectors.item_get(user, id), **payload.model_dump())


@router.post("/projects/inspections/{int:id}/publish", response={200: DrawOut, **WRITE})
def publish_draw(request, id: int):
    user = writer(request)
    bureau_only(user)
    d = selectors.draw_get(user, id)
    services.publish(user, d)
    return d
