"""Forms of technology demands and campaigns. They shape input only: the field rule (services.demands.demand_fields,
the one the API and the import obey) disables what the user's role may not write, and the services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heluo.core.models import Role
from heluo.core.permissions import CHANGE
from heluo.geo.models import Area
from heluo.orgs.forms import OrganizationField
from heluo.orgs.models import Organization
from heluo.web.forms import BootstrapMixin, ScopedModelForm, WanField, bootstrapify

from ..engine import demands as engine
from ..models import Demand, DemandCampaign
from ..selectors import demands as selectors

MONEY_FIELDS = ("budget_min", "budget_max")


class DemandForm(ScopedModelForm):
    class Meta:
        model = Demand
        fields = [
            "enterprise",
            "campaign",
            "title",
            "problem",
            "hitech_field",
            "industry",
            "cluster",
            "budget_min",
            "budget_max",
            "deadline",
            "cooperation_mode",
            "confidentiality",
        ]
        widgets = {"deadline": forms.DateInput, "problem": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.scope.role == Role.ORG_USER:
            del self.fields["enterprise"], self.fields["campaign"]  # its own; campaigns are the districts' entry
            if not self.instance.pk:
                self.instance.enterprise_id = self.scope.organization_id
        else:
            self.fields["enterprise"] = OrganizationField(Organization.objects.restrict(self.user, CHANGE), label=_("Enterprise"))
            campaigns = selectors.open_campaigns(self.user)
            if self.instance.campaign_id:  # the one it is in stays choosable after it closed
                campaigns = campaigns | DemandCampaign.objects.filter(pk=self.instance.campaign_id)
            self.fields["campaign"].queryset = campaigns
        self.fields["cooperation_mode"] = forms.ChoiceField(label=_("Preferred cooperation"), choices=selectors.cooperation_choices())
        for name in MONEY_FIELDS:
            field = Demand._meta.get_field(name)
            self.fields[name] = WanField(label=f"{field.verbose_name}（万元）", min_value=0, max_value=engine.budget_max() / 10000)
            value = getattr(self.instance, name)
            if value is not None:
                self.initial[name] = WanField.shown(value)
        self.fields["hitech_field"].queryset = self.fields["hitech_field"].queryset.order_by("sort")
        bootstrapify(self)


class CampaignForm(BootstrapMixin, forms.ModelForm):
    """The campaign and its targets per district (one number field per district, empty: no target)."""

    class Meta:
        model = DemandCampaign
        fields = ["title", "description", "opens_at", "closes_at"]
        widgets = {
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("opens_at", "closes_at"):
            value = getattr(self.instance, name)
            if value:
                self.initial[name] = timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
        targets = dict(self.instance.targets.values_list("area_id", "target")) if self.instance.pk else {}
        self.districts = list(Area.objects.filter(pk__in=selectors.district_ids()).order_by("sort", "code"))
        for area in self.districts:
            self.fields[f"target_{area.pk}"] = forms.IntegerField(
                label=area.name, required=False, min_value=0, max_value=engine.max_target(), initial=targets.get(area.pk)
            )
        bootstrapify(self)

    def target_fields(self):
        return [self[f"target_{a.pk}"] for a in self.districts]

    def main_fields(self):
        return [self[n] for n in self.Meta.fields]

    def targets(self) -> dict:
        return {a.pk: self.cleaned_data.get(f"target_{a.pk}") or 0 for a in self.districts}
