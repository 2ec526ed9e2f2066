"""项目申报 / applications. Scope as on the pages (Application.scope_q): the applicant organization its own, a
district its area's, the bureau all; experts and the public none. Only the applicant writes, and only while the
workflow leaves the application editable (draft, returned); a write outside that is 403 or 409.

``answers`` is an object of the call's form's fields by key (text, integer, money in yuan, date YYYY-MM-DD, boolean,
one choice's code, a list of choices' codes); ``budget`` an object of yuan amounts by category code. A write checks
them for what they are; submission (``POST …/transitions`` with ``{"action": "submit"}``) checks the application
complete and eligible. Either refusal is a 422 ``application_incomplete`` that lists every problem, each with its
``field`` (the answer's key, ``budget.<category>``, ``attachment.<kind>`` or the eligibility check's code) and its
reason in both languages. ``GET …/check`` tells the same before submitting, with every eligibility check passed or not.
Attachments: ``POST …/attachments`` (multipart: ``kind``, one of the form's attachments, and ``file``), checked by
type, size and first bytes, kept under their SHA-256; ``GET /projects/application-files/{id}`` downloads one."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.patch_dict import PatchDict
from ninja.responses import Status

from heluo.api.auth import caller, writer
from heluo.api.common import READ, WRITE, by_code, paged, visible
from heluo.api.errors import invalid
from heluo.api.schemas import Message, OrgRef, PersonRef
from heluo.core.permissions import allowed_actions
from heluo.geo.models import Area
from heluo.orgs.models import Organization
from heluo.people.models import Person

from ..models import Application, ApplicationStatus, Call
from ..selectors import applications as selectors
from ..selectors import lists
from ..services import applications as services
from ..services.calls import BUDGET_MAX

router = Router(tags=["science projects: applications"])


class ApplicationOut(Schema):
    id: int
    number: str | None
    call_id: int
    call: str
    applicant: OrgRef
    area: str
    pi: PersonRef
    title: str
    keywords: str
    requested: Decimal
    status: ApplicationStatus
    commitment_signed_at: dt.datetime | None
    submitted_at: dt.datetime | None

    @staticmethod
    def resolve_call(obj):
        return obj.call.title

    @staticmethod
    def resolve_area(obj):
        return obj.applicant.area.code


class ApplicationDetailOut(ApplicationOut):
    abstract: str
    answers: dict[str, Any]
    budget: dict[str, Decimal]
    members: list[PersonRef]
    partners: list[OrgRef]
    actions: list[str]  # the workflow steps the caller may take now

    @staticmethod
    def resolve_answers(obj):
        return selectors.answers_of(obj)

    @staticmethod
    def resolve_budget(obj):
        return selectors.budget_of(obj)

    @staticmethod
    def resolve_members(obj):
        return [p.person for p in obj.participants.filter(kind="member").select_related("person")]

    @staticmethod
    def resolve_partners(obj):
        return [p.organization for p in obj.participants.filter(kind="partner").select_related("organization")]

    @staticmethod
    def resolve_actions(obj):
        return sorted(obj.caller_actions)


class ApplicationIn(Schema):
    call: int = Field(..., ge=1, le=2**31 - 1)
    pi: int = Field(..., ge=1, le=2**31 - 1)  # a person of the applicant organization
    title: str = Field(..., min_length=1, max_length=200)
    abstract: str = Field(..., min_length=1, max_length=5000)
    keywords: str = Field("", max_length=300)
    requested: Decimal = Field(..., gt=0, le=BUDGET_MAX, max_digits=14, decimal_places=2)  # yuan
    answers: dict[str, Any] = Field(default_factory=dict, max_length=200)
    budget: dict[str, Any] = Field(default_factory=dict, max_length=50)
    members: list[int] | None = Field(None, max_length=services.MAX_MEMBERS)  # person ids; the PI is always one
    partners: list[int] | None = Field(None, max_length=services.MAX_PARTNERS)  # organization ids


class ApplicationPatch(ApplicationIn):
    call: int | None = None  # fixed once made: ignored on a change


class ApplicationFilters(Schema):
    q: str | None = Field(None, max_length=100)
    call: int | None = Field(None, ge=1, le=2**31 - 1)
    status: list[ApplicationStatus] | None = None
    programme: list[str] | None = None
    area: str | None = Field(None, max_length=12)  # area code; sub-areas included


class TransitionIn(Schema):
    action: str = Field(..., max_length=20)
    reason: str = Field("", max_length=2000)


class EventOut(Schema):
    transition: str
    from_status: str
    to_status: str
    actor_name: str
    via: str
    at: dt.datetime
    reason: str
    checks: list[dict[str, Any]]


class ProblemOut(Schema):
    key: str
    zh: str
    en: str


class CheckOut(Schema):
    code: str
    ok: bool
    zh: str
    en: str


class ReadinessOut(Schema):
    complete: bool
    problems: list[ProblemOut]  # what submission would refuse
    eligibility: list[CheckOut]  # every check, passed or not


class AttachmentOut(Schema):
    id: int
    kind: str
    name: str
    size: int
    sha256: str
    uploaded_at: dt.datetime


def _detail(user, pk) -> Application:
    a = selectors.application_get(user, pk)
    a.caller_actions = allowed_actions(user, a) - {"view", "change", "delete"}
    return a


@router.get("/projects/applications", response=list[ApplicationOut])
@paged
def list_applications(request, filters: Query[ApplicationFilters]):
    user = caller(request)
    data = filters.model_dump(mode="json", exclude_none=True)
    if "area" in data:
        area = by_code(Area, data.pop("area"), "area")
        if area is not None:
            data["area"] = area.pk
    filterset = lists.application_filtered(user, data)
    if not filterset.is_valid():
        raise ValidationError({k: list(v) for k, v in filterset.errors.items()})
    return filterset.qs


@router.get("/projects/applications/{int:id}", response={200: ApplicationDetailOut, **READ})
def get_application(request, id: int):
    return _detail(caller(request), id)


def _save(user, a: Application, data: dict) -> Application:
    if "pi" in data:
        a.pi = visible(Person, user, data.pop("pi"), "person")
    for name in ("title", "abstract", "keywords", "requested"):
        if name in data:
            setattr(a, name, data.pop(name))
    members = data.get("members")
    partners = data.get("partners")
    return services.application_save(
        user,
        a,
        answers=data.get("answers"),
        budget=data.get("budget"),
        members=None if members is None else [visible(Person, user, pk, "person") for pk in members],
        partners=None if partners is None else [visible(Organization, user, pk, "organization") for pk in partners],
    )


@router.post("/projects/applications", response={201: ApplicationDetailOut, **WRITE})
def create_application(request, payload: ApplicationIn):
    user = writer(request)
    data = payload.model_dump()
    call = Call.objects.restrict(user, "view").filter(pk=data.pop("call")).first()
    if call is None:
        raise invalid("call", "未知的项目指南 / Unknown call for proposals.")
    a = _save(user, Application(call=call), data)
    return Status(201, _detail(user, a.pk))


@router.patch("/projects/applications/{int:id}", response={200: ApplicationDetailOut, **WRITE})
def update_application(request, id: int, payload: PatchDict[ApplicationPatch]):
    user = writer(request)
    a = selectors.application_get(user, id)
    if not services.editable(user, a):
        raise services.forbidden(
            "只有申报单位可在草稿或退回修改时修改申报", "Only the applicant changes a draft or a returned application."
        )
    data = dict(payload)
    data.pop("call", None)
    _save(user, a, data)
    return _detail(user, id)


@router.delete("/projects/applications/{int:id}", response={204: None, **WRITE})
def delete_application(request, id: int):
    """A draft only, by its applicant."""
    user = writer(request)
    services.application_delete(user, selectors.application_get(user, id))
    return Status(204, None)


@router.post("/projects/applications/{int:id}/transitions", response={200: ApplicationDetailOut, **WRITE})
def transition_application(request, id: int, payload: TransitionIn):
    """A workflow step: 403 for a role the step does not name, 409 from a state it does not start from, 422 without
    the reason it asks for — or, at submission, with every problem of the application."""
    user = writer(request)
    services.application_transition(user, selectors.application_get(user, id), payload.action, payload.reason)
    return _detail(user, id)


@router.post("/projects/applications/{int:id}/commitment", response={200: ApplicationDetailOut, **WRITE})
def sign_commitment(request, id: int):
    """科研诚信承诺: the applicant signs it while the application is editable."""
    user = writer(request)
    services.sign_commitment(user, selectors.application_get(user, id))
    return _detail(user, id)


@router.get("/projects/applications/{int:id}/check", response={200: ReadinessOut, **READ})
def check_application(request, id: int):
    """What submission would refuse now, and every eligibility check with its reason."""
    a = selectors.application_get(caller(request), id)
    problems = services.completeness(a)
    return {
        "complete": not problems,
        "problems": [{"key": p.key, "zh": p.zh, "en": p.en} for p in problems],
        "eligibility": [{"code": c.code, "ok": c.ok, "zh": c.zh, "en": c.en} for c in selectors.eligibility(a)],
    }


@router.get("/projects/applications/{int:id}/events", response={200: list[EventOut], **READ})
@paged
def application_events(request, id: int):
    user = caller(request)
    return selectors.application_events(user, selectors.application_get(user, id))


@router.get("/projects/applications/{int:id}/attachments", response={200: list[AttachmentOut], **READ})
def list_attachments(request, id: int):
    user = caller(request)
    return lists.attachments(user, selectors.application_get(user, id))


@router.post("/projects/applications/{int:id}/attachments", response={201: AttachmentOut, **WRITE})
def add_attachment(request, id: int, kind: Form[str], file: File[UploadedFile]):
    """One file of a kind the call's form asks for (its types and size limit: ``GET /projects/calls/{id}``)."""
    user = writer(request)
    return Status(201, services.attach(user, selectors.application_get(user, id), kind[:30], file))


@router.get(
    "/projects/application-files/{int:id}",
    response={404: Message},
    openapi_extra={
        "responses": {
            "200": {"description": "The file.", "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}
        }
    },
)
def download_attachment(request, id: int):
    att = lists.attachment_get(caller(request), id)
    try:
        handle = services.attachment_open(att)
    except ValidationError:
        raise Application.DoesNotExist from None
    return FileResponse(handle, as_attachment=True, filename=att.name, content_type="application/octet-stream")
