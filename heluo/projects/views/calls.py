"""Pages of calls for proposals (指南): the public reads the published ones; the bureau drafts, publishes and closes
them and sees each call's applications by status. Reads through the selectors, writes through services.calls."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from heluo.core.i18n import Bilingual
from heluo.core.models import Role
from heluo.core.permissions import scope_for
from heluo.web.forms import filter_form
from heluo.web.views.generic import act, ensure_login, form_page, get_or_404, paginate

from ..engine import programmes as engine
from ..models import Call, CallStatus
from ..selectors import applications as selectors
from ..selectors import lists
from ..services import calls as services
from .forms import CallForm


def call_list(request):
    params = request.GET.copy()
    for key in ("page", "per_page"):
        params.pop(key, None)
    filterset = lists.call_filtered(request.user, params)
    scope = scope_for(request.user)
    if not scope.is_bureau:  # the others see published and closed calls only: no filter on the status
        filterset.filters.pop("status", None)
        filterset.form.fields.pop("status", None)
    page = paginate(request, filterset.qs)
    page.object_list = list(page.object_list)
    for c in page.object_list:
        c.programme_label = lists.programme_label(c.programme)
    return render(
        request,
        "projects/call_list.html",
        {"page": page, "filter_form": filter_form(filterset), "query": params.urlencode(), "is_bureau": scope.is_bureau},
    )


def eligibility_rules(call: Call) -> list[str]:
    """What an application must meet, as the data files state it (their articles)."""
    config = engine.config()["eligibility"]
    rules = [config[name]["article"] for name in ("applicant_kinds", "max_concurrent_per_pi", "require_commitment")]
    rules.append(str(Bilingual("申报单位和项目负责人不得处于科研诚信限制期内", "Neither the applicant nor the PI may be debarred.")))
    programme = engine.programme(call.programme)
    if programme and programme.young_pi_only:
        limit, included = engine.youth_age_limit()
        rules.append(
            str(
                Bilingual(
                    f"项目负责人须{'不超过' if included else '未满'}{limit}周岁",
                    f"The PI must be {'at most' if included else 'under'} {limit}.",
                )
            )
        )
    return rules


def call_detail(request, pk):
    c = get_or_404(selectors.call_get, request.user, pk)
    scope = scope_for(request.user)
    spec = selectors.form_of(c)
    return render(
        request,
        "projects/call_detail.html",
        {
            "c": c,
            "programme": engine.programme(c.programme),
            "programme_label": lists.programme_label(c.programme),
            "spec": spec,
            "rules": eligibility_rules(c),
            "may_apply": scope.role == Role.ORG_USER and bool(scope.organization_id) and c.is_open(),
            "is_bureau": scope.is_bureau,
            "counts": lists.status_counts(request.user, c) if scope.is_staff else None,
            "may_publish": scope.is_bureau and c.status == CallStatus.DRAFT,
            "may_close": scope.is_bureau and c.status == CallStatus.PUBLISHED,
        },
    )


def _call_form(request, call: Call | None):
    if response := ensure_login(request):
        return response
    services.bureau_only(request.user)
    form = CallForm(request.POST or None, instance=call or Call())
    return form_page(
        request,
        form,
        lambda: services.call_save(request.user, form.save(commit=False)),
        lambda saved: reverse("projects:call", args=[saved.pk]),
        "projects/call_form.html",
        {"c": call},
    )


def call_add(request):
    return _call_form(request, None)


def call_edit(request, pk):
    if response := ensure_login(request):
        return response
    return _call_form(request, get_or_404(selectors.call_get, request.user, pk))


@require_POST
def call_status(request, pk, status):
    if response := ensure_login(request):
        return response
    c = get_or_404(selectors.call_get, request.user, pk)
    act(request, lambda: services.call_status(request.user, c, status))
    return redirect("projects:call", pk)
