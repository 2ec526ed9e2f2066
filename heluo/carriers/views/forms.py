"""Forms of the carriers' pages. They shape input only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from heluo.core.i18n import is_chinese
from heluo.people.models import Expert
from heluo.platforms.models import PlatformKind
from heluo.web.forms import BootstrapMixin

from ..engine.scoring import Scheme
from ..models import PilotService


class RoundForm(BootstrapMixin, forms.Form):
    year = forms.IntegerField(label=_("Year evaluated"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200)
    kinds = forms.MultipleChoiceField(label=_("Platform kinds"), widget=forms.CheckboxSelectMultiple)
    due_on = forms.DateField(label=_("Figures due on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(PlatformKind.choices)
        self.fields["kinds"].choices = [(k, labels.get(k, k)) for k in kinds]


class FiguresForm(BootstrapMixin, forms.Form):
    """One field per indicator the host reports, named by its code, labelled with its unit."""

    def __init__(self, *args, scheme: Scheme, **kwargs):
        super().__init__(*args, **kwargs)
        for i in scheme.figures:
            label = f"{i.zh if is_chinese() else i.en}（{i.unit}）"
            self.fields[i.code] = forms.DecimalField(label=label, min_value=0, max_digits=14, decimal_places=4)


class ExpertsForm(BootstrapMixin, forms.Form):
    experts = forms.ModelMultipleChoiceField(label=_("Experts"), queryset=Expert.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["experts"].queryset = Expert.objects.filter(active=True).select_related("person").order_by("pk")


class MarkForm(BootstrapMixin, forms.Form):
    mark = forms.DecimalField(label=_("Mark (0–100)"), min_value=0, max_value=100, decimal_places=2)
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PilotServiceForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = PilotService
        fields = ["platform", "name", "description", "keywords", "capacity", "price", "lead_time_days", "is_published"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, bases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].queryset = bases
