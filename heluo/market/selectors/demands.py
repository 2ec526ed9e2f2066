"""Reads of technology demands and demand campaigns. Every read starts from `restrict(user, …)`: Demand.scope_q is
the one rule of who sees which demand (by role and confidentiality). Brokering extends who sees a "matched parties
only" demand with add_matched_parties; may_see answers for one demand and one user."""

from __future__ import annotations

from collections.abc import Callable

import django_filters as df
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heluo.core.i18n import is_chinese
from heluo.core.permissions import CHANGE, VIEW, Scope, can, scope_for
from heluo.geo.models import Area
from heluo.taxonomy.models import Cluster, HitechField, Industry

from ..engine import demands as engine
from ..models import CampaignTarget, Confidentiality, Demand, DemandCampaign, DemandEvent, DemandStatus
from ..models import demands as demand_models


def add_matched_parties(rule: Callable[[Scope], Q]) -> None:
    """Let more parties see "matched parties only" demands: `rule(scope)` is a Q over Demand naming the demands
    this scope is a party to (brokering: the parties named in a brokering record). Register once, at start-up."""
    if rule not in demand_models.MATCHED_PARTY_RULES:
        demand_models.MATCHED_PARTY_RULES.append(rule)


def may_see(user, demand: Demand) -> bool:
    """Who may see this demand: the same rule every list, page, export and API call applies."""
    return can(user, VIEW, demand)


def cooperation_choices() -> list[tuple[str, str]]:
    return [(m["code"], m["zh"] if is_chinese() else m["en"]) for m in engine.cooperation_modes()]


def cooperation_label(code: str) -> str:
    return dict(cooperation_choices()).get(code, code)


class DemandFilterSet(df.FilterSet):
    q = df.CharFilter(method="search", label=_("Search"))
    status = df.MultipleChoiceFilter(choices=DemandStatus.choices, label=_("Status"))
    confidentiality = df.MultipleChoiceFilter(choices=Confidentiality.choices, label=_("Confidentiality"))
    cooperation_mode = df.MultipleChoiceFilter(choices=(), label=_("Preferred cooperation"))  # the data file's, in __init__
    hitech_field = df.ModelChoiceFilter(queryset=HitechField.objects.all(), method="in_field", label=_("High-tech field"))
    industry = df.ModelChoiceFilter(queryset=Industry.objects.all(), method="in_industry", label=_("Industry"))
    cluster = df.ModelChoiceFilter(queryset=Cluster.objects.all(), label=_("Cluster"))
    area = df.ModelChoiceFilter(queryset=Area.objects.all(), method="in_area", label=_("Area"))
    campaign = df.ModelChoiceFilter(queryset=DemandCampaign.objects.all(), label=_("Demand campaign"))
    enterprise = df.NumberFilter(field_name="enterprise_id", label=_("Enterprise"))
    budget_at_least = df.NumberFilter(method="budget_from", label=_("Budget at least (万元)"), min_value=0, max_value=10**8)

    class Meta:
        model = Demand
        fields = ["q", "status", "confidentiality", "cooperation_mode", "hitech_field", "industry", "cluster", "area", "campaign"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["cooperation_mode"].extra["choices"] = cooperation_choices()

    def search(self, qs, name, value):
        value = value.strip()[:100]
        if not value:
            return qs
        return qs.filter(Q(title__icontains=value) | Q(problem__icontains=value) | Q(enterprise__name__icontains=value))

    def in_field(self, qs, name, value):  # a field takes its sub-fields with it
        return qs.filter(Q(hitech_field=value) | Q(hitech_field__parent=value)) if value else qs

    def in_industry(self, qs, name, value):  # a section takes its divisions with it
        return qs.filter(Q(industry=value) | Q(industry__parent=value)) if value else qs

    def in_area(self, qs, name, value):
        return qs.filter(enterprise__area_id__in=Area.expand_ids([value.pk])) if value else qs

    def budget_from(self, qs, name, value):
        return qs.filter(budget_max__gte=value * 10000) if value is not None else qs


def demand_list(user, filters=None):
    qs = Demand.objects.restrict(user, VIEW).select_related("enterprise__area", "hitech_field", "industry", "cluster", "campaign")
    return DemandFilterSet(filters or {}, queryset=qs).qs


def demand_get(user, pk) -> Demand:
    return (
        Demand.objects.restrict(user, VIEW).select_related("enterprise__area", "hitech_field", "industry", "cluster", "campaign").get(pk=pk)
    )


def demand_events(user, demand):
    return DemandEvent.objects.restrict(user, VIEW).filter(demand=demand).order_by("at", "pk")


# --- campaigns -------------------------------------------------------------------------------------------


def campaign_list(user):
    """The campaigns, each with the number of its demands the user may see (not of all: a count tells too)."""
    visible = Demand.objects.restrict(user, VIEW).filter(campaign=OuterRef("pk")).order_by().values("campaign")
    counted = visible.annotate(n=Count("pk")).values("n")
    return DemandCampaign.objects.restrict(user, VIEW).annotate(demand_count=Coalesce(Subquery(counted), 0))


def campaign_get(user, pk) -> DemandCampaign:
    return DemandCampaign.objects.restrict(user, VIEW).get(pk=pk)


def open_campaigns(user, at=None):
    at = at or timezone.now()
    return DemandCampaign.objects.restrict(user, VIEW).filter(opens_at__lte=at, closes_at__gt=at)


def district_ids() -> list[int]:
    """The districts (county-level areas right below a city, current ones) in their order."""
    return list(Area.objects.filter(parent__kind=Area.Kind.CITY, valid_to=None).order_by("sort", "code").values_list("pk", flat=True))


def district_of_areas() -> dict[int, int]:
    """Every area's district (itself for a district; the district above a functional zone or a town)."""
    parents = dict(Area.objects.values_list("pk", "parent_id"))
    districts, found = set(district_ids()), {}
    for pk in parents:
        at, seen = pk, 0
        while at is not None and at not in districts and seen < 10:
            at, seen = parents.get(at), seen + 1
        if at in districts:
            found[pk] = at
    return found


def campaign_breakdown(user, campaign: DemandCampaign) -> list[dict]:
    """Demands collected per district, by status, against the district's target. The bureau sees every district;
    a district staff member its own; others none (the counts are over what the user may change)."""
    scope = scope_for(user)
    if not scope.is_staff:
        return []
    districts = district_ids()
    if not scope.is_bureau:
        districts = [d for d in districts if d in scope.area_ids]
    counts = (
        Demand.objects.restrict(user, CHANGE)
        .filter(campaign=campaign)
        .values_list("enterprise__area_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    targets = dict(CampaignTarget.objects.filter(campaign=campaign).values_list("area_id", "target"))
    rows = engine.breakdown(counts, district_of_areas(), targets, districts)
    names = {a.pk: a for a in Area.objects.filter(pk__in=[r.district_id for r in rows])}
    return [
        {
            "area": names[r.district_id],
            "by_status": r.by_status,
            "statuses": [r.by_status.get(s, 0) for s in DemandStatus.values],
            "total": r.total,
            "target": r.target,
            "progress": None if r.progress is None else round(r.progress * 100),
        }
        for r in rows
    ]


def breakdown_chart(rows: list[dict]) -> dict:
    """The breakdown as the chart's data (a JSON block of the page; the script draws it, escaping nothing itself)."""
    return {
        "districts": [r["area"].name for r in rows],
        "series": [{"name": str(label), "data": [r["by_status"].get(code, 0) for r in rows]} for code, label in DemandStatus.choices],
        "targets": [r["target"] for r in rows],
        "target_label": str(_("Target")),
    }
