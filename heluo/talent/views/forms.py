"""The talent pages' forms: plain inputs handed to the services, which check and refuse."""

from django import forms
from django.utils.translation import gettext_lazy as _

from heluo.people.models import PERSON_SELF_SERVICE, Person
from heluo.taxonomy.models import HitechField
from heluo.web.forms import BootstrapMixin, bootstrapify

from ..engine import programmes as rules


class Form(BootstrapMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class ApplicationForm(Form):
    person = forms.ModelChoiceField(Person.objects.none(), label=_("Talent"))
    category = forms.ChoiceField(label=_("Category"))
    field = forms.ModelChoiceField(HitechField.objects.all(), required=False, label=_("Field"))
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=5000, label=_("Achievements and plans"))

    def __init__(self, *args, people, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["category"].choices = [(c["code"], f"{c['zh']} / {c['en']}") for c in categories]


class RoundForm(Form):
    strand = forms.ChoiceField(label=_("Programme"))
    year = forms.IntegerField(min_value=2000, max_value=2100, label=_("Year"))
    opens_on = forms.DateField(label=_("Opens on"), widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(label=_("Closes on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["strand"].choices = [(f"{s['code']}/{s['strand']}", f"{s['zh']} / {s['en']}") for s in rules.strands()]


class DecideForm(Form):
    starts_on = forms.DateField(label=_("Service from"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(max_length=1000, label=_("Grounds of the decision"))


class PaymentForm(Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0.01, label=_("Amount"))
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(max_length=200, required=False, label=_("Note"))


class CheckForm(Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, label=_("Year"))
    in_service = forms.BooleanField(required=False, label=_("Still serving in the city"))
    note = forms.CharField(max_length=200, required=False, label=_("Note"))


class UseForm(Form):
    number = forms.CharField(max_length=20, label=_("Card number"))
    service = forms.ChoiceField(label=_("Service"))
    used_on = forms.DateField(label=_("Used on"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(max_length=200, required=False, label=_("Note"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [(s["code"], f"{s['zh']} / {s['en']}") for s in rules.card_services()]


class NeedForm(Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, label=_("Year"))
    field = forms.ModelChoiceField(HitechField.objects.all(), label=_("Field"))
    level = forms.ChoiceField(label=_("Level"))
    count = forms.IntegerField(min_value=1, max_value=10000, label=_("Number needed"))
    note = forms.CharField(max_length=200, required=False, label=_("Note"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [(lv["code"], f"{lv['zh']} / {lv['en']}") for lv in rules.load("map")["need_levels"]]


class OwnRecordForm(BootstrapMixin, forms.ModelForm):
    reason = forms.CharField(max_length=500, label=_("Why the correction"))

    class Meta:
        model = Person
        fields = sorted(PERSON_SELF_SERVICE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrapify(self)
