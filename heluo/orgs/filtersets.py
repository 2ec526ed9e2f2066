import django_filters as df
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heluo.geo.models import Area
from heluo.taxonomy.models import Cluster, HitechField, Industry

from .models import DataStatus, EnterpriseAnnual, Organization, OrganizationKind, Qualification, QualificationKind


class OrganizationFilterSet(df.FilterSet):
    q = df.CharFilter(method="search", label=_("Search"))
    kind = df.MultipleChoiceFilter(choices=OrganizationKind.choices, label=_("Kind"))
    area = df.ModelMultipleChoiceFilter(queryset=Area.objects.all(), method="in_areas", label=_("Area"))
    industry = df.ModelChoiceFilter(queryset=Industry.objects.all(), method="in_industry", label=_("Industry"))
    hitech_field = df.ModelChoiceFilter(queryset=HitechField.objects.filter(parent=None), method="in_field", label=_("High-tech field"))
    cluster = df.ModelChoiceFilter(queryset=Cluster.objects.all(), field_name="clusters", label=_("Cluster"))
    qualification = df.ChoiceFilter(choices=QualificationKind.choices, method="holds", label=_("Holds qualification (today)"))
    uscc = df.CharFilter(lookup_expr="iexact", label=_("Unified social credit code"))

    class Meta:
        model = Organization
        fields = ["q", "kind", "area", "industry", "hitech_field", "cluster", "qualification", "uscc"]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(short_name__icontains=value) | Q(uscc__iexact=value)) if value else qs

    def in_areas(self, qs, name, value):
        return qs.filter(area_id__in=Area.expand_ids([a.pk for a in value])) if value else qs

    def in_industry(self, qs, name, value):
        return qs.filter(Q(industry=value) | Q(industry__parent=value)) if value else qs

    def in_field(self, qs, name, value):
        return qs.filter(Q(hitech_field=value) | Q(hitech_field__parent=value)) if value else qs

    def holds(self, qs, name, value):
        if not value:
            return qs
        valid = Qualification.objects.filter(Qualification.valid_on_q(timezone.localdate()), kind=value)
        return qs.filter(pk__in=valid.values("organization_id"))


class QualificationFilterSet(df.FilterSet):
    q = df.CharFilter(method="search", label=_("Search"))
    kind = df.MultipleChoiceFilter(choices=QualificationKind.choices, label=_("Kind"))
    organization = df.NumberFilter(field_name="organization_id", label=_("Organization"))
    valid_on = df.DateFilter(method="filter_valid_on", label=_("Valid on"))

    class Meta:
        model = Qualification
        fields = ["q", "kind", "organization", "valid_on"]

    def search(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(organization__name__icontains=value) | Q(organization__uscc__iexact=value) | Q(certificate_no__icontains=value))

    def filter_valid_on(self, qs, name, value):
        return qs.filter(Qualification.valid_on_q(value)) if value else qs


class AnnualFilterSet(df.FilterSet):
    q = df.CharFilter(method="search", label=_("Search"))
    year = df.NumberFilter(label=_("Year"))
    area = df.ModelMultipleChoiceFilter(queryset=Area.objects.all(), method="in_areas", label=_("Area"))
    status = df.MultipleChoiceFilter(choices=DataStatus.choices, label=_("Status"))
    organization = df.NumberFilter(field_name="organization_id", label=_("Enterprise"))

    class Meta:
        model = EnterpriseAnnual
        fields = ["q", "year", "area", "status", "organization"]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(organization__name__icontains=value) | Q(organization__uscc__iexact=value)) if value else qs

    def in_areas(self, qs, name, value):
        return qs.filter(organization__area_id__in=Area.expand_ids([a.pk for a in value])) if value else qs
