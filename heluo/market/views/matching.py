"""The suggestion panels (issue 12, matching) of the demand pages: achievements and experts for a demand, each
explained (its shared terms marked, the filters it matched). Reads through selectors.matching (the user's scope)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from heluo.geo.models import Area
from heluo.taxonomy.models import Cluster, HitechField
from heluo.web.forms import bootstrapify

from ..models.achievements import TRL_MAX, TRL_MIN
from ..selectors import matching

PANEL_SIZE = 10
FIELD_LABELS = {"title": _("Title"), "keywords": _("Keywords"), "abstract": _("Abstract")}
FILTER_LABELS = {"field": _("High-tech field"), "cluster": _("Cluster"), "area": _("Area"), "maturity": _("TRL")}


class SuggestionFilterForm(forms.Form):
    field = forms.ModelChoiceField(HitechField.objects.filter(parent=None), required=False, label=_("High-tech field"))
    cluster = forms.ModelChoiceField(Cluster.objects.all(), required=False, label=_("Cluster"))
    area = forms.ModelChoiceField(Area.objects.all(), required=False, label=_("Area"))
    trl_min = forms.IntegerField(min_value=TRL_MIN, max_value=TRL_MAX, required=False, label=_("TRL from"))
    trl_max = forms.IntegerField(min_value=TRL_MIN, max_value=TRL_MAX, required=False, label=_("TRL to"))


def panels(request, query: str, kinds=matching.KINDS) -> dict:
    """The suggestion panels' context: the filter form and, per kind, the suggestions the user may see."""
    form = bootstrapify(SuggestionFilterForm(request.GET or None))
    filters = matching.filters_for(**form.cleaned_data) if form.is_bound and form.is_valid() else {}
    names = {name: str(form.cleaned_data[name]) for name in filters if name in ("field", "cluster", "area")}
    found = {}
    for kind in kinds:
        found[kind] = [
            {
                "s": s,
                "fields": [(FIELD_LABELS[name], pieces) for name, pieces in s.fragments.items()],
                "filters": [(FILTER_LABELS[n], names.get(n, "、".join(v))) for n, v in s.match.filters.items()],
            }
            for s in matching.suggest(request.user, kind, query, filters, PANEL_SIZE)
        ]
    return {"suggestion_form": form, "suggestions": found}
