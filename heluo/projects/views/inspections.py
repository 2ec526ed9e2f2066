"""Pages of 双随机 inspections: the bureau draws (the seed its own or drawn and shown), sees each draw's list with its
verification (the engine re-run on the stored seed and inputs), records results and publishes them; an inspector
sees the draws naming them; the public page lists published results with inspectors by name only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from heluo.core.permissions import scope_for
from heluo.web.forms import BootstrapMixin
from heluo.web.views.generic import act, ensure_login, get_or_404, paginate, save_on_form

from ..models import InspectionResult
from ..selectors import inspections as selectors
from ..selectors import lists
from ..services import inspections as services
from ..services.calls import bureau_only


class DrawForm(BootstrapMixin, forms.Form):
    period = forms.CharField(label=gettext_lazy("Period"), max_length=40)
    programmes = forms.MultipleChoiceField(label=gettext_lazy("Programme types"), required=False, widget=forms.CheckboxSelectMultiple)
    count = forms.IntegerField(label=gettext_lazy("Sample size"), required=False, min_value=0, max_value=services.COUNT_MAX)
    share = forms.DecimalField(
        label=gettext_lazy("Sample share"),
        required=False,
        min_value=0,
        max_value=1,
        decimal_places=4,
        help_text=gettext_lazy("Empty: the rules' share."),
    )
    per_project = forms.IntegerField(
        label=gettext_lazy("Inspectors per project"), required=False, min_value=1, max_value=services.PER_PROJECT_MAX
    )
    seed = forms.IntegerField(
        label=gettext_lazy("Seed"),
        required=False,
        min_value=0,
        max_value=services.SEED_MAX - 1,
        help_text=gettext_lazy("Empty: drawn at random and recorded."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programmes"].choices = lists.programme_choices()


class ResultForm(BootstrapMixin, forms.Form):
    result = forms.ChoiceField(label=gettext_lazy("Result"), choices=InspectionResult.choices)
    findings = forms.CharField(label=gettext_lazy("Findings"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    report_date = forms.DateField(label=gettext_lazy("Report date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


def draw_list(request):
    if response := ensure_login(request):
        return response
    scope = scope_for(request.user)
    return render(
        request,
        "projects/inspection_list.html",
        {"page": paginate(request, selectors.draw_list(request.user)), "is_bureau": scope.is_bureau},
    )


def draw_add(request):
    if response := ensure_login(request):
        return response
    bureau_only(request.user)
    form, status = DrawForm(request.POST or None), 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        share = str(data["share"]) if data["share"] is not None else None
        saved, status = save_on_form(
            form,
            lambda: services.draw(
                request.user,
                data["period"],
                programmes=data["programmes"],
                count=data["count"],
                share=share,
                per_project=data["per_project"],
                seed=data["seed"],
            ),
        )
        if saved is not None:
            messages.success(request, _("Drawn."))
            return redirect("projects:inspection", saved.pk)
    elif request.method == "POST":
        status = 422
    return render(request, "projects/inspection_form.html", {"form": form}, status=status)


def draw_detail(request, pk):
    if response := ensure_login(request):
        return response
    d = get_or_404(selectors.draw_get, request.user, pk)
    scope = scope_for(request.user)
    items = list(selectors.item_list(request.user, d))
    if scope.is_bureau:
        for item in items:
            item.form = ResultForm(
                initial={"result": item.result, "findings": item.findings, "report_date": item.report_date}, prefix=f"i{item.pk}"
            )
    return render(
        request,
        "projects/inspection_detail.html",
        {"d": d, "items": items, "verification": services.verify(d), "is_bureau": scope.is_bureau},
    )


@require_POST
def item_result(request, pk):
    if response := ensure_login(request):
        return response
    item = get_or_404(selectors.item_get, request.user, pk)
    form = ResultForm(request.POST, prefix=f"i{item.pk}")
    if form.is_valid():
        data = form.cleaned_data
        act(request, lambda: services.record_result(request.user, item, data["result"], data["findings"], data["report_date"]))
    else:
        messages.error(request, _("Check the result's fields."))
    return redirect("projects:inspection", item.draw_id)


@require_POST
def draw_publish(request, pk):
    if response := ensure_login(request):
        return response
    d = get_or_404(selectors.draw_get, request.user, pk)
    act(request, lambda: services.publish(request.user, d))
    return redirect("projects:inspection", pk)


def public_results(request):
    """Published draws and their published results (no login): inspectors by name only."""
    page = paginate(request, selectors.published_draws())
    page.object_list = list(page.object_list)
    for d in page.object_list:
        d.shown = list(selectors.item_list(None, d))
    return render(request, "projects/inspection_public.html", {"page": page})
