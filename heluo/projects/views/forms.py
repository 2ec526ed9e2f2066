"""Forms of calls, applications and integrity records. They shape input only; the services decide. An application's
form is drawn from its call's form spec (engine.forms), one Django field per declared field, named `a_<key>`; the
budget one amount per category, `b_<code>`. Amounts requested and budgeted are entered in 万元 like the market's
budgets; an answer of type money in yuan, as its label says (the forms' labels name the unit)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heluo.core.i18n import is_chinese
from heluo.core.permissions import VIEW, scope_for
from heluo.orgs.forms import OrganizationField
from heluo.orgs.models import Organization
from heluo.people.models import Person
from heluo.web.forms import BootstrapMixin, WanField, bootstrapify

from ..engine import forms as spec_forms
from ..models import Application, Call, IntegrityRecord
from ..selectors.lists import programme_choices
from ..services import applications as services
from ..services.calls import BUDGET_MAX
from ..services.review import MAX_REASON

DATETIME = {"type": "datetime-local"}
YES_NO = (("", "—"), ("true", _("Yes")), ("false", _("No")))
PARTNER_ROWS = 3  # empty partner rows offered besides the ones already named
MEMBERS_OFFERED = 500


def _label(pair) -> str:
    return pair[0] if is_chinese() else pair[1]


class CallForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Call
        fields = ["code", "title", "programme", "year", "description", "budget", "max_per_project", "opens_at", "closes_at"]
        widgets = {
            "opens_at": forms.DateTimeInput(attrs=DATETIME, format="%Y-%m-%dT%H:%M"),
            "closes_at": forms.DateTimeInput(attrs=DATETIME, format="%Y-%m-%dT%H:%M"),
            "description": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"] = forms.ChoiceField(label=_("Programme type"), choices=programme_choices())
        self.fields["year"].widget.attrs.update(min=2000, max=2100)
        wan_max = BUDGET_MAX / 10000
        self.fields["budget"] = WanField(label=_("Budget (万元)"), required=True, min_value=Decimal("0.01"), max_value=wan_max)
        self.fields["max_per_project"] = WanField(label=_("At most per project (万元)"), min_value=Decimal("0.01"), max_value=wan_max)
        for name in ("budget", "max_per_project"):
            self.initial[name] = WanField.shown(getattr(self.instance, name))
        for name in ("opens_at", "closes_at"):
            value = getattr(self.instance, name)
            if value:
                self.initial[name] = timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
        if self.instance.pk and self.instance.status != "draft":  # a published call keeps its type and opening
            self.fields["programme"].disabled = self.fields["opens_at"].disabled = True
        bootstrapify(self)


def answer_field(f: spec_forms.Field) -> forms.Field:
    """The Django field of one declared field. Drafts may be saved incomplete: required answers are checked at
    submission (each named in the checklist), so every field here may be left empty — a required boolean too, whose
    "no" is an answer like "yes"."""
    help_text = _label(f.help)
    if f.required:
        help_text = f"{help_text} {_('Required before submission.')}".strip()
    common = {"label": _label(f.label), "required": False, "help_text": help_text}
    low = None if f.min is None else f.min
    high = None if f.max is None else f.max
    if f.type == "text":
        return forms.CharField(max_length=f.max_length, widget=forms.Textarea(attrs={"rows": 3}), **common)
    if f.type == "integer":
        return forms.IntegerField(min_value=low, max_value=high, **common)
    if f.type == "money":  # yuan: the forms' labels say 元
        return forms.DecimalField(
            min_value=low if low is not None else 0, max_value=high or spec_forms.MONEY_MAX, max_digits=14, decimal_places=2, **common
        )
    if f.type == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common)
    if f.type == "boolean":
        return forms.ChoiceField(choices=YES_NO, **common)
    choices = [(code, _label(pair)) for code, pair in f.choices.items()]
    if f.type == "choice":
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)
    return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)


def _initial(f: spec_forms.Field, value):
    if f.type == "boolean" and value is not None:
        return "true" if value else "false"
    return value


class ApplicationForm(BootstrapMixin, forms.ModelForm):
    """The basic fields, then the call's form section by section, the budget table, the team and the partners."""

    class Meta:
        model = Application
        fields = ["title", "abstract", "keywords", "pi"]
        widgets = {"abstract": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.call = user, call
        self.spec = services.selectors.form_of(call)
        applicant = self.instance.applicant_id or scope_for(user).organization_id
        people = Person.objects.restrict(user, VIEW).order_by("name", "pk")
        self.fields["pi"].queryset = people.filter(employer_id=applicant) if applicant else people.none()
        cap = call.max_per_project or BUDGET_MAX
        self.fields["requested"] = WanField(
            label=_("Amount requested (万元)"), required=True, min_value=Decimal("0.01"), max_value=cap / 10000
        )
        self.initial["requested"] = WanField.shown(self.instance.requested)
        answers = services.selectors.answers_of(self.instance) if self.instance.pk else {}
        self.sections = []
        for s in self.spec.sections:
            names = []
            for f in s.fields:
                name = f"a_{f.key}"
                self.fields[name] = answer_field(f)
                self.initial[name] = _initial(f, answers.get(f.key))
                names.append(name)
            self.sections.append((_label(s.label), names))
        budget = services.selectors.budget_of(self.instance) if self.instance.pk else {}
        self.budget_names = []
        for c in self.spec.categories:
            name = f"b_{c.code}"
            self.fields[name] = WanField(label=f"{_label(c.label)}（万元）", min_value=0, max_value=BUDGET_MAX / 10000)
            self.initial[name] = WanField.shown(budget.get(c.code))
            self.budget_names.append(name)
        current = self.instance.participants.all() if self.instance.pk else []
        self.fields["members"] = forms.ModelMultipleChoiceField(
            queryset=people.filter(pk__in=people.values("pk")[:MEMBERS_OFFERED]),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label=_("Team members"),
        )
        self.initial["members"] = [p.person_id for p in current if p.kind == "member"]
        partners = [p.organization_id for p in current if p.kind == "partner"]
        self.partner_names = []
        for i in range(min(len(partners) + PARTNER_ROWS, services.MAX_PARTNERS)):
            name = f"partner_{i}"
            self.fields[name] = OrganizationField(
                Organization.objects.restrict(user, VIEW), required=False, label=_("Partner organization")
            )
            self.initial[name] = partners[i] if i < len(partners) else None
            self.partner_names.append(name)
        bootstrapify(self)

    def basic_fields(self):
        return [self[n] for n in ("title", "abstract", "keywords", "pi", "requested")]

    def section_fields(self):
        return [(label, [self[n] for n in names]) for label, names in self.sections]

    def budget_fields(self):
        return [self[n] for n in self.budget_names]

    def partner_fields(self):
        return [self[n] for n in self.partner_names]

    def answers(self) -> dict:
        return {f.key: self.cleaned_data.get(f"a_{f.key}") for f in self.spec.fields.values()}

    def budget(self) -> dict:
        return {c.code: self.cleaned_data[f"b_{c.code}"] for c in self.spec.categories if self.cleaned_data.get(f"b_{c.code}")}

    def partners(self) -> list:
        return [self.cleaned_data[n] for n in self.partner_names if self.cleaned_data.get(n)]

    def field_of(self, key: str) -> str | None:
        """The form field a service's problem key names (an answer, a budget line, a basic field)."""
        for name in (f"a_{key}", f"b_{key.removeprefix('budget.')}", key):
            if name in self.fields:
                return name
        return None


class IntegrityForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = IntegrityRecord
        fields = ["person", "organization", "finding", "sanction", "scope", "starts_on", "ends_on", "source"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"] = OrganizationField(Organization.objects.restrict(user, VIEW), required=False, label=_("Organization"))
        self.fields["person"].queryset = Person.objects.restrict(user, VIEW).order_by("name", "pk")
        self.fields["person"].required = False
        bootstrapify(self)


class AttachmentForm(BootstrapMixin, forms.Form):
    """The kind is offered as a list; any other the service refuses with its reason."""

    kind = forms.CharField(label=_("Attachment"), max_length=30)
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, spec: spec_forms.FormSpec, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget = forms.Select(choices=[(a.code, _label(a.label)) for a in spec.attachments])
        bootstrapify(self)


class PlainForm(BootstrapMixin, forms.Form):
    """A form styled when first shown, not only once bound."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class ReasonForm(PlainForm):
    reason = forms.CharField(label=_("Reason"), max_length=MAX_REASON, widget=forms.Textarea(attrs={"rows": 2}))


class AvoidanceForm(ReasonForm):
    """The applicant names the expert as it knows it (name and employer): it cannot look the pool's ids up."""

    name = forms.CharField(label=_("Expert's name"), max_length=100)
    employer = forms.CharField(label=_("Expert's employer"), max_length=200)
    field_order = ["name", "employer", "reason"]
