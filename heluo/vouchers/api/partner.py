"""Across cities: the signed API partner cities' platforms call, and our providers' use of partner vouchers.

**Partner calls** ``POST /partner/vouchers/{verify,lock,redeem,release}`` take no Bearer token: they are signed
with the secret agreed with the partner (see heluo.vouchers.engine.signing for the string signed and the headers).
Answers are signed back. Errors are ``{"detail": [{"field", "message", "code", "zh", "en"}]}`` with
``message`` = "中文 / English":

    401  missing or bad signature, unknown or inactive partner, stale timestamp, malformed nonce
    404  unknown voucher, not issued, or another holder's USCC (all the same answer)
    409  replayed nonce; the voucher's state (not issued, locked by someone else, not locked by you …)
    422  an invalid body (amounts, evidence, the provider's USCC)

Every call names the voucher by ``number`` and its holder's ``enterprise_uscc``.

**Our providers** (Bearer token of a provider organization's user): ``/vouchers/partner-uses`` locks a partner
city's voucher for a contract (the partner's platform is called), ``…/{id}/redeem`` claims it, ``…/{id}/refresh``
asks the partner how it stands, ``…/{id}/release`` withdraws. A partner that cannot be reached, or whose
answer is not authentic, is a 502; its refusals are relayed with their status. The bureau reads the
settlement statement at ``/vouchers/partners/{code}/statement``.
"""

import datetime as dt
import functools
import json
from decimal import Decimal
from typing import Any

import pydantic
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import HttpResponse
from ninja import Router, Schema
from ninja.responses import Status

from heluo.api.auth import TOKEN, caller, writer
from heluo.api.common import paged
from heluo.api.schemas import Day, Invalid, Message
from heluo.core.i18n import Bilingual

from ..engine import signing
from ..models import PartnerCity, PartnerRedemption
from ..selectors import partners
from ..services import Refused, bureau_only, crosscity, partner_uses

router = Router(tags=["vouchers: partner cities"], auth=None)  # partner calls carry a signature, not a token


# --- bodies of partner calls --------------------------------------------------------------------------


class VoucherRef(Schema):
    number: str = pydantic.Field(max_length=80)
    enterprise_uscc: str = pydantic.Field(max_length=40)


class VerifyIn(VoucherRef):
    partner_reference: str = ""


class ProviderInfo(Schema):
    uscc: str
    name: str = pydantic.Field(max_length=200)
    contact: str = ""
    service: str = ""


class LockIn(VoucherRef):
    provider: ProviderInfo
    contract_no: str = pydantic.Field(max_length=80)
    contract_value: Decimal
    signed_on: dt.date | None = None


class Evidence(Schema):
    name: str
    sha256: str


class RedeemIn(VoucherRef):
    invoice_no: str = pydantic.Field(max_length=60)
    invoice_amount: Decimal
    amount: Decimal | None = None
    evidence: list[Evidence]
    partner_reference: str = pydantic.Field(max_length=100)


class ReleaseIn(VoucherRef):
    partner_reference: str = ""


def _json(status: int, body: dict) -> tuple[bytes, HttpResponse]:
    raw = json.dumps(body, ensure_ascii=False, default=str).encode()
    return raw, HttpResponse(raw, status=status, content_type="application/json; charset=utf-8")


def _reason(code, zh, en, field=None) -> dict:
    return {"field": field, "message": Bilingual(zh, en).both, "code": code, "zh": zh, "en": en}


def _signed(request, schema, handler) -> HttpResponse:
    """Authenticate first (a bad signature is 401 whatever the body), then parse, act and sign the answer."""
    path = request.get_full_path()
    try:
        partner, nonce = crosscity.authenticate(request.method, path, request.headers, request.body)
    except Refused as r:
        return _json(r.status, {"detail": [r.as_dict()]})[1]
    try:
        payload = schema.model_validate_json(request.body or b"{}")
    except pydantic.ValidationError as e:
        status, body = (
            422,
            {
                "detail": [
                    _reason("invalid", "请求内容无效", err.get("msg", "invalid"), ".".join(str(p) for p in err.get("loc", ())) or None)
                    for err in e.errors()
                ]
            },
        )
    else:
        try:
            with crosscity.acting_for(partner):
                status, body = 200, handler(partner, payload)
        except Refused as r:
            status, body = r.status, {"detail": [r.as_dict()]}
        except DjangoValidationError as e:
            status, body = 422, {"detail": [_reason("invalid", "请求内容无效", "; ".join(e.messages))]}
        except IntegrityError:
            status, body = (
                409,
                {"detail": [_reason("conflict", "与并发的另一请求冲突，请重试", "Conflicts with a concurrent request; try again.")]},
            )
    raw, response = _json(status, body)
    for name, value in crosscity.sign_response(partner, status, path, nonce, raw).items():
        response[name] = value
    return response


