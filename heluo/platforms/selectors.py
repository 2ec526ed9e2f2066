import django_filters as df
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heluo.core.permissions import VIEW
from heluo.geo.models import Area
from heluo.taxonomy.models import Cluster

from .models import Platform, PlatformKind, PlatformLevel, PlatformStatus


class PlatformFilterSet(df.FilterSet):
    q = df.CharFilter(method="search", label=_("Search"))
    kind = df.MultipleChoiceFilter(choices=PlatformKind.choices, label=_("Kind"))
    level = df.MultipleChoiceFilter(choices=PlatformLevel.choices, label=_("Level"))
    status = df.MultipleChoiceFilter(choices=PlatformStatus.choices, label=_("Status"))
    area = df.ModelMultipleChoiceFilter(queryset=Area.objects.all(), method="in_areas", label=_("Area"))
    cluster = df.ModelChoiceFilter(queryset=Cluster.objects.all(), label=_("Cluster"))
    host = df.NumberFilter(field_name="host_links__organization_id", label=_("Host organization"))

    class Meta:
        model = Platform
        fields = ["q", "kind", "level", "status", "area", "cluster", "host"]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(host_links__organization__name__icontains=value)).distinct() if value else qs

    def in_areas(self, qs, name, value):
        return qs.filter(area_id__in=Area.expand_ids([a.pk for a in value])) if value else qs


def platform_list(user, filters=None):
    qs = Platform.objects.restrict(user, VIEW).select_related("area", "cluster")
    return PlatformFilterSet(filters or {}, queryset=qs).qs


def platform_get(user, pk) -> Platform:
    return Platform.objects.restrict(user, VIEW).select_related("area", "cluster").get(pk=pk)


def platform_count(user) -> int:
    return Platform.objects.restrict(user, VIEW).count()
