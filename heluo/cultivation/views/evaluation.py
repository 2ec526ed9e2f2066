"""Cultivation pages: one enterprise's evaluation with gaps and a what-if form; evaluation runs and diffs.

Texts are English msgids translated to Chinese; texts of the rule-set files follow the active language. Scoping: the enterprise page follows EnterpriseAnnual's rule
(``enterprise_q``): outside it, 404. Runs are for bureau staff.
"""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from heluo.core.i18n import is_chinese
from heluo.core.permissions import require_bureau
from heluo.cultivation.engine.evaluation import evaluate, gap_text, what_if
from heluo.cultivation.engine.qualify import CellError, format_score, parse_cell
from heluo.cultivation.engine.rules import RuleSetError, load_ruleset, ruleset_names
from heluo.cultivation.models import Outcome
from heluo.cultivation.selectors.enterprises import scoped_enterprises
from heluo.cultivation.selectors.inputs import evaluation_date, registry_inputs
from heluo.cultivation.selectors.runs import close_share, diff_runs, runs
from heluo.cultivation.templatetags.cultivation_i18n import localize

from .common import log_figures_read

# the state of one criterion (the overall result uses Outcome's labels)
STATE_LABELS = {
    "pass": gettext_lazy("Met"),
    "fail": gettext_lazy("Not met"),
    "undetermined": gettext_lazy("Undetermined"),
    "unchecked": gettext_lazy("Not verified (taken as met on the declaration)"),
    "scored": gettext_lazy("Scored"),
}


def outcome_label(result: str) -> str:
    try:
        return str(Outcome(result).label)
    except ValueError:
        return result


def _num(v):
    if v is None:
        return "—"
    if isinstance(v, bool):
        return _("yes") if v else _("no")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return f"{int(v):,}"
        return f"{v:,.4f}".rstrip("0").rstrip(".")
    return str(v)


def _interval(iv):
    if iv is None or iv == (None, None):
        return "—"
    lo, hi = iv
    return _num(lo) if lo == hi else f"{_num(lo)} – {_num(hi)}"


def _rows(rs, ev):
    rows = []
    for crit in rs.criteria:
        r = ev.criteria[crit.code]
        gap = gap_text(crit, r) if r.state == "fail" else None
        rows.append(
            {
                "code": crit.code,
                "name": localize(crit),
                "kind": crit.kind,
                "state": r.state,
                "state_label": STATE_LABELS.get(r.state, r.state),
                "op": crit.op or "",
                "value": _interval(r.value) if r.value is not None else "",
                "threshold": _interval(r.threshold) if r.threshold is not None else "",
                "points": _interval(r.points) if r.points is not None else "",
                "inputs": ", ".join(f"{k} = {_num(v)}" for k, v in r.inputs.items()),
                "gap": (gap[0] if is_chinese() else gap[1]) if gap else "",
                "cite": f"{crit.cite.number} {crit.cite.article}",
            }
        )
    return rows


def _fields(rs, inputs, year):
    """The what-if form: every input the rule set reads, with its current value."""
    specs = rs.inputs
    out = []
    for col, off in sorted(rs.reads, key=lambda x: (x[1] is None, x[1] or 0, x[0])):
        spec = specs[col]
        if off is None:
            current = next((r.get(col) for r in inputs.values() if r.get(col) is not None), None)
            label = localize(spec)
            name = col
        else:
            current = inputs.get(year + off, {}).get(col)
            label = _("%(input)s (%(year)s)") % {"input": localize(spec), "year": year + off}
            name = f"{col}@{off}"
        if isinstance(current, bool):
            text = "true" if current else "false"
        elif isinstance(current, float) and current.is_integer():
            text = str(int(current))
        else:
            text = "" if current is None else str(current)
        out.append({"name": name, "label": label, "type": spec.type, "current": text, "value": text})
    return out


@login_required
def organization_evaluation(request, pk):
    qs = scoped_enterprises(request.user)
    org = get_object_or_404(qs, pk=pk)
    log_figures_read(request, org, "cultivation: evaluation inputs")
    names = ruleset_names()
    name = request.GET.get("ruleset") or request.POST.get("ruleset") or "hte-2016"
    try:
        rs = load_ruleset(name)
        year = int(request.GET.get("year") or request.POST.get("year") or dt.date.today().year)
    except (RuleSetError, ValueError):
        raise Http404("unknown rule set or year") from None
    as_of = evaluation_date(year)
    inputs = registry_inputs(rs, year, orgs=qs.filter(pk=org.pk), as_of=as_of)[org.pk]
    fields = _fields(rs, inputs, year)
    ctx = {"org": org, "rs": rs, "year": year, "as_of": as_of, "rulesets": names, "fields": fields, "errors": []}
    if request.method == "POST":
        changes = {}
        for f in fields:
            raw = request.POST.get(f["name"], f["current"]).strip()
            f["value"] = raw
            if raw == f["current"]:
                continue
            try:
                changes[f["name"]] = parse_cell(rs.inputs[f["name"].partition("@")[0]], raw)
            except CellError as e:
                ctx["errors"].append(_("%(field)s: %(error)s") % {"field": f["label"], "error": e.zh if is_chinese() else e.en})
        if ctx["errors"]:
            ev, changed = evaluate(rs, inputs, year, as_of), []
        else:
            wi = what_if(rs, inputs, year, changes, as_of)
            ev, changed = wi.after, wi.changed
            ctx.update(
                what_if_applied=bool(changes),
                before=wi.before,
                before_result=outcome_label(wi.before.result),
                before_score=format_score(wi.before.score),
            )
        ctx["changed"] = changed
    else:
        ev = evaluate(rs, inputs, year, as_of)
    ctx.update(
        ev=ev,
        result_label=outcome_label(ev.result),
        score=format_score(ev.score),
        rows=_rows(rs, ev),
        failed=[localize(rs.by_code[c]) for c in ev.failed],
    )
    template = "cultivation/_evaluation.html" if request.htmx else "cultivation/organization.html"
    return render(request, template, ctx)


@login_required
def run_list(request):
    require_bureau(request.user)
    return render(request, "cultivation/runs.html", {"runs": runs(request.user)[:200]})


@login_required
def run_detail(request, pk):
    require_bureau(request.user)
    run = get_object_or_404(runs(request.user), pk=pk)
    previous = run.previous()
    diff = diff_runs(run, previous, user=request.user)
    return render(request, "cultivation/run.html", {"run": run, "previous": previous, "diff": diff, "share": f"{close_share():.0%}"})
