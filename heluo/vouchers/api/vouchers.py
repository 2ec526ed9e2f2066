"""科技创新券 / innovation vouchers: programmes, applications, the voucher life cycle, service providers.

``POST /vouchers/applications`` (an enterprise's user; header ``Idempotency-Key`` recommended) answers
201 with the voucher, or 409/422 with ``{"detail": [{"field", "message", "code", "zh", "en"}], "application": …}``:
``message`` is "中文 / English"; ``application`` is the refused application when the allocation itself refused
it (budget, type budget, enterprise cap — stored, with its order of arrival), else null. A retry with the
same Idempotency-Key gets the first answer unchanged (status and body), even while the first is still
running; the same key with a different body is a 422.

Scope: the bureau sees every voucher; district staff their areas' enterprises'; an organization user its own
enterprise's vouchers and, as a provider, those contracted with it. Who may do which step is the service's
rule (heluo.vouchers.services); a step the voucher's state does not allow is a 409 with the reason.
"""

import datetime as dt
import functools
import json
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status

from heluo.api.auth import OPEN, caller, writer
from heluo.api.common import paged
from heluo.api.schemas import Day, FieldError, Message, OrgRef

from .. import selectors, services
from ..models import Programme, Provider, VoucherStatus, VoucherType
from ..services import Outcome, Refused

router = Router(tags=["vouchers"])


# --- bodies -------------------------------------------------------------------------------------------


class VoucherOut(Schema):
    id: int
    number: str | None
    programme: str
    programme_id: int
    voucher_type: str
    enterprise: OrgRef
    status: str
    status_label: str
    requested_amount: Decimal
    face_value: Decimal
    seq: int | None
    arrived_at: dt.datetime
    issued_at: dt.datetime | None
    expires_on: dt.date | None
    reason_code: str
    reason: str
    review_score: Decimal | None
    provider: OrgRef | None
    contract_no: str
    contract_value: Decimal | None
    payable_limit: Decimal | None
    redeemed_amount: Decimal
    settled_amount: Decimal

    @staticmethod
    def resolve_programme(obj):
        return obj.programme.code

    @staticmethod
    def resolve_voucher_type(obj):
        return obj.voucher_type.code

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())

    @staticmethod
    def resolve_provider(obj):
        return None if obj.provider_id is None else {"id": obj.provider_id, "name": obj.provider.organization.name}


class Refusal(Schema):
    detail: list[FieldError]
    application: VoucherOut | None = None


class EventOut(Schema):
    id: int
    kind: str
    amount: Decimal
    at: dt.datetime
    actor: str
    via: str
    reason_code: str
    reason: str
    payload: dict[str, Any]

    @staticmethod
    def resolve_actor(obj):
        return obj.actor_name


class RedemptionOut(Schema):
    id: int
    status: str
    contract_no: str
    contract_value: Decimal
    invoice_no: str
    invoice_amount: Decimal
    amount: Decimal
    accepted_amount: Decimal | None
    evidence: list[dict[str, Any]]
    submitted_at: dt.datetime
    decided_at: dt.datetime | None
    decision_reason: str
    channel: str


class VoucherDetailOut(VoucherOut):
    events: list[EventOut]
    redemptions: list[RedemptionOut]

    @staticmethod
    def resolve_events(obj):
        return obj.events_list

    @staticmethod
    def resolve_redemptions(obj):
        return obj.redemptions_list


class VoucherTypeOut(Schema):
    code: str
    category: str
    name_zh: str
    name_en: str
    share_of_contract: Decimal
    cap_per_voucher: Decimal
    budget: Decimal | None


class ProgrammeOut(Schema):
    id: int
    code: str
    name_zh: str
    name_en: str
    authority: str
    year: int
    budget: Decimal
    window_opens: dt.datetime
    window_closes: dt.datetime
    allocation_mode: str
    validity_days: int
    cap_per_enterprise: Decimal | None
    eligible_rulesets: list[str]
    eligible_qualifications: list[str]
    startup_max_years: int | None
    is_example: bool
    note_zh: str
    note_en: str
    types: list[VoucherTypeOut]

    @staticmethod
    def resolve_authority(obj):
        return obj.authority.code

    @staticmethod
    def resolve_types(obj):
        return list(obj.types.all())


class ServiceItem(Schema):
    category: str
    name: str
    price: Decimal
    unit: str = ""
    description: str = ""


