"""What a user may do to one voucher now, for the pages' buttons (`heluo.core.permissions.allowed_actions`).
The steps themselves still check their own state and actor when they run; this is the same rule, said once
for the pages instead of in each template."""

from __future__ import annotations

from django.utils import timezone

from heluo.core.models import Role
from heluo.core.permissions import action_rule, scope_for

from ..engine import ledger
from ..models import ProviderStatus, Voucher, VoucherStatus

CANCELLABLE = tuple(ledger.TRANSITIONS["cancelled"][0])


@action_rule(Voucher)
def voucher_actions(user, voucher, base):
    scope = scope_for(user)
    own_enterprise = scope.role == Role.ORG_USER and scope.organization_id == voucher.enterprise_id
    own_provider = (
        scope.role == Role.ORG_USER and voucher.provider_id is not None and voucher.provider.organization_id == scope.organization_id
    )
    expired = voucher.expires_on is not None and timezone.localdate() > voucher.expires_on
    status = voucher.status
    if (own_enterprise or scope.is_bureau) and status == VoucherStatus.ISSUED and not expired:
        yield "contract"
    if (own_enterprise or own_provider or scope.is_bureau) and status == VoucherStatus.CONTRACTED:
        yield "deliver"
    if own_provider and status == VoucherStatus.DELIVERED and not expired and voucher.provider.status == ProviderStatus.APPROVED:
        yield "redeem"
    if (own_enterprise or scope.is_bureau) and status in CANCELLABLE:
        yield "cancel"
    if scope.is_bureau and status == VoucherStatus.APPLIED:
        yield "review"
    if scope.is_bureau and status == VoucherStatus.REDEMPTION_SUBMITTED:
        yield "verify"
    if scope.is_bureau and status == VoucherStatus.REDEEMED:
        yield "settle"