# What a signed call answers: the result, or the reasons it was refused, in the body the partner verifies.
SIGNED = {200: dict[str, Any], (401, 404, 409, 422): Invalid}


def _doc(schema) -> dict:
    """The body in the OpenAPI document (parsed by hand, after the signature check)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema.model_json_schema(ref_template="#/components/schemas/{model}")}},
        },
        "security": [],
        "parameters": [{"in": "header", "name": h, "required": True, "schema": {"type": "string"}} for h in signing.SIGNED_HEADERS],
    }


@router.post("/partner/vouchers/verify", response=SIGNED, auth=None, openapi_extra=_doc(VerifyIn))
def partner_verify(request):
    """A partner asks about one of our vouchers: state, face value, what it pays, expiry, the holder's name."""
    return _signed(request, VerifyIn, lambda p, x: crosscity.partner_verify(p, x.number, x.enterprise_uscc, x.partner_reference))


@router.post("/partner/vouchers/lock", response=SIGNED, auth=None, openapi_extra=_doc(LockIn))
def partner_lock(request):
    """A partner's provider signed a contract for our voucher: the contract is recorded here (and the voucher
    can no longer be used elsewhere)."""
    return _signed(
        request,
        LockIn,
        lambda p, x: crosscity.partner_lock(
            p, x.number, x.enterprise_uscc, x.provider.model_dump(), x.contract_no, x.contract_value, x.signed_on
        ),
    )


@router.post("/partner/vouchers/redeem", response=SIGNED, auth=None, openapi_extra=_doc(RedeemIn))
def partner_redeem(request):
    """The partner's provider claims the voucher (通兑): delivery and the claim; our bureau verifies and pays."""
    return _signed(
        request,
        RedeemIn,
        lambda p, x: crosscity.partner_redeem(
            p,
            x.number,
            x.enterprise_uscc,
            invoice_no=x.invoice_no,
            invoice_amount=x.invoice_amount,
            amount=x.amount,
            evidence=[e.model_dump() for e in x.evidence],
            partner_reference=x.partner_reference,
        ),
    )


@router.post("/partner/vouchers/release", response=SIGNED, auth=None, openapi_extra=_doc(ReleaseIn))
def partner_release(request):
    """The partner withdraws its pending claim (a recorded contract stays: only our bureau undoes it)."""
    return _signed(request, ReleaseIn, lambda p, x: crosscity.partner_release(p, x.number, x.enterprise_uscc, x.partner_reference))


# --- our providers and partner cities' vouchers (Bearer token) ----------------------------------------


ERRORS = {401: Message, 403: Message, 404: Invalid | Message, 409: Invalid, 422: Invalid, 502: Invalid}


