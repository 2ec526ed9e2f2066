"""Reads of the library of achievements. Every function starts from the user's scope (Achievement.scope_q)."""

from __future__ import annotations

import django_filters as df
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heluo.core.permissions import CHANGE, VIEW, scope_for
from heluo.geo.models import Area
from heluo.taxonomy.models import Cluster, HitechField, Industry

from ..models import Achievement, AchievementAttachment, AchievementEvent, AchievementIP, AchievementStatus, TransferMode
from ..models.achievements import TRL_MAX, TRL_MIN, transfer_modes_q

TRL_CHOICES = [(n, str(n)) for n in range(TRL_MIN, TRL_MAX + 1)]


class AchievementFilterSet(df.FilterSet):
    q = df.CharFilter(method="search", label=_("Search"), max_length=100)
    status = df.MultipleChoiceFilter(choices=AchievementStatus.choices, label=_("Status"))
    hitech_field = df.ModelChoiceFilter(queryset=HitechField.objects.filter(parent=None), method="in_field", label=_("High-tech field"))
    industry = df.ModelChoiceFilter(queryset=Industry.objects.all(), method="in_industry", label=_("Industry"))
    cluster = df.ModelChoiceFilter(queryset=Cluster.objects.all(), label=_("Cluster"))
    area = df.ModelChoiceFilter(queryset=Area.objects.all(), method="in_area", label=_("Area"))
    organization = df.NumberFilter(field_name="organization_id", label=_("Organization"))
    trl_min = df.TypedChoiceFilter(choices=TRL_CHOICES, coerce=int, field_name="trl", lookup_expr="gte", label=_("TRL from"))
    trl_max = df.TypedChoiceFilter(choices=TRL_CHOICES, coerce=int, field_name="trl", lookup_expr="lte", label=_("TRL to"))
    transfer_mode = df.ChoiceFilter(choices=TransferMode.choices, method="offered_as", label=_("Transfer mode"))
    published_from = df.DateFilter(field_name="published_at", lookup_expr="date__gte", label=_("Published from"))
    published_to = df.DateFilter(field_name="published_at", lookup_expr="date__lte", label=_("Published until"))

    class Meta:
        model = Achievement
        fields = ["q", "status", "hitech_field", "industry", "cluster", "area", "organization", "trl_min", "trl_max", "transfer_mode"]

    def search(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(title__icontains=value)
            | Q(keywords__icontains=value)
            | Q(organization__name__icontains=value)
            | Q(ip_rights__number__iexact=value)
        ).distinct()

    def in_field(self, qs, name, value):
        return qs.filter(Q(hitech_field=value) | Q(hitech_field__parent=value)) if value else qs

    def in_industry(self, qs, name, value):
        return qs.filter(Q(industry=value) | Q(industry__parent=value)) if value else qs

    def in_area(self, qs, name, value):
        return qs.filter(organization__area_id__in=Area.expand_ids([value.pk])) if value else qs

    def offered_as(self, qs, name, value):
        return qs.filter(transfer_modes_q(value)) if value else qs


def achievement_list(user, filters=None):
    qs = Achievement.objects.restrict(user, VIEW).select_related(
        "organization", "organization__area", "hitech_field", "industry", "cluster"
    )
    return AchievementFilterSet(filters or {}, queryset=qs).qs


def achievement_filterset(user, filters=None) -> AchievementFilterSet:
    qs = Achievement.objects.restrict(user, VIEW).select_related(
        "organization", "organization__area", "hitech_field", "industry", "cluster"
    )
    return AchievementFilterSet(filters or {}, queryset=qs)


def achievement_get(user, pk) -> Achievement:
    return (
        Achievement.objects.restrict(user, VIEW)
        .select_related("organization", "organization__area", "hitech_field", "industry", "cluster")
        .get(pk=pk)
    )


def ip_rights(user, a) -> list[AchievementIP]:
    return list(AchievementIP.objects.restrict(user, VIEW).filter(achievement=a))


def attachments(user, a) -> list[AchievementAttachment]:
    return list(AchievementAttachment.objects.restrict(user, VIEW).filter(achievement=a))


def attachment_get(user, pk) -> AchievementAttachment:
    return AchievementAttachment.objects.restrict(user, VIEW).select_related("achievement").get(pk=pk)


def events(user, a) -> list[AchievementEvent]:
    return list(AchievementEvent.objects.restrict(user, VIEW).filter(achievement=a).select_related("actor"))


def may_see_contact(user, a) -> bool:
    """Contact details marked private are for those who may see the record beyond its publication: the owner,
    its district and the bureau (anyone who could see it were it not published)."""
    if a.contact_public:
        return True
    scope = scope_for(user)
    if scope.is_public:
        return False
    if scope.is_bureau or scope.organization_id == a.organization_id and scope.role == "org_user":
        return True
    return scope.role == "district_staff" and a.organization.area_id in scope.area_ids


# --- the catalogue (科技成果目录) -----------------------------------------------------------------------------


def catalogue(filters=None):
    """Published achievements for the periodic catalogue: what the public sees, whoever asks, filtered by field,
    cluster and period (and the list's other filters), ordered by field then publication."""
    qs = achievement_list(None, filters).select_related("industry").prefetch_related("ip_rights")
    return qs.order_by("hitech_field__sort", "-published_at", "id")


# --- figures for the market's home page ---------------------------------------------------------------------


def counts(user) -> dict:
    """How many achievements the user sees by status, and the published ones by transfer mode."""
    visible = Achievement.objects.restrict(user, VIEW)
    by_status = dict(visible.values_list("status").annotate(n=Count("id")).order_by())
    published = visible.filter(status=AchievementStatus.PUBLISHED)
    return {
        "published": by_status.get(AchievementStatus.PUBLISHED, 0),
        "by_status": by_status,
        "total": sum(by_status.values()),
        "by_mode": {code: published.filter(transfer_modes_q(code)).count() for code in TransferMode.values},
    }


def published_count(user) -> int:
    return Achievement.objects.restrict(user, VIEW).filter(status=AchievementStatus.PUBLISHED).count()


def to_review_count(user) -> int | None:
    """Submitted or reviewed achievements the user may move on (district staff and the bureau); None otherwise."""
    scope = scope_for(user)
    if not scope.is_staff:
        return None
    status = [AchievementStatus.SUBMITTED] + ([AchievementStatus.REVIEWED] if scope.is_bureau else [])
    return Achievement.objects.restrict(user, VIEW).filter(status__in=status).count()


def own_drafts_count(user) -> int | None:
    scope = scope_for(user)
    if scope.role != "org_user" or not scope.organization_id:
        return None
    return Achievement.objects.restrict(user, CHANGE).count()


def published_teams(since) -> list[tuple[int, object, int, tuple[str, ...], str]]:
    """(id, publication date, owner organization, the team's names — leader first —, title) of the achievements
    published since the day: the co-authors on record a review's conflict check reads (names as typed, 、-joined)."""
    rows = Achievement.objects.filter(status=AchievementStatus.PUBLISHED, published_at__date__gte=since).order_by("pk")
    out = []
    for pk, at, org, leader, team, title in rows.values_list("pk", "published_at", "organization_id", "leader", "team", "title"):
        names = tuple(dict.fromkeys(n.strip() for n in [leader, *team.split("、")] if n and n.strip()))
        out.append((pk, timezone.localtime(at).date(), org, names, title))
    return out
