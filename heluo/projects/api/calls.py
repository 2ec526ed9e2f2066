"""指南 / calls for proposals. Published and closed calls are public; drafts and every write are the bureau's
(403 to anyone else). Amounts in yuan (two decimals). A call's programme type takes its defaults (form, workflow,
reviewers per proposal) from data/programmes.json; the call keeps a copy of its form (``form``: sections of typed
fields, the budget's categories, the attachments it asks for). ``POST …/publish`` and ``…/close`` move it on (409
from a status they do not start from)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema
from ninja.patch_dict import PatchDict
from ninja.responses import Status

from heluo.api.auth import OPEN, caller, writer
from heluo.api.common import READ, WRITE, paged

from ..models import Call, CallStatus
from ..selectors import applications as selectors
from ..selectors import lists
from ..services import calls as services

router = Router(tags=["science projects: calls"])

MONEY = dict(gt=0, le=services.BUDGET_MAX, max_digits=14, decimal_places=2)  # yuan


class CallOut(Schema):
    id: int
    code: str
    title: str
    programme: str
    programme_label: str
    year: int
    description: str
    budget: Decimal
    max_per_project: Decimal | None
    opens_at: dt.datetime
    closes_at: dt.datetime
    is_open: bool
    form_code: str
    workflow_code: str
    reviewers_per_proposal: int
    status: CallStatus

    @staticmethod
    def resolve_programme_label(obj):
        return lists.programme_label(obj.programme)

    @staticmethod
    def resolve_is_open(obj):
        return obj.is_open()


class CallDetailOut(CallOut):
    form: dict[str, Any]  # the form as the call asks for it (see heluo/projects/engine/forms.py for its shape)

    @staticmethod
    def resolve_form(obj):
        return obj.form_spec


class CallIn(Schema):
    code: str = Field(..., min_length=1, max_length=40)
    title: str = Field(..., min_length=1, max_length=200)
    programme: str = Field(..., max_length=30)
    year: int = Field(..., ge=2000, le=2100)
    description: str = Field("", max_length=20000)
    budget: Decimal = Field(..., **MONEY)
    max_per_project: Decimal | None = Field(None, **MONEY)
    opens_at: dt.datetime
    closes_at: dt.datetime


class CallFilters(Schema):
    q: str | None = Field(None, max_length=100)
    status: list[CallStatus] | None = None
    programme: list[str] | None = None
    year: int | None = Field(None, ge=2000, le=2100)


@router.get("/projects/calls", response=list[CallOut], **OPEN)
@paged
def list_calls(request, filters: Query[CallFilters]):
    """Published and closed calls (the bureau's drafts too, for the bureau)."""
    data = filters.model_dump(mode="json", exclude_none=True)
    filterset = lists.call_filtered(caller(request), data)
    if not filterset.is_valid():
        raise ValidationError({k: list(v) for k, v in filterset.errors.items()})
    return filterset.qs


@router.get("/projects/calls/{int:id}", response={200: CallDetailOut, **READ}, **OPEN)
def get_call(request, id: int):
    return selectors.call_get(caller(request), id)


@router.post("/projects/calls", response={201: CallDetailOut, **WRITE})
def create_call(request, payload: CallIn):
    user = writer(request)
    services.bureau_only(user)
    return Status(201, services.call_save(user, Call(**payload.model_dump())))


@router.patch("/projects/calls/{int:id}", response={200: CallDetailOut, **WRITE})
def update_call(request, id: int, payload: PatchDict[CallIn]):
    user = writer(request)
    services.bureau_only(user)
    call = selectors.call_get(user, id)
    for name, value in dict(payload).items():
        setattr(call, name, value)
    return services.call_save(user, call)


@router.post("/projects/calls/{int:id}/publish", response={200: CallDetailOut, **WRITE})
def publish_call(request, id: int):
    user = writer(request)
    services.bureau_only(user)
    return services.call_status(user, selectors.call_get(user, id), CallStatus.PUBLISHED)


@router.post("/projects/calls/{int:id}/close", response={200: CallDetailOut, **WRITE})
def close_call(request, id: int):
    user = writer(request)
    services.bureau_only(user)
    return services.call_status(user, selectors.call_get(user, id), CallStatus.CLOSED)
