"""风险标记 / voucher risk flags: the bureau's review list (heluo.vouchers.services.risk).

``GET /vouchers/risk-flags`` lists flags (filters ``status``, ``kind``, ``programme``), each with its explanation in
Chinese and English and the compared values in ``details``. ``POST /vouchers/risk-flags/{id}/clear`` with
``{"reason": ...}`` clears a flag after review; ``…/reopen`` undoes that, also with a reason. Flags are raised by
``heluo vouchers risk-scan``; they are never deleted.

Bureau only: anyone else gets 403 (the flags name enterprises and providers under review); a read-only token
gets 403 on the writes; a missing reason is a 422, clearing a cleared flag a 409 — with the bilingual reason.
"""

import datetime as dt
from typing import Any

from ninja import Query, Router, Schema

from heluo.api.auth import caller, writer
from heluo.api.common import paged
from heluo.api.schemas import Invalid, Message, OrgRef

from ..models import RiskKind, RiskStatus
from ..selectors import risk as flags
from ..services import bureau_only, risk
from .vouchers import ReasonIn, refusals

router = Router(tags=["vouchers"])


class RiskFlagOut(Schema):
    id: int
    kind: str
    kind_label: str
    key: str
    status: str
    programme_id: int | None
    programme: str | None
    voucher_id: int | None
    voucher_number: str | None
    redemption_id: int | None
    provider: OrgRef | None
    enterprise: OrgRef | None
    explanation_zh: str
    explanation_en: str
    details: dict[str, Any]
    created: dt.datetime
    cleared_by: str | None
    cleared_at: dt.datetime | None
    clear_reason: str

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_programme(obj):
        return obj.programme.code if obj.programme_id else None

    @staticmethod
    def resolve_voucher_number(obj):
        return obj.voucher.number if obj.voucher_id else None

    @staticmethod
    def resolve_provider(obj):
        return None if obj.provider_id is None else {"id": obj.provider_id, "name": obj.provider.organization.name}

    @staticmethod
    def resolve_cleared_by(obj):
        return obj.cleared_by.username if obj.cleared_by_id else None


class RiskFilters(Schema):
    status: RiskStatus | None = None
    kind: RiskKind | None = None
    programme: int | None = None


WRITES = {401: Message, 403: Message, 404: Message, 409: Invalid, 422: Invalid}


def _bureau(request):
    user = caller(request)
    bureau_only(user)  # 403 for everyone else, not an empty list: the endpoint itself is the bureau's
    return user


@router.get("/vouchers/risk-flags", response={200: list[RiskFlagOut], 401: Message, 403: Message})
@paged
def list_voucher_risk_flags(request, filters: Query[RiskFilters]):
    """Bureau: risk flags, open first, newest first."""
    return flags.flag_list(_bureau(request), status=filters.status, kind=filters.kind, programme=filters.programme)


@router.get("/vouchers/risk-flags/{int:id}", response={200: RiskFlagOut, 401: Message, 403: Message, 404: Message})
def get_voucher_risk_flag(request, id: int):
    """Bureau: one risk flag, with the compared values and any earlier clearance in details.history."""
    return flags.flag_get(_bureau(request), id)


def _decide(request, id, do, reason):
    user = writer(request)
    bureau_only(user)
    do(user, flags.flag_get(user, id), reason=reason)
    return flags.flag_get(user, id)


@router.post("/vouchers/risk-flags/{int:id}/clear", response={200: RiskFlagOut, **WRITES})
@refusals
def clear_voucher_risk_flag(request, id: int, payload: ReasonIn):
    """Bureau: clear a flag after review; the reason is required and recorded (who, when, why)."""
    return _decide(request, id, risk.clear, payload.reason)


@router.post("/vouchers/risk-flags/{int:id}/reopen", response={200: RiskFlagOut, **WRITES})
@refusals
def reopen_voucher_risk_flag(request, id: int, payload: ReasonIn):
    """Bureau: reopen a cleared flag, with a reason; the earlier clearance stays in details.history."""
    return _decide(request, id, risk.reopen, payload.reason)
