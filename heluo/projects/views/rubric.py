"""A call's scoring rubric, edited by the bureau as a form: one row per criterion (code, names in Chinese and English,
weight, scale, step, "a comment is required below"), rows added (the empty ones) or removed, and the aggregation
method. services.review.rubric_save checks it (engine.review.parse_rubric) and keeps nothing when it refuses; each
problem is shown on the row of its criterion."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from heluo.core.i18n import Bilingual, Refusal
from heluo.web.views.generic import ensure_login

from ..engine import review as review_engine
from ..models import AggregationMethod
from ..selectors import review as selectors
from ..services import review as services
from .forms import PlainForm
from .review import _call

EXTRA_ROWS = 2
NUMBER = {"max_digits": 12, "decimal_places": 4}  # within the engine's bounds (weights and scales up to 1000)


class MethodForm(PlainForm):
    method = forms.ChoiceField(label=gettext_lazy("Aggregation"), choices=AggregationMethod.choices)


class CriterionForm(PlainForm):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=40)
    zh = forms.CharField(label=gettext_lazy("Name (Chinese)"), max_length=100)
    en = forms.CharField(label=gettext_lazy("Name (English)"), max_length=100)
    weight = forms.DecimalField(label=gettext_lazy("Weight"), **NUMBER)
    low = forms.DecimalField(label=gettext_lazy("Lowest mark"), **NUMBER)
    high = forms.DecimalField(label=gettext_lazy("Highest mark"), **NUMBER)
    step = forms.DecimalField(label=gettext_lazy("Step"), required=False, **NUMBER)
    comment_below = forms.DecimalField(label=gettext_lazy("Comment required below"), required=False, **NUMBER)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():  # shown in a table: the column's header is the label
            f.widget.attrs["aria-label"] = f.label


CriterionFormSet = forms.formset_factory(
    CriterionForm,
    extra=EXTRA_ROWS,
    can_delete=True,
    max_num=review_engine.MAX_CRITERIA,
    validate_max=True,
    absolute_max=review_engine.MAX_CRITERIA + EXTRA_ROWS,
)


def _json(n: Decimal) -> int | float:
    return int(n) if n == n.to_integral_value() else float(n)


def _kept(formset) -> list[CriterionForm]:
    """The rows to keep: filled in (an empty extra row is no criterion) and not marked for removal."""
    return [f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


def criteria_of(rows: list[CriterionForm]) -> list[dict]:
    """The rows as the rubric's data (engine.review.parse_rubric's form)."""
    out = []
    for f in rows:
        d = f.cleaned_data
        c = {"code": d["code"], "zh": d["zh"], "en": d["en"], "weight": _json(d["weight"]), "scale": [_json(d["low"]), _json(d["high"])]}
        if d.get("step") is not None:
            c["step"] = _json(d["step"])
        if d.get("comment_below") is not None:
            c["comment_below"] = _json(d["comment_below"])
        out.append(c)
    return out


def _initial(criteria: dict) -> list[dict]:
    rows = []
    for c in criteria.get("criteria", []):
        scale = c.get("scale") or [None, None]
        rows.append(
            {
                **{k: c.get(k) for k in ("code", "zh", "en", "weight", "step", "comment_below")},
                "low": scale[0],
                "high": scale[1],
            }
        )
    return rows


def _place(refused: Refusal, rows: list[CriterionForm]) -> list[str]:
    """Each problem on the row of its criterion (by code, or "#n" for the n-th row); the others for the whole form."""
    by_code = {f.cleaned_data["code"]: f for f in rows}
    by_place = {f"#{i}": f for i, f in enumerate(rows, 1)}
    details = refused.details() if hasattr(refused, "details") else [{"field": refused.field, "zh": refused.zh, "en": refused.en}]
    general = []
    for d in details:
        text = str(Bilingual(d["zh"], d["en"]))
        row = by_code.get(d["field"]) or by_place.get(d["field"])
        if row is not None:
            row.add_error(None, text)
        else:
            general.append(text)
    return general


def rubric_edit(request, pk):
    if response := ensure_login(request):
        return response
    call = _call(request, pk)
    row = selectors.rubric_row(call)
    current = row.criteria if row else selectors.round_settings()["rubric"]
    status, problems = 200, []
    if request.method == "POST":
        form, formset = MethodForm(request.POST), CriterionFormSet(request.POST, prefix="c")
        status = 422
        if form.is_valid() and formset.is_valid():
            rows = _kept(formset)
            criteria = {"code": current.get("code") or f"call-{call.pk}", "criteria": criteria_of(rows)}
            try:
                services.rubric_save(request.user, call, criteria, form.cleaned_data["method"])
            except Refusal as e:
                status, problems = e.status, _place(e, rows)
            else:
                messages.success(request, _("The scoring rubric is saved."))
                return redirect("projects:review_round", call.pk)
    else:
        form = MethodForm(initial={"method": selectors.method_of(call)})
        formset = CriterionFormSet(prefix="c", initial=_initial(current))
    return render(
        request, "projects/review_rubric.html", {"c": call, "form": form, "formset": formset, "problems": problems}, status=status
    )
