"""Forms of the platform pages. Every write goes through the services."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heluo.core.models import Role
from heluo.core.permissions import VIEW
from heluo.geo.models import Area
from heluo.orgs.forms import OrganizationField, organization_label, organization_lines
from heluo.orgs.models import Organization
from heluo.platforms.models import Platform, PlatformHost, PlatformStatus
from heluo.web.forms import BootstrapMixin, ScopedModelForm, bootstrapify


class PlatformForm(ScopedModelForm):
    lead_host = OrganizationField(Organization.objects.none(), required=False, label=_("Lead host organization"))
    partner_hosts = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Partner organizations"),
        help_text=_("One per line: name or unified social credit code."),
    )

    class Meta:
        model = Platform
        fields = ["name", "kind", "level", "area", "cluster", "description", "is_published"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = Organization.objects.restrict(self.user, VIEW)
        self.fields["lead_host"].queryset = orgs
        if self.scope.role == Role.DISTRICT_STAFF:
            self.fields["area"].queryset = Area.objects.filter(pk__in=self.scope.area_ids)
        # Hosts the user may not see are neither shown nor dropped: they are kept as they are.
        self.kept_hosts = []
        if self.instance.pk:
            visible = set(orgs.values_list("pk", flat=True).filter(platform_links__platform=self.instance))
            links = list(self.instance.host_links.select_related("organization"))
            self.kept_hosts = [(h.organization, h.role) for h in links if h.organization_id not in visible]
            links = [h for h in links if h.organization_id in visible]
            lead = next((h.organization for h in links if h.role == PlatformHost.Role.LEAD), None)
            self.initial.setdefault("lead_host", lead)
            self.initial.setdefault(
                "partner_hosts", "\n".join(organization_label(h.organization) for h in links if h.role == PlatformHost.Role.PARTNER)
            )
        bootstrapify(self)

    def clean_partner_hosts(self):
        return organization_lines(self.fields["lead_host"].queryset, self.cleaned_data.get("partner_hosts"))

    def save_kwargs(self):
        hosts = []
        if self.cleaned_data.get("lead_host"):
            hosts.append((self.cleaned_data["lead_host"], PlatformHost.Role.LEAD))
        hosts += self.kept_hosts
        seen = {o.pk for o, _r in hosts}
        for org in self.cleaned_data.get("partner_hosts") or []:
            if org.pk not in seen:
                hosts.append((org, PlatformHost.Role.PARTNER))
                seen.add(org.pk)
        return {"hosts": hosts}


class PlatformStatusForm(BootstrapMixin, forms.Form):
    status = forms.ChoiceField(choices=PlatformStatus.choices, label=_("Status"))
    date = forms.DateField(label=_("Date"), widget=forms.DateInput, initial=timezone.localdate)
    document = forms.CharField(required=False, max_length=200, label=_("Document"))
    note = forms.CharField(required=False, max_length=300, label=_("Note"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrapify(self)
