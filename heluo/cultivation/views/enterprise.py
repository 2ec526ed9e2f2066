"""The enterprise's own cultivation page: its qualifications with expiry warnings, what it qualifies for now,
what it nearly qualifies for and the gaps, the benefits published to it, its service officer and log.

Scoped like annual data: the enterprise itself, its district and the bureau; anyone else gets 404.
``/cultivation/my/`` sends an enterprise user to its own page.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from heluo.core.i18n import is_chinese
from heluo.core.permissions import scope_for
from heluo.cultivation.engine.pools import pools, split_gaps
from heluo.cultivation.engine.validity import validity_config
from heluo.cultivation.models import Outcome
from heluo.cultivation.selectors.benefits import grants_for
from heluo.cultivation.selectors.enterprise import qualification_rows
from heluo.cultivation.selectors.enterprises import scoped_enterprises
from heluo.cultivation.selectors.pools import add_english_gaps, entries_of
from heluo.cultivation.selectors.rulesets import load_ruleset_any
from heluo.cultivation.selectors.runs import latest_results
from heluo.cultivation.selectors.servicework import current_officer, service_records
from heluo.cultivation.templatetags.cultivation_i18n import localize

from .common import log_figures_read


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
    log_figures_read(request, org, "cultivation: enterprise page")
    today = timezone.localdate()
    results = latest_results(org)
    names = {}
    for r in results:
        try:
            names[r.run.ruleset] = localize(load_ruleset_any(r.run.ruleset), "title")
        except Exception:  # a custom set deleted since its run: show its code
            names[r.run.ruleset] = r.run.ruleset
    qualifies = [r for r in results if r.result == Outcome.PASS]
    entries = list(entries_of(org))
    if not is_chinese():
        add_english_gaps(entries)
    pool_names = {p.code: localize(p) for p in pools().values()}
    near = []
    for e in entries:
        failed, to_verify = split_gaps(e.gaps)
        near.append({"pool": pool_names.get(e.pool, e.pool), "entry": e, "failed": failed, "to_verify": to_verify})
    ctx = {
        "org": org,
        "today": today,
        "qualifications": qualification_rows(org, today),
        "qualifies": [{"r": r, "title": names[r.run.ruleset]} for r in qualifies],
        "undetermined": [{"r": r, "title": names[r.run.ruleset]} for r in results if r.result == Outcome.UNDETERMINED],
        "near": near,
        "grants": grants_for(request.user, org),
        "officer": current_officer(org),
        "records": service_records(request.user, org)[:5],
        "warning_days": validity_config()["warning_days"],
    }
    return render(request, "cultivation/enterprise.html", ctx)
