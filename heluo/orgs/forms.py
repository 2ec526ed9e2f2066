"""Forms of the organization, qualification and annual-data pages, and the organization picker other forms use.
They only shape input: every write goes through the services."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from heluo.core.codes import normalize_code
from heluo.core.models import Role
from heluo.core.permissions import CHANGE
from heluo.core.validators import validate_uscc
from heluo.geo.models import Area
from heluo.orgs.engine.annual import RD_PARTS
from heluo.orgs.models import EnterpriseAnnual, Organization, Qualification
from heluo.web.display import MONEY_HINT, is_money_field
from heluo.web.forms import ScopedModelForm, WanField, bootstrapify, formfield_callback


def organization_label(org: Organization) -> str:
    return f"{org.name}（{org.uscc}）" if org.uscc else f"{org.name}（#{org.pk}）"


class OrganizationInput(forms.TextInput):
    """A text box with suggestions: type a name or paste a code (名称或统一社会信用代码)."""

    wide = True  # takes a whole form row

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        list_id = f"dl-{context['widget']['attrs'].get('id') or name}"
        context["widget"]["attrs"].update(
            {
                "list": list_id,
                "hx-get": reverse("web:organization_lookup"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": f"#{list_id}",
                "hx-swap": "innerHTML",
                "placeholder": _("Name or unified social credit code"),
            }
        )
        return context

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        list_id = f"dl-{(attrs or {}).get('id') or self.attrs.get('id') or name}"
        return format_html('{}<datalist id="{}"></datalist>', html, list_id)


class OrganizationField(forms.Field):
    """Picks one organization out of `queryset` by 'name（USCC）', the USCC alone, the exact name or '（#id）'."""

    widget = OrganizationInput
    LABEL_RE = re.compile(r"[（(]\s*(#?)([0-9A-Za-z]+)\s*[)）]\s*$")

    def __init__(self, queryset, **kwargs):
        self.queryset = queryset
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, Organization):
            return organization_label(value)
        if isinstance(value, int):
            org = self.queryset.filter(pk=value).first()  # only ever name what the user may use
            return organization_label(org) if org else ""
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Organization):
            return value
        text = str(value).strip()
        match = self.LABEL_RE.search(text)
        if isinstance(value, int):  # a stored id: the value of a field the user's role may not write (shown disabled)
            hits = self.queryset.filter(pk=value)
        elif match:
            key = match.group(2)
            hits = self.queryset.filter(pk=int(key)) if match.group(1) and key.isdigit() else self.queryset.filter(uscc=normalize_code(key))
        else:
            code = normalize_code(text)
            hits = self.queryset.filter(uscc=code) if len(code) == 18 else self.queryset.none()
            if not hits.exists():
                hits = self.queryset.filter(name=text)
        hits = list(hits[:2])
        if len(hits) != 1:
            raise ValidationError(
                _(
                    "No single organization you may use matches “%(text)s”. Type the name and pick a suggestion, or paste the unified social credit code."
                )
                if not hits
                else _("Several organizations are called “%(text)s”; pick one with its code."),
                params={"text": text},
                code="invalid_choice",
            )
        return hits[0]


def organization_lines(queryset, text: str):
    """A textarea with one organization per line (name or code) → organizations."""
    field = OrganizationField(queryset, required=False)
    result, errors = [], []
    for line in (text or "").splitlines():
        if line.strip():
            try:
                result.append(field.clean(line))
            except ValidationError as e:
                errors.extend(e.messages)
    if errors:
        raise ValidationError(errors)
    return result


class OrganizationForm(ScopedModelForm):
    class Meta:
        model = Organization
        fields = [
            "name",
            "short_name",
            "kind",
            "uscc",
            "area",
            "industry",
            "hitech_field",
            "clusters",
            "founded_on",
            "legal_representative",
            "address",
            "phone",
            "website",
            "description",
            "is_published",
        ]
        widgets = {
            "clusters": forms.CheckboxSelectMultiple,
            "founded_on": forms.DateInput,
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        formfield_callback = staticmethod(formfield_callback)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.scope.role == Role.DISTRICT_STAFF:
            self.fields["area"].queryset = Area.objects.filter(pk__in=self.scope.area_ids)
        elif self.scope.role == Role.ORG_USER and self.instance.pk:
            self.fields["area"].queryset = Area.objects.filter(pk=self.instance.area_id)
        self.fields["uscc"].help_text = _("18 characters (GB 32100-2015); full-width characters and spaces are folded.")

    def clean_uscc(self):
        code = normalize_code(self.cleaned_data.get("uscc") or "")
        if code:
            validate_uscc(code)
        return code or None

    def save_kwargs(self):
        return {"clusters": self.cleaned_data.get("clusters")}


class QualificationForm(ScopedModelForm):
    class Meta:
        model = Qualification
        fields = [
            "organization",
            "kind",
            "certificate_no",
            "year",
            "valid_from",
            "valid_to",
            "revoked_on",
            "issuer",
            "document",
            "stage",
            "stock_code",
            "exchange",
            "note",
        ]
        widgets = {"valid_from": forms.DateInput, "valid_to": forms.DateInput, "revoked_on": forms.DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"] = OrganizationField(Organization.objects.restrict(self.user, CHANGE), label=_("Organization"))
        bootstrapify(self)


class QualificationStatusForm(ScopedModelForm):
    """Revoke, reinstate or end a qualification."""

    class Meta:
        model = Qualification
        fields = ["valid_to", "revoked_on", "note"]
        widgets = {"valid_to": forms.DateInput, "revoked_on": forms.DateInput}


class AnnualForm(ScopedModelForm):
    class Meta:
        model = EnterpriseAnnual
        exclude = ["status", "is_synthetic"]

    def __init__(self, *args, **kwargs):
        caller_initial = set((kwargs.get("initial") or {}).keys())
        super().__init__(*args, **kwargs)
        if self.scope.role == Role.ORG_USER:
            # An enterprise reports its own figures only.
            del self.fields["organization"]
            if not self.instance.pk:
                self.instance.organization_id = self.scope.organization_id
        else:
            # Staff pick among the enterprises whose figures they may change (their areas; the whole city for the bureau).
            self.fields["organization"] = OrganizationField(Organization.objects.restrict(self.user, CHANGE), label=_("Enterprise"))
        for name, _f in list(self.fields.items()):
            model_field = EnterpriseAnnual._meta.get_field(name) if name != "organization" else None
            if model_field is not None and is_money_field(model_field):
                self.fields[name] = WanField(label=f"{capfirst(model_field.verbose_name)} ({MONEY_HINT})", help_text=model_field.help_text)
                value = getattr(self.instance, name)
                if value is not None and name not in caller_initial:
                    self.initial[name] = WanField.shown(value)
        if not self.instance.pk:
            self.initial.setdefault("year", timezone.localdate().year - 1)
        bootstrapify(self)

    groups = [
        (_("Enterprise and year"), ["organization", "year", "source"]),
        (_("Revenue"), ["operating_revenue", "sales_revenue", "hitech_income", "total_income", "tech_contract_income", "equity_financing"]),
        (
            _("R&D expense"),
            ["rd_expense", "rd_expense_domestic", *RD_PARTS],
        ),
        (_("Staff and assets"), ["total_staff", "st_staff", "net_assets", "total_assets"]),
        (_("Intellectual property"), ["ip_class1", "ip_class2", "invention_patents", "high_value_invention_patents"]),
    ]

    def field_groups(self):
        return [(title, [self[n] for n in names if n in self.fields]) for title, names in self.groups]
