"""The enterprise's voucher pages: the programmes open to it (eligibility explained), applying, its vouchers.

Applying goes through ``services.apply`` with an idempotency key made when the form is rendered (a hidden
field): a double click, a browser retry or a resent form carries the same key, and the service answers it
with the first answer instead of applying twice.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from heluo.core.models import Role
from heluo.orgs.models import Organization, OrganizationKind, QualificationKind

from .. import selectors, services
from ..engine import ledger
from ..models import Programme
from ..selectors import reports
from ..services import Refused
from .common import nav_context, refusal_text, role_scope


def enterprise_of(request) -> Organization:
    scope = role_scope(request)
    if scope.role != Role.ORG_USER:
        raise PermissionDenied
    org = Organization.objects.select_related("area").get(pk=scope.organization_id)
    if org.kind != OrganizationKind.ENTERPRISE:
        raise PermissionDenied
    return org


def explain_basis(basis: list[str], programme: Programme) -> list[str]:
    """services.eligibility's basis codes in words."""
    out = []
    for item in basis:
        kind, _sep, rest = item.partition(":")
        if kind == "open":
            out.append(_("Open to every enterprise registered in the programme's area."))
        elif kind == "ruleset":
            name, _hash, run = rest.partition("#")
            out.append(_("Passed the rule set %(name)s in evaluation run #%(run)s.") % {"name": name, "run": run})
        elif kind == "qualification":
            label = QualificationKind(rest).label if rest in QualificationKind.values else rest
            out.append(_("Holds a valid qualification: %(kind)s.") % {"kind": label})
        elif kind == "startup":
            out.append(_("A start-up: founded at most %(years)s years ago.") % {"years": programme.startup_max_years})
        else:
            out.append(item)
    return out


def conditions(programme: Programme) -> list[str]:
    """The programme's conditions, any one of which qualifies."""
    out = [_("Passed in the latest evaluation: %(name)s") % {"name": name} for name in programme.eligible_rulesets or []]
    kinds = [QualificationKind(k).label if k in QualificationKind.values else k for k in programme.eligible_qualifications or []]
    if kinds:
        out.append(_("Holds, on the day of application: %(kinds)s") % {"kinds": ", ".join(str(k) for k in kinds)})
    if programme.startup_max_years:
        out.append(_("Founded at most %(years)s years before the application") % {"years": programme.startup_max_years})
    return out


@login_required
def my_vouchers(request):
    org = enterprise_of(request)
    today = timezone.localdate()
    offers = reports.offers(request.user, org, today)
    for o in offers:
        o.basis_text = explain_basis(o.eligibility.basis, o.programme) if o.eligibility.ok else []
        o.refusal_text = refusal_text(o.eligibility.refusal) if o.eligibility.refusal else ""
        o.conditions = conditions(o.programme)
    vouchers = list(selectors.voucher_list(request.user, enterprise=org.pk).order_by("-arrived_at", "-pk"))
    for v in vouchers:
        v.balance = v.face_value - v.redeemed_amount
        v.live = v.status in ledger.OPEN_STATES  # what is left of an expired, cancelled or redeemed voucher went back to the budget
        v.days_left = reports.days_left(v, today)
        v.warning = reports.expiry_warning(v, today)
    return render(
        request,
        "vouchers/enterprise.html",
        {**nav_context(request, "my"), "org": org, "offers": offers, "vouchers": vouchers, "warning_days": reports.EXPIRY_WARNING_DAYS},
    )


@login_required
def apply(request, pk):
    """The application form of one programme. GET renders it with a fresh idempotency key; POST applies."""
    org = enterprise_of(request)
    try:
        programme = selectors.programme_get(request.user, pk)
    except Programme.DoesNotExist:
        raise Http404 from None
    types = list(programme.types.all())
    error, values = "", {}
    if request.method == "POST":
        values = {"voucher_type": request.POST.get("voucher_type", ""), "amount": request.POST.get("amount", "").strip()}
        key = request.POST.get("idempotency_key", "")
        vtype = next((t for t in types if t.code == values["voucher_type"]), None)
        try:
            if vtype is None:
                raise Refused("unknown_type", "请选择券种", "Choose a voucher type.", 422, "voucher_type")
            outcome = services.apply(request.user, programme, voucher_type=vtype, amount=values["amount"], idempotency_key=key or None)
        except (Refused, PermissionDenied) as e:
            error = refusal_text(e)  # nothing was stored: the form comes back with a new key
        else:
            v = outcome.voucher
            if outcome.replayed:
                messages.info(request, _("This application was already submitted; it was not applied for twice. Here is its result."))
            elif outcome.refusal is not None:
                messages.error(request, refusal_text(outcome.refusal))
            elif v is not None and v.status == "applied":
                messages.success(request, _("Your application has been received; the bureau will review it."))
            else:
                messages.success(request, _("The voucher has been issued."))
            if v is None:
                return redirect("vouchers:my")
            return redirect("vouchers:voucher", pk=v.pk)
    elig = selectors.eligibility(programme, org)
    return render(
        request,
        "vouchers/apply.html",
        {
            **nav_context(request, "my"),
            "org": org,
            "programme": programme,
            "types": types,
            "key": uuid.uuid4().hex,
            "eligibility": elig,
            "basis_text": explain_basis(elig.basis, programme) if elig.ok else [],
            "refusal": refusal_text(elig.refusal) if elig.refusal else "",
            "window": reports.window_state(programme),
            "error": error,
            "values": values,
            "balance": selectors.programme_balance(request.user, programme),
        },
    )