def refusals(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Refused as r:
            return Status(r.status, {"detail": [r.as_dict()]})

    return wrapper


class PartnerOut(Schema):
    code: str
    name: str
    redemption_model: str
    active: bool
    settlement_terms: str
    settlement_period_days: int


class PartnerUseOut(Schema):
    id: int
    reference: str
    partner: str
    provider: str
    voucher_number: str
    enterprise_name: str
    enterprise_uscc: str
    face_value: Decimal | None
    contract_no: str
    contract_value: Decimal | None
    invoice_no: str
    amount: Decimal | None
    accepted_amount: Decimal | None
    settled_amount: Decimal
    status: str
    partner_reference: str
    redeemed_at: dt.datetime | None
    created: dt.datetime
    updated: dt.datetime
    last_response: dict[str, Any]

    @staticmethod
    def resolve_reference(obj):
        return partners.our_reference(obj)

    @staticmethod
    def resolve_partner(obj):
        return obj.partner.code

    @staticmethod
    def resolve_provider(obj):
        return obj.provider.organization.name


class CheckIn(Schema):
    partner: str
    number: str
    enterprise_uscc: str


class UseIn(CheckIn):
    contract_no: str
    contract_value: Decimal
    service: str = ""


class ClaimIn(Schema):
    invoice_no: str
    invoice_amount: Decimal
    amount: Decimal | None = None
    evidence: list[Evidence]


def _partner(code: str) -> PartnerCity:
    return partners.partner_by_code(code)


def _use(user, id: int) -> PartnerRedemption:
    return partners.partner_use_get(user, id)


@router.get("/vouchers/partners", response=list[PartnerOut], auth=TOKEN)
def list_partner_cities(request):
    """The partner cities whose vouchers our providers may take, and the model each agreement uses (the bureau
    and approved providers only)."""
    return partners.partner_cities_for(caller(request))


@router.post("/vouchers/partner-uses/check", response={200: dict[str, Any], **ERRORS}, auth=TOKEN)
@refusals
def check_partner_voucher(request, payload: CheckIn):
    """A provider asks the partner about a voucher before signing (state, face value, holder)."""
    return partner_uses.check_partner_voucher(
        writer(request), _partner(payload.partner), number=payload.number, enterprise_uscc=payload.enterprise_uscc
    )


@router.post("/vouchers/partner-uses", response={201: PartnerUseOut, **ERRORS}, auth=TOKEN)
@refusals
def use_partner_voucher(request, payload: UseIn):
    """A provider records its contract for a partner city's voucher; the voucher is locked at the partner."""
    pr = partner_uses.use_partner_voucher(
        writer(request),
        _partner(payload.partner),
        number=payload.number,
        enterprise_uscc=payload.enterprise_uscc,
        contract_no=payload.contract_no,
        contract_value=payload.contract_value,
        service=payload.service,
    )
    return Status(201, pr)


@router.get("/vouchers/partner-uses", response=list[PartnerUseOut], auth=TOKEN)
@paged
def list_partner_uses(request, partner: str | None = None, status: str | None = None):
    """Our providers' uses of partner cities' vouchers (a provider sees its own, the bureau all)."""
    return partners.partner_use_list(caller(request), partner=partner, status=status)


@router.get("/vouchers/partner-uses/{int:id}", response={200: PartnerUseOut, 404: Message}, auth=TOKEN)
def get_partner_use(request, id: int):
    return _use(caller(request), id)


@router.post("/vouchers/partner-uses/{int:id}/redeem", response={200: PartnerUseOut, **ERRORS}, auth=TOKEN)
@refusals
def redeem_partner_voucher(request, id: int, payload: ClaimIn):
    """The provider claims the locked voucher at the partner (invoice and the SHA-256 of the evidence)."""
    user = writer(request)
    return partner_uses.redeem_partner_voucher(
        user,
        _use(user, id),
        invoice_no=payload.invoice_no,
        invoice_amount=payload.invoice_amount,
        amount=payload.amount,
        evidence=[e.model_dump() for e in payload.evidence],
    )


@router.post("/vouchers/partner-uses/{int:id}/refresh", response={200: PartnerUseOut, **ERRORS}, auth=TOKEN)
@refusals
def refresh_partner_use(request, id: int):
    """Ask the partner how it stands (its bureau's decision, what it has paid)."""
    return partner_uses.refresh_partner_use(_use(writer(request), id))


@router.post("/vouchers/partner-uses/{int:id}/release", response={200: PartnerUseOut, **ERRORS}, auth=TOKEN)
@refusals
def release_partner_use(request, id: int):
    """Withdraw: an unconfirmed lock here, or the pending claim at the partner."""
    user = writer(request)
    return partner_uses.release_partner_voucher(user, _use(user, id))


@router.get("/vouchers/partners/{code}/statement", response={200: dict[str, Any], **ERRORS}, auth=TOKEN)
@refusals
def partner_statement(request, code: str, start: Day, end: Day):
    """Bureau: the settlement statement with a partner city for a period (days inclusive): what each owes."""
    bureau_only(caller(request))  # 403 for anyone else
    return partners.settlement_statement(_partner(code), start, end)