class ProviderOut(Schema):
    id: int
    organization: OrgRef
    authority: str
    status: str
    contact: str
    description: str
    applied_at: dt.datetime
    reviewed_at: dt.datetime | None
    review_reason: str
    services: list[ServiceItem]

    @staticmethod
    def resolve_authority(obj):
        return obj.authority.code

    @staticmethod
    def resolve_services(obj):
        return [s for s in obj.services.all() if s.is_active]


class ProviderDetailOut(ProviderOut):
    record: dict[str, Any]


class ApplicationIn(Schema):
    programme: int | str  # id or code
    voucher_type: str  # code within the programme
    amount: Decimal  # yuan


class ContractIn(Schema):
    provider: int
    contract_no: str
    contract_value: Decimal
    signed_on: dt.date | None = None
    on_behalf_reason: str = ""  # required when the bureau records the enterprise's step (separation of duties)


class DeliveryIn(Schema):
    delivered_on: dt.date | None = None
    note: str = ""
    on_behalf_reason: str = ""  # required when the bureau records the parties' step


class Evidence(Schema):
    name: str
    sha256: str


class RedemptionIn(Schema):
    invoice_no: str
    invoice_amount: Decimal
    amount: Decimal | None = None  # default: what the voucher can pay, up to the invoice
    evidence: list[Evidence]
    on_behalf_reason: str = ""  # required when the bureau records the provider's claim


class VerifyIn(Schema):
    accept: bool = True
    amount: Decimal | None = None  # default: the claimed amount
    reason: str = ""


class SettleIn(Schema):
    amount: Decimal | None = None  # default: all that is due
    paid_on: dt.date | None = None
    payment_ref: str = ""


class ReasonIn(Schema):
    reason: str


class ReviewIn(Schema):
    score: Decimal | None = None
    note: str = ""


class IssueIn(Schema):
    face_value: Decimal | None = None


class ProviderIn(Schema):
    authority: str | None = None  # area code; default: the city
    contact: str = ""
    description: str = ""
    services: list[ServiceItem]


class ProviderReviewIn(Schema):
    decision: str  # approve | reject | suspend | reinstate
    reason: str = ""


class VoucherFilters(Schema):
    programme: int | None = None
    status: list[VoucherStatus] | None = None


REFUSALS = {409: Refusal, 422: Refusal}
WRITES = {401: Message, 403: Message, 404: Message, **REFUSALS}


def refusals(view):
    """A service's Refused becomes a 409/422 with the bilingual reason (not the generic 422 of errors.py)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Refused as r:
            return Status(r.status, {"detail": [r.as_dict()], "application": None})

    return wrapper


def _voucher_json(voucher) -> dict:
    return VoucherOut.from_orm(voucher).model_dump(mode="json")


def _render(outcome: Outcome) -> dict:
    """The answer as stored for retries: the voucher, or the reason and the refused application."""
    if outcome.refusal is None:
        return _voucher_json(outcome.voucher)
    return {"detail": [outcome.refusal.as_dict()], "application": _voucher_json(outcome.voucher) if outcome.voucher else None}


def _detail(user, pk):
    v = selectors.voucher_get(user, pk)
    v.events_list = list(selectors.voucher_events(user, v))
    v.redemptions_list = list(selectors.voucher_redemptions(user, v))
    return v


# --- applications and vouchers ------------------------------------------------------------------------


@router.post("/vouchers/applications", response={201: VoucherOut, **WRITES})
@refusals
def apply_for_voucher(request, payload: ApplicationIn):
    """Apply for a voucher as the enterprise of the token's user. First come, first served programmes
    decide at once (201 issued, or 409 with the reason); review programmes answer 201 in status applied."""
    arrived_at = timezone.now()
    user = writer(request)
    try:
        vtype = selectors.voucher_type_by_ref(user, payload.programme, payload.voucher_type)
    except Programme.DoesNotExist:
        raise Refused(
            "unknown_programme",
            f"未知的创新券计划：{payload.programme}",
            f"Unknown voucher programme: {payload.programme}",
            422,
            "programme",
        ) from None
    except VoucherType.DoesNotExist:
        raise Refused(
            "unknown_type",
            f"该计划没有券种“{payload.voucher_type}”",
            f"This programme has no voucher type '{payload.voucher_type}'.",
            422,
            "voucher_type",
        ) from None
    outcome = services.apply(
        user,
        vtype.programme,
        voucher_type=vtype,
        amount=payload.amount,
        idempotency_key=request.headers.get("Idempotency-Key"),
        arrived_at=arrived_at,
        render=_render,
    )
    # The stored body as it is (already rendered by the schema), so a retry gets exactly the first answer.
    return HttpResponse(json.dumps(outcome.body, ensure_ascii=False), status=outcome.status, content_type="application/json; charset=utf-8")


@router.get("/vouchers", response=list[VoucherOut])
@paged
def list_vouchers(request, filters: Query[VoucherFilters]):
    """The vouchers (and refused applications) in the caller's scope, newest first."""
    return selectors.voucher_list(caller(request), programme=filters.programme, status=filters.status)


