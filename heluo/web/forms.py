"""Forms of the web UI. They only shape input: every write goes through the domain services, which apply
the scoping rules and the model validation."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from heluo.core.codes import normalize_code
from heluo.core.models import Role
from heluo.core.permissions import CHANGE, VIEW, scope_for
from heluo.core.validators import validate_id_number, validate_uscc
from heluo.geo.models import Area
from heluo.orgs.models import EnterpriseAnnual, Organization, Qualification
from heluo.people.models import Person
from heluo.platforms.models import Platform, PlatformHost, PlatformStatus

from .display import MONEY_HINT, is_money_field

# --- Bootstrap classes --------------------------------------------------------------------------------


def bootstrapify(form):
    """Give every widget its Bootstrap class (and mark fields with errors)."""
    for name, f in form.fields.items():
        w = f.widget
        if isinstance(w, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
            css = "form-check-input"
        elif isinstance(w, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(w, forms.Select):
            css = "form-select"
            if isinstance(w, forms.SelectMultiple):
                w.attrs.setdefault("size", min(6, max(3, len(getattr(f, "choices", [])) or 6)))
        elif isinstance(w, forms.HiddenInput):
            continue
        else:
            css = "form-control"
        tokens = [t for t in w.attrs.get("class", "").split() if t != "is-invalid"]
        tokens += [t for t in css.split() if t not in tokens]
        if form.is_bound and hasattr(form, "_errors") and form._errors and name in form._errors:
            tokens.append("is-invalid")
        w.attrs["class"] = " ".join(tokens)
        if isinstance(w, forms.DateInput):
            w.input_type = "date"
            w.format = "%Y-%m-%d"
    return form


class BootstrapMixin:
    def full_clean(self):
        super().full_clean()
        bootstrapify(self)


# --- organization picker ----------------------------------------------------------------------------


def organization_label(org: Organization) -> str:
    return f"{org.name}（{org.uscc}）" if org.uscc else f"{org.name}（#{org.pk}）"


class OrganizationInput(forms.TextInput):
    """A text box with suggestions: type a name or paste a code (名称或统一社会信用代码)."""

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
        if match:
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


# --- money in 万元 ----------------------------------------------------------------------------------


class WanField(forms.DecimalField):
    """Entered and shown in 万元, stored in yuan."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 20)
        kwargs.setdefault("decimal_places", 6)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("step", "any")

    def clean(self, value):
        value = super().clean(value)
        return None if value is None else (value * 10000).quantize(Decimal("0.01"))


# --- model forms --------------------------------------------------------------------------------------


def formfield_callback(model_field, **kwargs):
    if isinstance(model_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return model_field.formfield(**kwargs)


class ScopedModelForm(BootstrapMixin, forms.ModelForm):
    """A ModelForm that knows the user (to narrow choices); validation of scope stays in the services."""

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        self.scope = scope_for(user)
        super().__init__(*args, **kwargs)
        bootstrapify(self)

    def save_kwargs(self):
        """Extra keyword arguments for the service's save function (m2m, hosts …)."""
        return {}


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
                    self.initial[name] = (value / 10000).normalize()
        if not self.instance.pk:
            self.initial.setdefault("year", timezone.localdate().year - 1)
        bootstrapify(self)

    groups = [
        (_("Enterprise and year"), ["organization", "year", "source"]),
        (_("Revenue"), ["operating_revenue", "sales_revenue", "hitech_income", "total_income", "tech_contract_income", "equity_financing"]),
        (
            _("R&D expense"),
            [
                "rd_expense",
                "rd_expense_domestic",
                "rd_personnel",
                "rd_direct_input",
                "rd_depreciation",
                "rd_amortization",
                "rd_design",
                "rd_equipment_trial",
                "rd_outsourced",
                "rd_other",
            ],
        ),
        (_("Staff and assets"), ["total_staff", "st_staff", "net_assets", "total_assets"]),
        (_("Intellectual property"), ["ip_class1", "ip_class2", "invention_patents", "high_value_invention_patents"]),
    ]

    def field_groups(self):
        return [(title, [self[n] for n in names if n in self.fields]) for title, names in self.groups]


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


class PersonForm(ScopedModelForm):
    id_number = forms.CharField(required=False, max_length=30, label=_("ID number"))

    class Meta:
        model = Person
        fields = ["name", "gender", "birth_year", "employer", "title", "degree", "phone", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Employers the user may assign (their areas / own organization); the current employer always stays possible.
        action = CHANGE if self.scope.role in (Role.DISTRICT_STAFF, Role.ORG_USER) else VIEW
        employers = Organization.objects.restrict(self.user, action)
        if self.instance.employer_id:
            employers = employers | Organization.objects.filter(pk=self.instance.employer_id)
        self.fields["employer"] = OrganizationField(employers, required=False, label=_("Employer"))
        if self.instance.pk and self.instance.id_number:
            # The stored number is never sent to the browser here: reading it goes through the audited reveal.
            self.fields["id_number"].widget.attrs["placeholder"] = self.instance.masked_id_number
            self.fields["id_number"].help_text = _("Leave empty to keep the number on file.")
        order = ["name", "id_number"] + [n for n in self.fields if n not in ("name", "id_number")]
        self.order_fields(order)
        bootstrapify(self)

    def clean_id_number(self):
        code = normalize_code(self.cleaned_data.get("id_number") or "")
        if code:
            validate_id_number(code)
        return code

    def _post_clean(self):
        super()._post_clean()
        code = self.cleaned_data.get("id_number")
        if code:
            self.instance.id_number = code


# --- imports, tokens, audit -------------------------------------------------------------------------


class ImportForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("What to import"))
    file = forms.FileField(label=_("Excel file (.xlsx)"))
    dry_run = forms.BooleanField(required=False, initial=True, label=_("Check only (dry run): report problems, change nothing"))

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, str(getattr(v, "label", k))) for k, v in (kinds or {}).items()]
        bootstrapify(self)

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith((".xlsx", ".xlsm")):
            raise ValidationError(_("Upload an Excel workbook (.xlsx)."))
        return f


class TokenForm(BootstrapMixin, forms.Form):
    name = forms.CharField(
        max_length=100, required=False, label=_("Name"), help_text=_("What the token is for, e.g. the district's statistics script.")
    )
    write_enabled = forms.BooleanField(required=False, initial=False, label=_("May write"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrapify(self)


def filter_form(filterset):
    """The filterset's form with Bootstrap classes; checkboxes for short multiple-choice lists."""
    form = filterset.form
    for f in form.fields.values():
        if isinstance(f.widget, forms.SelectMultiple) and not hasattr(f, "queryset") and len(f.choices) <= 12:
            f.widget = forms.CheckboxSelectMultiple(choices=f.choices)
    return bootstrapify(form)
