"""The incubation pages' forms (the services check everything again; these only read the fields)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from heluo.web.forms import BootstrapMixin

from ..models import Availability, MentorEvent, Stage

DATE = forms.DateInput(attrs={"type": "date"})


class CarrierForm(BootstrapMixin, forms.Form):
    platform = forms.IntegerField(label=_("Platform (id)"), min_value=1)
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    capacity = forms.IntegerField(label=_("Capacity (firms)"), required=False, min_value=1, max_value=100000)
    registered_on = forms.DateField(label=_("On the chain since"), widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class AdmitForm(BootstrapMixin, forms.Form):
    firm = forms.IntegerField(label=_("Firm (organization id)"), min_value=1)
    entered_on = forms.DateField(label=_("Entered on"), widget=DATE)
    moves_on = forms.BooleanField(label=_("Moves on from its graduation at an earlier stage"), required=False)
    reason = forms.CharField(label=_("Note"), required=False, max_length=2000)


class GraduateForm(BootstrapMixin, forms.Form):
    graduated_on = forms.DateField(label=_("Graduated on"), widget=DATE)
    next_carrier = forms.TypedChoiceField(label=_("Moves on to"), required=False, coerce=int, empty_value=None)
    reason = forms.CharField(label=_("Note"), required=False, max_length=2000)


class LeaveForm(BootstrapMixin, forms.Form):
    left_on = forms.DateField(label=_("Left on"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class PairForm(BootstrapMixin, forms.Form):
    mentor = forms.IntegerField(label=_("Mentor (id)"), min_value=1)
    started_on = forms.DateField(label=_("Paired on"), widget=DATE)
    reason = forms.CharField(label=_("Note"), required=False, max_length=500)


class SessionForm(BootstrapMixin, forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=DATE)
    hours = forms.DecimalField(label=_("Hours"), min_value=0.1, max_value=24, decimal_places=1)
    topic = forms.CharField(label=_("Topic"), max_length=200)
    outcome = forms.CharField(label=_("Outcome"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    rating = forms.IntegerField(label=_("Rating (1–5)"), required=False, min_value=1, max_value=5)


class ReportForm(BootstrapMixin, forms.Form):
    outcome = forms.CharField(label=_("Outcome"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    rating = forms.IntegerField(label=_("Rating (1–5)"), required=False, min_value=1, max_value=5)


class ProfileForm(BootstrapMixin, forms.Form):
    experience_years = forms.IntegerField(label=_("Years of experience"), min_value=0, max_value=70)
    experience = forms.CharField(label=_("Experience"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    availability = forms.ChoiceField(label=_("Availability"), choices=Availability.choices)
    hours_per_month = forms.IntegerField(label=_("Hours per month"), min_value=0, max_value=200)


class EventForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MentorEvent.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    area = forms.CharField(label=_("District (code)"), max_length=12)
    park = forms.IntegerField(label=_("Park (platform id)"), required=False, min_value=1)
    held_on = forms.DateField(label=_("Held on"), widget=DATE)
    mentors = forms.CharField(label=_("Mentors (ids, comma-separated)"), required=False, max_length=2000)
    firms = forms.CharField(label=_("Firms (organization ids, comma-separated)"), required=False, max_length=4000)
    summary = forms.CharField(label=_("Summary"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_ids(self, name):
        raw = self.cleaned_data.get(name) or ""
        try:
            return sorted({int(x) for x in raw.replace("，", ",").split(",") if x.strip()})
        except ValueError:
            raise forms.ValidationError(_("Give ids separated by commas.")) from None

    def clean_mentors(self):
        return self.clean_ids("mentors")

    def clean_firms(self):
        return self.clean_ids("firms")
