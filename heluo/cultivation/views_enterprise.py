"""The enterprise's own cultivation page: its qualifications with expiry warnings, what it qualifies for now,
what it nearly qualifies for and the gaps, the benefits published to it, its service officer and log.

Scoped like annual data: the enterprise itself, its district and the bureau; anyone else gets 404.
``/cultivation/my/`` sends an enterprise user to its own page.
"""

import datetime as dt
import json
from functools import cache
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from heluo.core.i18n import is_chinese
from heluo.core.permissions import scope_for
from heluo.cultivation import benefits, pools
from heluo.cultivation.models import EvaluationResult, EvaluationRun, Outcome, PoolEntry, ServiceRecord
from heluo.cultivation.selectors import scoped_enterprises
from heluo.cultivation.servicework import current_officer
from heluo.cultivation.templatetags.cultivation_i18n import localize
from heluo.orgs.models import Qualification

VALIDITY = Path(__file__).with_name("config") / "qualification-validity.json"


@cache
def validity_config() -> dict:
    return json.loads(VALIDITY.read_text(encoding="utf-8"))


def expiry(q: Qualification) -> tuple[dt.date | None, str]:
    """The qualification's end: its own valid_to, else the configured validity from valid_from (cited)."""
    if q.valid_to:
        return q.valid_to, ""
    rule = validity_config()["validity"].get(q.kind)
    if not rule:
        return None, ""
    start = q.valid_from
    try:
        end = start.replace(year=start.year + rule["years"]) - dt.timedelta(days=1)
    except ValueError:  # 29 February
        end = start.replace(year=start.year + rule["years"], day=28)
    return end, f"{rule['cite']} [{rule['tag']}]"


def qualification_rows(org, today):
    warn = dt.timedelta(days=validity_config()["warning_days"])
    rows = []
    for q in Qualification.objects.filter(organization=org).order_by("-valid_from"):
        end, basis = expiry(q)
        if q.revoked_on and q.revoked_on <= today:
            state = "revoked"
        elif end and end < today:
            state = "expired"
        elif end and end - today <= warn:
            state = "expiring"
        else:
            state = "valid"
        rows.append({"q": q, "end": end, "basis": basis, "state": state, "days_left": (end - today).days if end else None})
    return rows


def latest_results(org):
    """The organization's result in the latest run of each rule set (the newest year first)."""
    latest = {}
    for run in EvaluationRun.objects.order_by("-year", "-pk").only("pk", "ruleset", "year"):
        latest.setdefault(run.ruleset, run.pk)
    return list(
        EvaluationResult.objects.filter(run_id__in=latest.values(), organization=org).select_related("run").order_by("run__ruleset")
    )


@login_required
def my_page(request):
    scope = scope_for(request.user)
    if not scope.organization_id:
        raise Http404
    return redirect("cultivation:enterprise", pk=scope.organization_id)


@login_required
def enterprise(request, pk):
    qs = scoped_enterprises(request.user)
    org = get_object_or_404(qs, pk=pk)
    today = timezone.localdate()
    results = latest_results(org)
    names = {}
    for r in results:
        try:
            names[r.run.ruleset] = localize(pools.load_ruleset_any(r.run.ruleset), "title")
        except Exception:  # a custom set deleted since its run: show its code
            names[r.run.ruleset] = r.run.ruleset
    qualifies = [r for r in results if r.result == Outcome.PASS]
    entries = list(PoolEntry.objects.filter(organization=org, removed_on__isnull=True).order_by("-year", "pool"))
    if not is_chinese():
        from heluo.cultivation.views_work import gaps_in_english

        gaps_in_english(entries)
    pool_names = {p.code: localize(p) for p in pools.pools().values()}
    near = []
    for e in entries:
        open_ = [g for g in e.gaps if g.get("state") == "undetermined" or g.get("gap") == pools.TO_VERIFY]
        near.append(
            {"pool": pool_names.get(e.pool, e.pool), "entry": e, "failed": [g for g in e.gaps if g not in open_], "to_verify": open_}
        )
    ctx = {
        "org": org,
        "today": today,
        "qualifications": qualification_rows(org, today),
        "qualifies": [{"r": r, "title": names[r.run.ruleset]} for r in qualifies],
        "undetermined": [{"r": r, "title": names[r.run.ruleset]} for r in results if r.result == Outcome.UNDETERMINED],
        "near": near,
        "grants": benefits.grants_for(request.user, org),
        "officer": current_officer(org),
        "records": ServiceRecord.objects.restrict(request.user).filter(organization=org)[:5],
        "warning_days": validity_config()["warning_days"],
    }
    return render(request, "cultivation/enterprise.html", ctx)
