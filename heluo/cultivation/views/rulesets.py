"""Rule sets: the shipped ones (read-only, with citations) and the city's own (瞪羚 and local sets) edited here,
from simple rows or as JSON in the shipped format. Every save is validated by the engine's parser and
audited; an active custom set assigned to a pool fills that pool. Bureau only.
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heluo.core.permissions import require_bureau, save_in_scope
from heluo.cultivation.engine.pools import pools
from heluo.cultivation.engine.rules import OPS, TAGS, RuleSetError, load_ruleset, parse_ruleset, ruleset_names
from heluo.cultivation.engine.ruleset_builder import build, rows_of
from heluo.cultivation.models import CustomRuleSet
from heluo.cultivation.selectors.rulesets import load_ruleset_any
from heluo.cultivation.services.evaluation import run_evaluation
from heluo.cultivation.views.common import current_year

ROWS = 8


@login_required
def ruleset_list(request):
    require_bureau(request.user)
    shipped = [load_ruleset(n) for n in ruleset_names()]
    return render(
        request,
        "cultivation/rulesets.html",
        {"shipped": shipped, "custom": CustomRuleSet.objects.restrict(request.user), "is_bureau": True},
    )


@login_required
def ruleset_view(request, name):
    require_bureau(request.user)
    try:
        rs = load_ruleset_any(name)
    except (RuleSetError, CustomRuleSet.DoesNotExist):
        raise Http404(name) from None
    return render(request, "cultivation/ruleset.html", {"rs": rs, "is_bureau": True, "year": current_year()})


@login_required
def ruleset_edit(request, pk=None):
    require_bureau(request.user)
    obj = get_object_or_404(CustomRuleSet.objects.restrict(request.user), pk=pk) if pk else None
    d = obj.definition if obj else {}
    doc = next(iter(d.get("documents", {}).values()), {})
    meta = {
        "name": obj.name if obj else "",
        "version": d.get("version", "1"),
        "title_zh": d.get("title_zh", ""),
        "title_en": d.get("title_en", ""),
        "doc_number": doc.get("number", ""),
        "doc_title": doc.get("title", ""),
        "pool": obj.pool if obj else "",
        "active": obj.active if obj else True,
    }
    rows = (rows_of(d) if d else []) or []
    json_text = "" if (not d or rows_of(d) is not None) else json.dumps(d, ensure_ascii=False, indent=2)
    errors = []
    if request.method == "POST":
        meta = {k: request.POST.get(k, "").strip() for k in ("name", "version", "title_zh", "title_en", "doc_number", "doc_title", "pool")}
        meta["active"] = request.POST.get("active") == "on"
        rows = [
            {k: request.POST.get(f"r{i}-{k}", "").strip() for k in ("code", "zh", "en", "value", "op", "threshold", "article", "tag")}
            for i in range(int(request.POST.get("rows") or ROWS))
        ]
        json_text = request.POST.get("json", "").strip()
        try:
            if json_text:
                definition = json.loads(json_text)
                definition["name"] = meta["name"] or definition.get("name", "")
                parse_ruleset(definition)
            else:
                definition = build(meta, rows)
            if definition["name"] in ruleset_names():
                raise RuleSetError("名称与内置规则集重复 / the name is a shipped rule set's")
            if meta["pool"] and meta["pool"] not in pools():
                raise RuleSetError(f"未知的培育库 / unknown pool {meta['pool']}")
        except (RuleSetError, ValueError, KeyError, TypeError) as e:
            errors.append(str(e))
        else:
            obj = obj or CustomRuleSet(created_by=request.user)
            obj.name, obj.title, obj.version = definition["name"], definition["title_zh"], definition["version"]
            obj.pool, obj.active, obj.definition = meta["pool"], meta["active"], definition
            if not obj.name:
                errors.append("请填写规则集名称 / the name is required")
            else:
                save_in_scope(request.user, obj)
                messages.success(request, _("Rule set %(name)s has been validated and saved.") % {"name": obj.name})
                return redirect("cultivation:ruleset", name=obj.name)
    rows = rows + [{}] * max(0, ROWS - len(rows))
    return render(
        request,
        "cultivation/ruleset_edit.html",
        {
            "obj": obj,
            "meta": meta,
            "rows": rows,
            "json_text": json_text,
            "errors": errors,
            "ops": OPS,
            "tags": TAGS,
            "pools": pools().values(),
            "is_bureau": True,
            "nrows": len(rows),
        },
    )


@login_required
@require_POST
def ruleset_evaluate(request, name):
    """Start an evaluation run of any rule set for a year from the web (the same service as the command)."""
    require_bureau(request.user)
    try:
        rs = load_ruleset_any(name)
        run = run_evaluation(request.user, rs, year=int(request.POST.get("year") or current_year()))
    except (RuleSetError, CustomRuleSet.DoesNotExist, ValueError) as e:
        messages.error(request, _("Cannot evaluate: %(error)s") % {"error": e})
        return redirect("cultivation:rulesets")
    messages.success(
        request,
        _("Evaluation done: %(total)s enterprises, %(passed)s qualify, %(failed)s do not, %(undetermined)s undetermined.")
        % {"total": run.total, "passed": run.passed, "failed": run.failed, "undetermined": run.undetermined},
    )
    return redirect("cultivation:run", pk=run.pk)
