"""中试服务清单 pages: the list with a search by need (the matching engine), and a base's host's form."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from heluo.taxonomy.models import Cluster
from heluo.web.views.generic import act, ensure_login, form_page, get_or_404, paginate

from ..models import PilotService
from ..selectors import pilot as selectors
from ..services import pilot as services
from .forms import PilotServiceForm


def service_list(request):
    need = request.GET.get("need", "").strip()[:2000]
    cluster_id = request.GET.get("cluster", "")
    cluster = Cluster.objects.filter(pk=cluster_id, kind=Cluster.Kind.CLUSTER).first() if cluster_id.isdigit() else None
    matches = selectors.find(request.user, need, cluster) if need else None
    return render(
        request,
        "carriers/pilot_list.html",
        {
            "page": paginate(request, selectors.service_list(request.user)) if matches is None else None,
            "matches": matches,
            "need": need,
            "cluster": cluster,
            "clusters": Cluster.objects.filter(kind=Cluster.Kind.CLUSTER).order_by("sort", "code"),
            "may_add": request.user.is_authenticated and selectors.own_bases(request.user).exists(),
            "tab": "pilot",
        },
    )


def _form(request, service: PilotService | None):
    if response := ensure_login(request):
        return response
    bases = selectors.own_bases(request.user)
    if service is not None and not selectors.may_change(request.user, service):
        raise PermissionDenied
    if not bases.exists():
        raise PermissionDenied
    form = PilotServiceForm(request.POST or None, instance=service or PilotService(), bases=bases)
    return form_page(
        request,
        form,
        lambda: services.service_save(request.user, form.save(commit=False)),
        lambda saved: reverse("carriers:pilot"),
        "carriers/pilot_form.html",
        {"s": service, "tab": "pilot"},
    )


def service_add(request):
    return _form(request, None)


def service_edit(request, pk):
    return _form(request, get_or_404(selectors.service_get, request.user, pk))


@require_POST
def service_delete(request, pk):
    s = get_or_404(selectors.service_get, request.user, pk)
    act(request, lambda: services.service_delete(request.user, s))
    return redirect("carriers:pilot")
