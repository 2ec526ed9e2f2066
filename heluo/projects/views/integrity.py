"""Pages of research-integrity records (科研诚信): the bureau keeps them; a district reads its area's, an organization
and an expert their own, read-only (the scope of IntegrityRecord.scope_q)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heluo.core.permissions import scope_for
from heluo.web.forms import filter_form
from heluo.web.views.generic import ensure_login, form_page, get_or_404, paginate

from ..models import IntegrityRecord
from ..selectors import lists
from ..services import integrity as services
from ..services.calls import bureau_only
from .forms import IntegrityForm


def integrity_list(request):
    if response := ensure_login(request):
        return response
    params = request.GET.copy()
    for key in ("page", "per_page"):
        params.pop(key, None)
    filterset = lists.integrity_filtered(request.user, params)
    return render(
        request,
        "projects/integrity_list.html",
        {
            "page": paginate(request, filterset.qs),
            "filter_form": filter_form(filterset),
            "query": params.urlencode(),
            "is_bureau": scope_for(request.user).is_bureau,
        },
    )


def _integrity_form(request, record: IntegrityRecord | None):
    if response := ensure_login(request):
        return response
    bureau_only(request.user)
    form = IntegrityForm(request.POST or None, instance=record or IntegrityRecord(), user=request.user)
    return form_page(
        request,
        form,
        lambda: services.integrity_save(request.user, form.save(commit=False)),
        lambda saved: reverse("projects:integrity"),
        "projects/integrity_form.html",
        {"r": record},
    )


def integrity_add(request):
    return _integrity_form(request, None)


def integrity_edit(request, pk):
    if response := ensure_login(request):
        return response
    return _integrity_form(request, get_or_404(lists.integrity_get, request.user, pk))


@require_POST
def integrity_delete(request, pk):
    if response := ensure_login(request):
        return response
    services.integrity_delete(request.user, get_or_404(lists.integrity_get, request.user, pk))
    messages.success(request, _("Deleted."))
    return redirect("projects:integrity")
