"""A programme's configuration and the counters its issuers lock."""

from __future__ import annotations

from django.db import transaction

from ..engine import ledger
from ..engine.money import ZERO, yuan_text
from ..models import BudgetCounter, EnterpriseCounter, Programme, VoucherType
from ..selectors.ledger import ledger_inputs
from .common import Refused, bureau_only


def sync_counters(programme: Programme):
    """Create or update the counters the issuers lock, from the programme's budget, types and cap. Refuses
    a limit below what is already committed. Locks in the issuers' order (enterprises → programme → types)."""
    with transaction.atomic():
        list(EnterpriseCounter.objects.select_for_update().filter(programme=programme).order_by("pk").values_list("pk", flat=True))
        pc, _ = BudgetCounter.objects.select_for_update().get_or_create(
            programme=programme, voucher_type=None, defaults={"limit": programme.budget}
        )
        if pc.committed > programme.budget:
            raise Refused(
                "budget_below_committed",
                f"预算不能低于已发放金额{yuan_text(pc.committed)}元",
                f"The budget cannot be below the {yuan_text(pc.committed)} yuan already committed.",
                422,
                "budget",
            )
        BudgetCounter.objects.filter(pk=pc.pk).update(limit=programme.budget)
        by_type = None
        for t in programme.types.all():
            tc = BudgetCounter.objects.select_for_update().filter(programme=programme, voucher_type=t).first()
            if t.budget is None:
                if tc is not None:
                    tc.delete()  # the programme's budget alone limits this type now; its balance stays derivable from events
                continue
            if tc is None:
                if by_type is None:  # a budget given to a type later starts from what the type already holds
                    by_type = ledger.replay(*ledger_inputs(programme))[0].by_type
                tc = BudgetCounter.objects.create(
                    programme=programme, voucher_type=t, limit=max(t.budget, by_type.get(t.pk, ZERO)), committed=by_type.get(t.pk, ZERO)
                )
            if tc.committed > t.budget:
                raise Refused(
                    "budget_below_committed",
                    f"券种“{t.name_zh}”预算不能低于已发放金额{yuan_text(tc.committed)}元",
                    f"The budget of type {t.code} cannot be below the {yuan_text(tc.committed)} yuan committed.",
                    422,
                    "budget",
                )
            BudgetCounter.objects.filter(pk=tc.pk).update(limit=t.budget)
        cap = programme.cap_per_enterprise
        if cap is not None and EnterpriseCounter.objects.filter(programme=programme, committed__gt=cap).exists():
            raise Refused(
                "cap_below_committed",
                "企业上限不能低于已有企业的已获金额",
                "The cap per enterprise is below what some enterprise already holds.",
                422,
                "cap_per_enterprise",
            )
        EnterpriseCounter.objects.filter(programme=programme).update(limit=cap)


def programme_save(user, programme: Programme, *, types: list[VoucherType] | None = None) -> Programme:
    bureau_only(user)
    programme.full_clean()
    with transaction.atomic():
        programme.save()
        for t in types or []:
            t.programme = programme
            t.full_clean()
            t.save()
        sync_counters(programme)
    return programme