@router.get("/vouchers/", response=list[VoucherOut], include_in_schema=False)
@paged
def list_vouchers_slash(request, filters: Query[VoucherFilters]):
    return selectors.voucher_list(caller(request), programme=filters.programme, status=filters.status)


@router.get("/vouchers/{int:id}", response={200: VoucherDetailOut, 404: Message})
def get_voucher(request, id: int):
    """One voucher with its events (who, when, why) and redemptions."""
    return _detail(caller(request), id)


def _step(request, id, do):
    user = writer(request)
    voucher = selectors.voucher_get(user, id)
    do(user, voucher)
    return _detail(user, id)


@router.post("/vouchers/{int:id}/review", response={200: VoucherDetailOut, **WRITES})
@refusals
def review_voucher_application(request, id: int, payload: ReviewIn):
    """Bureau, review programmes: score an application."""
    return _step(request, id, lambda u, v: services.review(u, v, score=payload.score, note=payload.note))


@router.post("/vouchers/{int:id}/issue", response={200: VoucherDetailOut, **WRITES})
@refusals
def issue_voucher_application(request, id: int, payload: IssueIn):
    """Bureau, review programmes: issue an application (409 if the budget or the cap does not allow it)."""
    return _step(request, id, lambda u, v: services.issue(u, v, face_value=payload.face_value))


@router.post("/vouchers/{int:id}/reject", response={200: VoucherDetailOut, **WRITES})
@refusals
def reject_voucher_application(request, id: int, payload: ReasonIn):
    """Bureau, review programmes: refuse an application."""
    return _step(request, id, lambda u, v: services.reject(u, v, reason=payload.reason))


@router.post("/vouchers/{int:id}/contract", response={200: VoucherDetailOut, **WRITES})
@refusals
def sign_voucher_contract(request, id: int, payload: ContractIn):
    """The enterprise records its contract with an approved provider."""

    def do(user, voucher):
        try:
            provider = Provider.objects.get(pk=payload.provider)
        except Provider.DoesNotExist:
            raise Refused(
                "unknown_provider", f"未知的服务机构：{payload.provider}", f"Unknown provider: {payload.provider}", 422, "provider"
            ) from None
        services.sign_contract(
            user,
            voucher,
            provider=provider,
            contract_no=payload.contract_no,
            contract_value=payload.contract_value,
            signed_on=payload.signed_on,
            on_behalf_reason=payload.on_behalf_reason,
        )

    return _step(request, id, do)


@router.post("/vouchers/{int:id}/delivery", response={200: VoucherDetailOut, **WRITES})
@refusals
def record_voucher_delivery(request, id: int, payload: DeliveryIn):
    """The service was delivered and accepted (the enterprise or the provider records it)."""
    return _step(
        request,
        id,
        lambda u, v: services.deliver(
            u, v, delivered_on=payload.delivered_on, note=payload.note, on_behalf_reason=payload.on_behalf_reason
        ),
    )


@router.post("/vouchers/{int:id}/redemption", response={200: VoucherDetailOut, **WRITES})
@refusals
def submit_voucher_redemption(request, id: int, payload: RedemptionIn):
    """The contracted provider claims the voucher: invoice and the SHA-256 of contract, invoice and acceptance files."""
    return _step(
        request,
        id,
        lambda u, v: services.submit_redemption(
            u,
            v,
            invoice_no=payload.invoice_no,
            invoice_amount=payload.invoice_amount,
            amount=payload.amount,
            evidence=[e.model_dump() for e in payload.evidence],
            on_behalf_reason=payload.on_behalf_reason,
        ),
    )


