"""Forms of brokering records, their steps and brokering events. They shape input only: the field rule
(models.brokering.brokering_fields, the one the API obeys) disables what may not be written, and the services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heluo.core.permissions import VIEW
from heluo.geo.models import Area
from heluo.orgs.forms import OrganizationField
from heluo.orgs.models import Organization, OrganizationKind
from heluo.web.forms import BootstrapMixin, ScopedModelForm, bootstrapify

from ..engine import brokering as engine
from ..models import Brokering, BrokeringEvent
from ..selectors import brokering as selectors
from ..selectors.demands import district_ids


def agencies(user):
    return Organization.objects.restrict(user, VIEW).filter(kind=OrganizationKind.SERVICE_AGENCY).order_by("name")


class BrokeringForm(ScopedModelForm):
    """What stays open to change on a record: the agency, the event, the start and the note."""

    class Meta:
        model = Brokering
        fields = ["broker", "event", "started_on", "note"]
        widgets = {"started_on": forms.DateInput(attrs={"type": "date"}), "note": forms.Textarea(attrs={"rows": 3, "maxlength": 2000})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["broker"].queryset = agencies(self.user)
        self.fields["event"].queryset = BrokeringEvent.objects.restrict(self.user, VIEW).order_by("-held_on")
        bootstrapify(self)


class StartForm(BootstrapMixin, forms.Form):
    """Start a record with an organization named by its name or credit code (achievements and experts are started
    from the suggestion panels, which name them)."""

    organization = OrganizationField(Organization.objects.none(), label=_("Organization"))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.restrict(user, VIEW)
        bootstrapify(self)


class StepForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Step"), choices=())
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = selectors.choices(engine.step_kinds())
        self.fields["on"].initial = timezone.localdate()
        bootstrapify(self)


class EventForm(ScopedModelForm):
    class Meta:
        model = BrokeringEvent
        fields = ["title", "kind", "held_on", "place", "area", "cluster", "description"]
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"}), "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"] = forms.ChoiceField(label=_("Kind"), choices=selectors.choices(engine.event_kinds()))
        areas = Area.objects.filter(pk__in=district_ids())
        if self.scope.role == "district_staff":
            areas = areas.filter(pk__in=self.scope.area_ids)
        self.fields["area"].queryset = areas.order_by("sort", "code")
        bootstrapify(self)


class ParticipantForm(BootstrapMixin, forms.Form):
    organization = OrganizationField(Organization.objects.none(), label=_("Organization"))
    role = forms.ChoiceField(label=_("Role"), choices=())
    attended = forms.BooleanField(label=_("Attended"), required=False, initial=True)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.restrict(user, VIEW)
        self.fields["role"].choices = selectors.choices(engine.participant_roles())
        bootstrapify(self)
