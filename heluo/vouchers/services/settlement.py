"""Paying the provider for a redeemed voucher, in one or several instalments."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ..engine.money import yuan_text
from ..models import EventKind, RedemptionStatus, Settlement, VoucherStatus
from .common import Refused, actor, another_person, bureau_only, lock_voucher, money, new_event, require_step


def settle(user, voucher, *, amount=None, paid_on: dt.date | None = None, payment_ref: str = "") -> Settlement:
    """Record a payment to the provider for a redeemed voucher (the rest by default). Total ≤ redeemed."""
    bureau_only(user)
    with transaction.atomic():
        v = lock_voucher(voucher)
        require_step(v, EventKind.SETTLED, "结算", "settled")
        red = v.redemptions.filter(status=RedemptionStatus.ACCEPTED).only("submitted_by_id", "decided_by_id").first()
        for earlier in (red.decided_by_id, red.submitted_by_id) if red else ():
            another_person(
                user,
                earlier,
                "核验或登记兑付的人员不能办理同一笔结算",
                "Whoever verified or recorded a redemption cannot also settle it.",
            )
        due = v.redeemed_amount - v.settled_amount
        paid = money(amount, "amount") if amount is not None else due
        ref = (payment_ref or "").strip()[:100]
        if ref and Settlement.objects.filter(voucher=v, payment_ref=ref).exists():
            # a repeated submission of the same transfer (double click, retried request) is not a second payment
            raise Refused(
                "duplicate_payment", f"付款凭证号{ref}已登记", f"Payment reference {ref} is already recorded.", 409, "payment_ref"
            )
        if paid > due:
            raise Refused(
                "above_redeemed",
                f"结算金额超过待付金额{yuan_text(due)}元",
                f"The payment is above the {yuan_text(due)} yuan still due.",
                422,
                "amount",
            )
        s = Settlement.objects.create(
            voucher=v, provider=v.provider, amount=paid, paid_on=paid_on or timezone.localdate(), payment_ref=ref, recorded_by=actor(user)
        )
        v.settled_amount += paid
        v.status = VoucherStatus.SETTLED if v.settled_amount == v.redeemed_amount else VoucherStatus.REDEEMED
        v.save()
        new_event(
            v, EventKind.SETTLED, user, paid, payload={"settlement": s.pk, "paid_on": s.paid_on.isoformat(), "payment_ref": s.payment_ref}
        ).save()
    return s
