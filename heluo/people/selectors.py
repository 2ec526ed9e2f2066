import django_filters as df
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heluo.core.permissions import VIEW

from .models import Expert, Mentor, Person, TalentMembership, TalentProgramme


class PersonFilterSet(df.FilterSet):
    q = df.CharFilter(method="search", label=_("Search"))
    role = df.ChoiceFilter(
        choices=[("talent", _("Talent")), ("expert", _("Expert")), ("mentor", _("Mentor"))], method="with_role", label=_("Role")
    )
    programme = df.ModelChoiceFilter(
        queryset=TalentProgramme.objects.all(), field_name="talent_memberships__programme", distinct=True, label=_("Talent programme")
    )
    employer = df.NumberFilter(field_name="employer_id", label=_("Employer"))

    class Meta:
        model = Person
        fields = ["q", "role", "programme", "employer"]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(employer__name__icontains=value) | Q(title__icontains=value)) if value else qs

    def with_role(self, qs, name, value):
        if value == "talent":
            return qs.filter(pk__in=TalentMembership.objects.values("person_id"))
        if value == "expert":
            return qs.filter(pk__in=Expert.objects.values("person_id"))
        if value == "mentor":
            return qs.filter(pk__in=Mentor.objects.values("person_id"))
        return qs


def person_list(user, filters=None):
    qs = Person.objects.restrict(user, VIEW).select_related("employer")
    return PersonFilterSet(filters or {}, queryset=qs).qs


def person_get(user, pk) -> Person:
    return Person.objects.restrict(user, VIEW).select_related("employer").get(pk=pk)


def person_count(user) -> int:
    return Person.objects.restrict(user, VIEW).count()
