"""免申即享: the enterprises that qualify for a benefit without applying, and what each receives.

A policy names a rule set and an amount (fixed, or a rate of an annual input with a cap). A list is drafted
from the latest evaluation run of that rule set for the year (a new run is made when there is none),
confirmed by the bureau, then published — only then does a grant show on the enterprise's own page.
Each grant keeps its basis (run, inputs, rate, cap) so the amount can be recomputed.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from heluo.core.permissions import require_bureau
from heluo.cultivation.engine.benefits import amount_for
from heluo.cultivation.models import BenefitGrant, BenefitList, BenefitListStatus, BenefitPolicy, EvaluationResult, EvaluationRun, Outcome
from heluo.cultivation.selectors.rulesets import load_ruleset_any
from heluo.cultivation.services.evaluation import run_evaluation
from heluo.orgs.models import EnterpriseAnnual, Qualification

CONFIG = Path(__file__).resolve().parent.parent / "config" / "benefits-example.json"


def sync_policies(path: Path = CONFIG, update: bool = False) -> int:
    """Create the configured policies that are missing (by code). Existing policies keep what the bureau set
    in the admin; ``update=True`` overwrites them with the file. Returns the number of policies in the file."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    for p in raw["policies"]:
        defaults = {k: p.get(k) for k in ("name", "name_en", "ruleset", "amount_input", "exclude_holding", "cite", "tag")}
        defaults = {k: v or "" for k, v in defaults.items()}
        for k in ("amount_fixed", "amount_rate", "amount_cap"):
            defaults[k] = Decimal(p[k]) if p.get(k) is not None else None
        defaults["is_example"] = bool(raw.get("is_example"))
        if update:
            BenefitPolicy.objects.update_or_create(code=p["code"], defaults=defaults)
        else:
            BenefitPolicy.objects.get_or_create(code=p["code"], defaults=defaults)
    return len(raw["policies"])


def require_bureau_or_command_line(user):
    if user is not None:  # None: the command line, which acts with the bureau's authority
        require_bureau(user)


def base_figures(policy: BenefitPolicy, year: int, org_ids) -> dict[int, Decimal | None]:
    if not policy.amount_input:
        return {}
    col, _, off = policy.amount_input.partition("@")
    if col not in {f.name for f in EnterpriseAnnual._meta.get_fields()}:
        raise ValidationError(f"未知的比例基数 / unknown amount input: {policy.amount_input}")
    rows = EnterpriseAnnual.objects.filter(organization_id__in=org_ids, year=year + int(off or 0))
    return dict(rows.values_list("organization_id", col))


@transaction.atomic
def draft_list(user, policy: BenefitPolicy, *, year: int) -> BenefitList:
    require_bureau_or_command_line(user)
    live = BenefitList.objects.filter(policy=policy, year=year).exclude(status=BenefitListStatus.WITHDRAWN).first()
    if live is not None:
        # one live list per policy and year, so nobody is granted the same benefit twice
        raise ValidationError(
            f"该政策 {year} 年已有名单 #{live.pk}（{live.get_status_display()}），请先撤回 / "
            f"list #{live.pk} for {year} exists ({live.status}): withdraw it first"
        )
    run = EvaluationRun.objects.filter(ruleset=policy.ruleset, year=year).order_by("-pk").first()
    if run is None:
        run = run_evaluation(user, load_ruleset_any(policy.ruleset), year=year)
    passed = EvaluationResult.objects.filter(run=run, result=Outcome.PASS)
    if policy.exclude_holding:
        holders = Qualification.objects.filter(Qualification.valid_on_q(run.as_of), kind=policy.exclude_holding)
        passed = passed.exclude(organization_id__in=holders.values("organization_id"))
    org_ids = list(passed.values_list("organization_id", flat=True))
    bases = base_figures(policy, year, org_ids)
    blist = BenefitList.objects.create(
        policy=policy, year=year, run=run, created_by=user if getattr(user, "is_authenticated", False) else None
    )
    grants = []
    for org_id in org_ids:
        amount, basis = amount_for(policy, bases.get(org_id))
        if amount is None or amount <= 0:
            continue
        basis.update(run=run.pk, ruleset=run.ruleset, ruleset_version=run.ruleset_version, year=year)
        grants.append(BenefitGrant(benefit_list=blist, organization_id=org_id, amount=amount, basis=basis))
    BenefitGrant.objects.bulk_create(grants, batch_size=2000)
    blist.count, blist.total_amount = len(grants), sum((g.amount for g in grants), Decimal("0"))
    blist.save()
    return blist


def move_list(user, blist: BenefitList, *, frm: tuple, to: str) -> BenefitList:
    require_bureau_or_command_line(user)
    if blist.status not in frm:
        raise ValidationError(f"名单当前状态为“{blist.get_status_display()}”，不能执行此操作 / not allowed in status {blist.status}")
    now = timezone.now()
    blist.status = to
    if to == BenefitListStatus.CONFIRMED:
        blist.confirmed_at, blist.confirmed_by = now, user
    elif to == BenefitListStatus.PUBLISHED:
        blist.published_at = now
    blist.save()
    return blist


def confirm_list(user, blist):
    return move_list(user, blist, frm=(BenefitListStatus.DRAFT,), to=BenefitListStatus.CONFIRMED)


def publish_list(user, blist):
    return move_list(user, blist, frm=(BenefitListStatus.CONFIRMED,), to=BenefitListStatus.PUBLISHED)


def withdraw_list(user, blist):
    return move_list(
        user, blist, frm=(BenefitListStatus.DRAFT, BenefitListStatus.CONFIRMED, BenefitListStatus.PUBLISHED), to=BenefitListStatus.WITHDRAWN
    )
