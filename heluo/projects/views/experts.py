"""The bureau's pages of the expert pool (专家库): the review round's pool with its load and history, the debarred
apart; one expert with its review history per call and its performance. Anyone else: 403 (bureau_only)."""

from __future__ import annotations

from django.shortcuts import render

from heluo.web.forms import filter_form
from heluo.web.views.generic import ensure_login, get_or_404, paginate

from ..selectors import experts as selectors
from ..services.calls import bureau_only


def expert_list(request):
    if response := ensure_login(request):
        return response
    bureau_only(request.user)
    params = request.GET.copy()
    for key in ("page", "per_page"):
        params.pop(key, None)
    pool = selectors.pool(request.user, params)
    return render(
        request,
        "projects/expert_list.html",
        {
            "page": paginate(request, pool.rows),
            "debarred": pool.debarred,
            "filter_form": filter_form(pool.filterset),
            "query": params.urlencode(),
        },
    )


def expert_detail(request, pk):
    if response := ensure_login(request):
        return response
    bureau_only(request.user)
    row = get_or_404(selectors.expert_row, request.user, pk)
    return render(
        request, "projects/expert_detail.html", {"row": row, "e": row.expert, "perf": selectors.history(request.user, row.expert)}
    )
