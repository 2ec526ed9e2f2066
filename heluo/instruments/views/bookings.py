"""Booking pages: the form (a day and hours in the instrument's open hours), the bookings the user sees, a booking's
page with its steps and the use recorded, and the owner's approval queue."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from heluo.web.forms import BootstrapMixin
from heluo.web.views.generic import act, ensure_login, get_or_404, paginate, save_on_form

from ..engine import rules
from ..models import BookingStatus
from ..selectors import bookings as selectors
from ..selectors import instruments as instrument_selectors
from ..services import bookings as services


class BookingForm(BootstrapMixin, forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    starts = forms.TimeField(label=gettext_lazy("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends = forms.TimeField(label=gettext_lazy("To"), widget=forms.TimeInput(attrs={"type": "time"}))
    service = forms.ModelChoiceField(label=gettext_lazy("Service"), queryset=None, required=False)
    samples_planned = forms.IntegerField(label=gettext_lazy("Samples planned"), min_value=0, max_value=100000, initial=0)
    purpose = forms.CharField(label=gettext_lazy("Purpose"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, instrument, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = instrument.services.all()


class UseForm(BootstrapMixin, forms.Form):
    hours = forms.DecimalField(label=gettext_lazy("Hours used"), required=False, min_value=0, max_digits=8, decimal_places=2)
    samples = forms.IntegerField(label=gettext_lazy("Samples"), min_value=0, max_value=1000000, initial=0)
    fee = forms.DecimalField(
        label=gettext_lazy("Fee (yuan)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=gettext_lazy("Empty: the service item's price."),
    )


def booking_add(request, pk):
    if response := ensure_login(request):
        return response
    inst = get_or_404(instrument_selectors.instrument_get, request.user, pk)
    form, status = BookingForm(inst, request.POST or None), 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        tz = timezone.get_current_timezone()
        starts = dt.datetime.combine(d["day"], d["starts"], tz)
        ends = dt.datetime.combine(d["day"], d["ends"], tz)
        saved, status = save_on_form(
            form,
            lambda: services.book(
                request.user, inst, starts, ends, service=d["service"], purpose=d["purpose"], samples_planned=d["samples_planned"]
            ),
        )
        if saved is not None:
            messages.success(request, _("Booked: the owner will approve or reject it."))
            return redirect("instruments:booking", saved.pk)
    elif request.method == "POST":
        status = 422
    context = {"form": form, "i": inst, "free_hours": rules.rule("free_cancellation_hours_before"), "rules": rules.rules()}
    return render(request, "instruments/booking_form.html", context, status=status)


def booking_list(request):
    if response := ensure_login(request):
        return response
    status = request.GET.get("status", "")
    status = status if status in BookingStatus.values else ""
    mine = request.GET.get("mine") == "1"
    qs = selectors.booking_list(request.user, status=status, mine=mine)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "instruments/booking_list.html",
        {
            "page": paginate(request, qs),
            "statuses": BookingStatus.choices,
            "status": status,
            "mine": mine,
            "query": query.urlencode(),
            "tab": "bookings",
        },
    )


def booking_detail(request, pk):
    if response := ensure_login(request):
        return response
    b = get_or_404(selectors.booking_get, request.user, pk)
    actions = services.available_actions(request.user, b)
    wf = rules.booking_workflow()
    steps = [(name, wf.transitions[name].label) for name in actions if name != "complete"]
    return render(
        request,
        "instruments/booking_detail.html",
        {
            "b": b,
            "steps": steps,
            "may_record": "complete" in actions,
            "use_form": UseForm(),
            "events": list(selectors.events(request.user, b)),
            "tab": "bookings",
        },
    )


@require_POST
def booking_step(request, pk, action):
    if response := ensure_login(request):
        return response
    b = get_or_404(selectors.booking_get, request.user, pk)
    act(request, lambda: services.transition(request.user, b, action, request.POST.get("reason", "")))
    if request.POST.get("next") == "queue":
        return redirect("instruments:queue")
    return redirect("instruments:booking", pk)


@require_POST
def booking_use(request, pk):
    if response := ensure_login(request):
        return response
    b = get_or_404(selectors.booking_get, request.user, pk)
    form = UseForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        act(request, lambda: services.record_use(request.user, b, d["hours"], d["samples"], d["fee"]))
    else:
        messages.error(request, _("Check the use's fields."))
    return redirect("instruments:booking", pk)


def queue(request):
    if response := ensure_login(request):
        return response
    return render(request, "instruments/queue.html", {"page": paginate(request, instrument_selectors.queue(request.user)), "tab": "queue"})
