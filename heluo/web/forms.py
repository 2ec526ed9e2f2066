"""Generic form pieces of the web UI (Bootstrap classes, money in 万元, forms that know their user) and the
framework's own forms (imports, API tokens). Domain forms live in their apps and only shape input: every write
goes through the domain services, which apply the scoping rules and the model validation."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from heluo.core.i18n import Bilingual
from heluo.core.permissions import scope_for, writable_fields
from heluo.core.sheets import FileRejected, check_upload_size


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

    @staticmethod
    def shown(yuan) -> str | None:
        """A stored amount (yuan) as the form shows it: 万元, without an exponent (normalize() alone gives 1E+2)."""
        return None if yuan is None else format((yuan / 10000).normalize(), "f")


def formfield_callback(model_field, **kwargs):
    if isinstance(model_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return model_field.formfield(**kwargs)


class ScopedModelForm(BootstrapMixin, forms.ModelForm):
    """A ModelForm that knows the user (to narrow choices); validation of scope stays in the services. Fields the
    user's role may not write (the model's field_rule, the same rule the services apply) are shown read-only."""

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        self.scope = scope_for(user)
        super().__init__(*args, **kwargs)
        bootstrapify(self)

    def apply_field_rule(self):
        # after any subclass replaced a field (it may, in its own __init__): applied when the form is shown or cleaned
        allowed = writable_fields(self.user, self.instance)
        if allowed is None:
            return
        model_fields = {f.name for f in self._meta.model._meta.get_fields()}
        for name, field in self.fields.items():
            if name in model_fields and name not in allowed:
                field.disabled = True

    def __getitem__(self, name):
        self.apply_field_rule()
        return super().__getitem__(name)

    def full_clean(self):
        self.apply_field_rule()
        super().full_clean()

    def save_kwargs(self):
        """Extra keyword arguments for the service's save function (m2m, hosts …)."""
        return {}


class ImportForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("What to import"))
    file = forms.FileField(label=_("Excel file (.xlsx)"))
    dry_run = forms.BooleanField(required=False, initial=True, label=_("Check only (dry run): report problems, change nothing"))

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, str(getattr(v, "label", k))) for k, v in (kinds or {}).items()]
        self.fields["file"].help_text = _("At most %(mb)s MB.") % {"mb": f"{settings.HELUO_UPLOAD_MAX_BYTES / (1024 * 1024):g}"}
        bootstrapify(self)

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith((".xlsx", ".xlsm")):
            raise ValidationError(_("Upload an Excel workbook (.xlsx)."))
        try:
            check_upload_size(f.size, settings.HELUO_UPLOAD_MAX_BYTES)
        except FileRejected as exc:
            raise ValidationError(str(Bilingual(exc.zh, exc.en)), code="too_large") from None
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
