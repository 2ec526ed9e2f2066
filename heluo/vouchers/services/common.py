"""What every voucher write shares: the refusal, money parsing, who acts, the voucher's lock and its events."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from heluo.core import audit
from heluo.core.i18n import Bilingual, Refusal
from heluo.core.models import Role
from heluo.core.permissions import Scope, require_bureau, scope_for

from ..engine import ledger
from ..engine.money import CENT, MAX_AMOUNT, ZERO
from ..models import Voucher, VoucherEvent

# The voucher services refuse with core's Refusal; the old name stays for callers that catch it.
Refused = Refusal

STATUS_NAMES = {  # for bilingual messages (the choice labels are translated by the catalogue, these are fixed)
    "applied": ("已申请", "applied"),
    "rejected": ("未获批准", "rejected"),
    "issued": ("已发放", "issued"),
    "contracted": ("已签合同", "contract signed"),
    "delivered": ("服务已完成", "service delivered"),
    "redemption_submitted": ("兑付审核中", "redemption submitted"),
    "redeemed": ("已兑付", "redeemed"),
    "settled": ("已结算", "settled"),
    "expired": ("已过期", "expired"),
    "cancelled": ("已作废", "cancelled"),
}

BUREAU_ONLY = Bilingual("只有科技局工作人员可以执行此操作", "Only bureau staff may do this.")


def wrong_state(voucher: Voucher, action_zh: str, action_en: str) -> Refusal:
    zh, en = STATUS_NAMES.get(voucher.status, (voucher.status, voucher.status))
    return Refusal("wrong_state", f"创新券当前状态为“{zh}”，不能{action_zh}", f"The voucher is {en}; it cannot be {action_en}.")


def forbidden(zh="无权执行此操作", en="You may not do this.") -> PermissionDenied:
    # the API answers a 403 with this text as it is, so it carries both languages; pages pick theirs (in_language)
    return PermissionDenied(Bilingual(zh, en).both)


def bureau_only(user) -> Scope:
    """core.permissions.require_bureau, refused with the reason the voucher pages and the API show."""
    try:
        return require_bureau(user)
    except PermissionDenied:
        raise forbidden(BUREAU_ONLY.zh, BUREAU_ONLY.en) from None


def on_behalf(user, is_party: bool, reason: str, step_zh: str, step_en: str) -> str:
    """A party's step is the party's own. The bureau may record it for the party only with a reason, which the
    voucher's history shows (HELUO_SEPARATE_DUTIES). Returns that reason, or "" for the party itself."""
    if is_party:
        return ""
    if not scope_for(user).is_bureau:
        raise forbidden()
    reason = (reason or "").strip()[:500]
    if not reason and actor(user) is not None and settings.HELUO_SEPARATE_DUTIES:
        raise Refused(
            "on_behalf_reason_required",
            f"代为{step_zh}须填写理由",
            f"Recording the {step_en} on the party's behalf needs a reason.",
            422,
            "on_behalf_reason",
        )
    return reason


def another_person(user, earlier_user_id, zh: str, en: str):
    """Maker–checker: a step on public money is refused to the person who did the step it checks."""
    who = actor(user)
    if settings.HELUO_SEPARATE_DUTIES and who is not None and earlier_user_id is not None and who.pk == earlier_user_id:
        raise forbidden(zh, en)


def money(value, field: str = "amount") -> Decimal:
    """A positive amount in yuan with at most two decimals."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise Refusal("amount_invalid", "金额格式不正确", "The amount is not a number.", 422, field) from None
    if not amount.is_finite() or amount <= 0:
        raise Refusal("amount_invalid", "金额必须大于0", "The amount must be greater than 0.", 422, field)
    if amount > MAX_AMOUNT:
        raise Refusal(
            "amount_invalid",
            f"金额不能超过 {MAX_AMOUNT:,} 元",
            f"The amount cannot exceed {MAX_AMOUNT:,} yuan.",
            422,
            field,
        )
    if amount != amount.quantize(CENT):
        raise Refusal("amount_invalid", "金额最多两位小数（分）", "The amount has more than two decimals.", 422, field)
    return amount.quantize(CENT)


def actor(user):
    """The user row to record, or None for the system (the command line's scope, a partner's call)."""
    if isinstance(user, Scope) or not getattr(user, "pk", None):
        return None
    return user


def new_event(voucher: Voucher, kind: str, user, amount=ZERO, *, reason_code="", reason="", payload=None, at=None) -> VoucherEvent:
    return VoucherEvent(
        voucher=voucher,
        programme_id=voucher.programme_id,
        kind=kind,
        amount=amount,
        **VoucherEvent.by(actor(user)),
        at=at or timezone.now(),
        reason_code=reason_code,
        reason=reason[:500],
        payload=payload or {},
    )


def lock_voucher(voucher) -> Voucher:
    """The voucher's row, locked (the voucher only) and read afresh; the change log of its next save takes the state
    before from this read."""
    pk = voucher.pk if isinstance(voucher, Voucher) else voucher
    v = Voucher.objects.select_for_update(of=("self",)).select_related("programme", "voucher_type", "provider").get(pk=pk)
    return audit.known_before(v)


def require_step(voucher: Voucher, kind: str, action_zh: str, action_en: str):
    """Refuse a transition the life cycle does not allow (the same table the ledger checks)."""
    sources, _target = ledger.TRANSITIONS[kind]
    if voucher.status not in sources:
        raise wrong_state(voucher, action_zh, action_en)


def is_enterprise_of(user, v: Voucher) -> bool:
    s = scope_for(user)
    return s.role == Role.ORG_USER and s.organization_id == v.enterprise_id


def is_provider_of(user, v: Voucher) -> bool:
    s = scope_for(user)
    return s.role == Role.ORG_USER and v.provider_id is not None and s.organization_id == v.provider.organization_id
