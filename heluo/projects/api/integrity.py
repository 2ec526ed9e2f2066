"""科研诚信 / research-integrity records: the bureau keeps them (create, change, delete; 403 to anyone else); a
district reads its area's, an organization and an expert their own. A record names one person or one
organization; its period, scope and source are checked (422 ``integrity_record`` with the reason). A record in force
debars its subject from applying (scope ``applications``) or from expert duties (``expert_duties``), or both."""

import datetime as dt

from ninja import Field, Router, Schema
from ninja.patch_dict import PatchDict
from ninja.responses import Status

from heluo.api.auth import caller, writer
from heluo.api.common import READ, WRITE, paged, visible
from heluo.api.schemas import OrgRef, PersonRef
from heluo.orgs.models import Organization
from heluo.people.models import Person

from ..models import IntegrityRecord, IntegrityScope
from ..selectors import lists
from ..services import integrity as services
from ..services.calls import bureau_only

router = Router(tags=["science projects: integrity"])


class IntegrityOut(Schema):
    id: int
    person: PersonRef | None
    organization: OrgRef | None
    finding: str
    sanction: str
    scope: IntegrityScope
    starts_on: dt.date
    ends_on: dt.date | None
    source: str


class IntegrityIn(Schema):
    person: int | None = Field(None, ge=1, le=2**31 - 1)  # one of person and organization
    organization: int | None = Field(None, ge=1, le=2**31 - 1)
    finding: str = Field(..., min_length=1, max_length=500)
    sanction: str = Field(..., min_length=1, max_length=300)
    scope: IntegrityScope
    starts_on: dt.date
    ends_on: dt.date | None = None
    source: str = Field(..., min_length=1, max_length=300)


@router.get("/projects/integrity", response=list[IntegrityOut])
@paged
def list_records(request):
    return lists.integrity_filtered(caller(request), {}).qs


@router.get("/projects/integrity/{int:id}", response={200: IntegrityOut, **READ})
def get_record(request, id: int):
    return lists.integrity_get(caller(request), id)


def _save(user, r: IntegrityRecord, data: dict) -> IntegrityRecord:
    if "person" in data:
        r.person = visible(Person, user, data.pop("person"), "person")
    if "organization" in data:
        r.organization = visible(Organization, user, data.pop("organization"), "organization")
    for name, value in data.items():
        setattr(r, name, value)
    return services.integrity_save(user, r)


@router.post("/projects/integrity", response={201: IntegrityOut, **WRITE})
def create_record(request, payload: IntegrityIn):
    user = writer(request)
    bureau_only(user)
    return Status(201, _save(user, IntegrityRecord(), payload.model_dump()))


@router.patch("/projects/integrity/{int:id}", response={200: IntegrityOut, **WRITE})
def update_record(request, id: int, payload: PatchDict[IntegrityIn]):
    user = writer(request)
    bureau_only(user)
    return _save(user, lists.integrity_get(user, id), dict(payload))


@router.delete("/projects/integrity/{int:id}", response={204: None, **WRITE})
def delete_record(request, id: int):
    user = writer(request)
    bureau_only(user)
    services.integrity_delete(user, lists.integrity_get(user, id))
    return Status(204, None)
