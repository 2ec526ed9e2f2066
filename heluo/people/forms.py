"""Forms of the people pages. Every write goes through the services; ID numbers are never sent back to the browser."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from heluo.core.codes import normalize_code
from heluo.core.models import Role
from heluo.core.permissions import CHANGE, VIEW
from heluo.core.validators import validate_id_number
from heluo.orgs.forms import OrganizationField
from heluo.orgs.models import Organization
from heluo.people.models import Person
from heluo.web.forms import ScopedModelForm, bootstrapify


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
