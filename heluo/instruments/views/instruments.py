"""The instruments' list (filters) and an instrument's page: its facts, services and prices, and its calendar of
bookings as a table, a week at a time (bookers named only to whoever may see the booking)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heluo.core.models import Role
from heluo.core.permissions import scope_for
from heluo.web.forms import BootstrapMixin
from heluo.web.views.generic import get_or_404, paginate

from ..engine import rules
from ..models import InstrumentStatus
from ..selectors import instruments as selectors
from ..services import instruments as services


class FilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.ChoiceField(label=_("Category"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", "—"), *InstrumentStatus.choices])
    area = forms.CharField(label=_("Area code"), required=False, max_length=12)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *((c, zh) for c, zh, _en in rules.categories())]


def instrument_list(request):
    form = FilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.instrument_list(request.user, data.get("q", ""), data.get("category", ""), data.get("status", ""), data.get("area", ""))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "instruments/instrument_list.html",
        {
            "page": paginate(request, qs),
            "filter_form": form,
            "query": query.urlencode(),
            "may_import": services.may_register(request.user),
            "tab": "list",
        },
    )


def _week_start(request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        return timezone.localdate()


def instrument_detail(request, pk):
    inst = get_or_404(selectors.instrument_get, request.user, pk)
    start = _week_start(request)
    scope = scope_for(request.user)
    return render(
        request,
        "instruments/instrument_detail.html",
        {
            "i": inst,
            "services": list(inst.services.all()),
            "calendar": selectors.calendar(request.user, inst, start, 7),
            "start": start,
            "previous": start - dt.timedelta(days=7),
            "next": start + dt.timedelta(days=7),
            "may_book": scope.role == Role.ORG_USER and bool(scope.organization_id) and inst.status == InstrumentStatus.IN_SERVICE,
            "may_manage": selectors.may_change(request.user, inst),
            "tab": "list",
        },
    )