@router.post("/vouchers/{int:id}/verify", response={200: VoucherDetailOut, **WRITES})
@refusals
def verify_voucher_redemption(request, id: int, payload: VerifyIn):
    """Bureau: accept the pending redemption (for the claim or less) or refuse it with a reason."""
    if payload.accept:
        return _step(request, id, lambda u, v: services.verify(u, v, amount=payload.amount, reason=payload.reason))
    return _step(request, id, lambda u, v: services.reject_redemption(u, v, reason=payload.reason))


@router.post("/vouchers/{int:id}/settle", response={200: VoucherDetailOut, **WRITES})
@refusals
def settle_voucher(request, id: int, payload: SettleIn):
    """Bureau: record the payment to the provider."""
    return _step(
        request, id, lambda u, v: services.settle(u, v, amount=payload.amount, paid_on=payload.paid_on, payment_ref=payload.payment_ref)
    )


@router.post("/vouchers/{int:id}/cancel", response={200: VoucherDetailOut, **WRITES})
@refusals
def cancel_voucher(request, id: int, payload: ReasonIn):
    """The enterprise gives the voucher up, or the bureau withdraws it; the amount returns to the budget."""
    return _step(request, id, lambda u, v: services.cancel(u, v, reason=payload.reason))


# --- programmes ---------------------------------------------------------------------------------------


@router.get("/vouchers/programmes", response=list[ProgrammeOut], **OPEN)
@paged
def list_voucher_programmes(request):
    """Published programmes (an example configuration says so in is_example and its notes)."""
    return selectors.programme_list(caller(request))


@router.get("/vouchers/programmes/", response=list[ProgrammeOut], include_in_schema=False, **OPEN)
@paged
def list_voucher_programmes_slash(request):
    return selectors.programme_list(caller(request))


@router.get("/vouchers/programmes/{int:id}", response={200: ProgrammeOut, 404: Message}, **OPEN)
def get_voucher_programme(request, id: int):
    return selectors.programme_get(caller(request), id)


@router.get("/vouchers/programmes/{int:id}/balance", response={200: dict[str, Any], 404: Message}, **OPEN)
def voucher_programme_balance(request, id: int):
    """Budget, committed, available, redeemed, settled — derived from the events. The bureau also gets the
    balances per type and the invariant check; an enterprise also its own committed amount and cap."""
    user = caller(request)
    return selectors.programme_balance(user, selectors.programme_get(user, id))


@router.get("/vouchers/programmes/{int:id}/reconciliation", response={200: dict[str, Any], 403: Message, 404: Message})
def voucher_reconciliation(request, id: int, day: Day | None = None):
    """Bureau: the daily reconciliation report (opening and closing balances, movements, invariants)."""
    user = caller(request)
    services.bureau_only(user)
    return selectors.reconcile(selectors.programme_get(user, id), day)


# --- providers ----------------------------------------------------------------------------------------


@router.get("/vouchers/providers", response=list[ProviderOut], **OPEN)
@paged
def list_voucher_providers(request, status: str | None = None):
    """Approved (and suspended) providers for everyone; applicants too for the bureau and themselves."""
    return selectors.provider_list(caller(request), status)


@router.get("/vouchers/providers/{int:id}", response={200: ProviderDetailOut, 404: Message}, **OPEN)
def get_voucher_provider(request, id: int):
    """A provider with its services, prices and its record of redeemed vouchers."""
    p = selectors.provider_get(caller(request), id)
    p.record = selectors.provider_record(p)
    return p


@router.post("/vouchers/providers", response={201: ProviderOut, **WRITES})
@refusals
def apply_as_voucher_provider(request, payload: ProviderIn):
    """An organization applies to join as a service provider, with its services and prices."""
    user = writer(request)
    area = services.admitting_authority(payload.authority)
    p = services.provider_apply(
        user, area, services=[s.model_dump() for s in payload.services], contact=payload.contact, description=payload.description
    )
    return Status(201, selectors.provider_get(user, p.pk))


@router.post("/vouchers/providers/{int:id}/review", response={200: ProviderOut, **WRITES})
@refusals
def review_voucher_provider(request, id: int, payload: ProviderReviewIn):
    """Bureau: approve, reject, suspend or reinstate a provider."""
    user = writer(request)
    services.provider_review(user, selectors.provider_get(user, id), decision=payload.decision, reason=payload.reason)
    return selectors.provider_get(user, id)
