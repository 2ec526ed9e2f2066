"""中试服务清单: ``GET /carriers/pilot-services`` (public: the published ones; a host also its own drafts),
``GET /carriers/pilot-services/match?need=…&cluster=`` (the services that best answer a firm's need, on the
matching engine, with the shared terms), and a pilot base's host (or the bureau) creates, changes and deletes its
services (``platform`` must be a pilot base the caller may change, else 422)."""

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Router, Schema
from ninja.patch_dict import PatchDict
from ninja.responses import Status

from heluo.api.auth import OPEN, caller, writer
from heluo.api.common import READ, WRITE, by_code, paged
from heluo.api.errors import invalid
from heluo.taxonomy.models import Cluster

from ..models import PilotService
from ..selectors import pilot as selectors
from ..services import pilot as services

router = Router(tags=["innovation carriers: pilot services"])


class ServiceOut(Schema):
    id: int
    platform_id: int
    platform_name: str = Field(..., alias="platform.name")
    name: str
    description: str
    keywords: str
    capacity: str
    price: str
    lead_time_days: int
    is_published: bool


class ServiceIn(Schema):
    platform: int = Field(..., ge=1, le=2**31 - 1)
    name: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    keywords: str = Field("", max_length=300)
    capacity: str = Field(..., min_length=1, max_length=200)
    price: str = Field(..., min_length=1, max_length=100)
    lead_time_days: int = Field(..., ge=0, le=3650)
    is_published: bool = True


class MatchOut(Schema):
    service: ServiceOut
    score: float
    terms: list[str]


class MatchQuery(Schema):
    need: str = Field(..., min_length=1, max_length=2000)
    cluster: str | None = Field(None, max_length=40, description="cluster code")
    limit: int = Field(10, ge=1, le=50)


@router.get("/carriers/pilot-services", response=list[ServiceOut], **OPEN)
@paged
def list_services(request, q: str = Query("", max_length=100)):
    return selectors.service_list(caller(request), q)


@router.get("/carriers/pilot-services/match", response=list[MatchOut], **OPEN)
def match(request, query: Query[MatchQuery]):
    cluster = by_code(Cluster, query.cluster, "cluster")
    found = selectors.find(caller(request), query.need, cluster, query.limit)
    return [{"service": s, "score": m.score, "terms": list(m.terms)} for s, m in found]


@router.get("/carriers/pilot-services/{int:id}", response={200: ServiceOut, **READ}, **OPEN)
def get_service(request, id: int):
    return selectors.service_get(caller(request), id)


def _save(user, service: PilotService, data: dict) -> PilotService:
    if "platform" in data:
        platform = selectors.own_bases(user).filter(pk=data.pop("platform")).first()
        if platform is None:
            raise invalid("platform", "未知的中试基地（或不由您的单位依托） / Unknown pilot base (or not hosted by you)")
        service.platform = platform
    for name, value in data.items():
        setattr(service, name, value)
    return services.service_save(user, service)


@router.post("/carriers/pilot-services", response={201: ServiceOut, **WRITE})
def create_service(request, payload: ServiceIn):
    user = writer(request)
    return Status(201, _save(user, PilotService(), payload.model_dump()))


@router.patch("/carriers/pilot-services/{int:id}", response={200: ServiceOut, **WRITE})
def update_service(request, id: int, payload: PatchDict[ServiceIn]):
    user = writer(request)
    service = selectors.service_get(user, id)
    if not selectors.may_change(user, service):
        raise PermissionDenied("只有中试基地的依托单位或科技局可以修改 / Only the base's host or the bureau may change it.")
    return _save(user, service, dict(payload))


@router.delete("/carriers/pilot-services/{int:id}", response={204: None, **WRITE})
def delete_service(request, id: int):
    user = writer(request)
    services.service_delete(user, selectors.service_get(user, id))
    return Status(204, None)
