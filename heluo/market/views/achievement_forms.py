"""The achievement pages' forms: they shape input only; the services apply scope, field rules and validation."""

from __future__ import annotations

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from heluo.orgs.forms import OrganizationField
from heluo.orgs.models import Organization
from heluo.taxonomy.models import Cluster, HitechField
from heluo.web.forms import BootstrapMixin, ScopedModelForm, bootstrapify

from ..models import Achievement, AchievementIP, TransferMode
from ..selectors.achievements import AchievementFilterSet
from ..services.achievements import MAX_IP_RIGHTS

CONTENT_FIELDS = [
    "title",
    "organization",
    "abstract",
    "keywords",
    "hitech_field",
    "industry",
    "cluster",
    "trl",
    "leader",
    "team",
    "price",
    "negotiable",
    "contact_name",
    "contact_phone",
    "contact_email",
    "contact_public",
]


class AchievementForm(ScopedModelForm):
    modes = forms.MultipleChoiceField(
        label=_("transfer modes"), choices=TransferMode.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Achievement
        fields = CONTENT_FIELDS
        widgets = {"abstract": forms.Textarea(attrs={"rows": 6}), "team": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        own = self.scope.organization_id
        orgs = Organization.objects.filter(pk=own) if own and not self.scope.is_bureau else Organization.objects.all()
        self.fields["organization"] = OrganizationField(orgs, label=_("owner organization"))
        if self.instance.pk is None and own:  # the unsaved instance put organization=None in initial
            self.initial["organization"] = own
        self.fields["hitech_field"].queryset = HitechField.objects.order_by("sort")
        self.fields["cluster"].queryset = Cluster.objects.order_by("city", "sort")
        self.fields["trl"].widget = forms.Select(choices=[(n, f"TRL {n}") for n in range(1, 10)])
        self.initial.setdefault("modes", self.instance.mode_codes)
        bootstrapify(self)

    def clean(self):
        data = super().clean()
        self.instance.transfer_modes = ",".join(c for c in TransferMode.values if c in data.get("modes", []))
        return data


IPFormSet = inlineformset_factory(
    Achievement,
    AchievementIP,
    fields=["kind", "number", "title"],
    extra=2,
    max_num=MAX_IP_RIGHTS,
    validate_max=True,
    can_delete=True,
)


def ip_rows(formset) -> list[tuple[str, str, str]]:
    """The formset's rights as (kind, number, title) rows, for the service (which replaces them all)."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if data and not data.get("DELETE") and data.get("kind") and data.get("number"):
            rows.append((data["kind"], data["number"], data.get("title", "")))
    return rows


def ip_formset(*args, **kwargs):
    formset = IPFormSet(*args, **kwargs)
    for form in formset.forms:
        bootstrapify(form)
    return formset


class TransitionForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AttachmentForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("PDF, Word, Excel, PowerPoint or an image; at most 10 MB."))


class CatalogueForm(BootstrapMixin, forms.Form):
    """The catalogue's selection: a field, a cluster and a period of publication."""

    hitech_field = AchievementFilterSet.base_filters["hitech_field"].field_class(
        queryset=HitechField.objects.filter(parent=None).order_by("sort"), required=False, label=_("High-tech field")
    )
    cluster = forms.ModelChoiceField(queryset=Cluster.objects.order_by("city", "sort"), required=False, label=_("Cluster"))
    published_from = forms.DateField(required=False, label=_("Published from"), widget=forms.DateInput())
    published_to = forms.DateField(required=False, label=_("Published until"), widget=forms.DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrapify(self)

    def filters(self) -> dict:
        """The valid selection as the list's filter data (primary keys and ISO dates)."""
        data = self.cleaned_data if self.is_valid() else {}
        out = {}
        for name in ("hitech_field", "cluster"):
            if data.get(name):
                out[name] = data[name].pk
        for name in ("published_from", "published_to"):
            if data.get(name):
                out[name] = data[name].isoformat()
        return out
