"""Reads of brokering (对接) records and events. Every read starts from `restrict(user, …)`: Brokering.scope_q is
the one rule of who sees which record. The parties a record names also see its demand when that demand is "matched
parties only" (matched_demands_q, registered with selectors.demands.add_matched_parties at start-up)."""

from __future__ import annotations

import django_filters as df
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from heluo.core.i18n import is_chinese
from heluo.core.models import Role
from heluo.core.permissions import NOTHING, VIEW, Scope, scope_for
from heluo.geo.models import Area

from ..engine import brokering as engine
from ..models import Brokering, BrokeringEvent, BrokeringStatus, BrokeringStep, ContractState, Demand, EventParticipant
from .demands import district_ids, district_of_areas


def matched_demands_q(scope: Scope) -> Q:
    """The demands this scope is a party to through a brokering record (supply side, agency, expert)."""
    if scope.role == Role.ORG_USER and scope.organization_id:
        org = scope.organization_id
        named = Q(organization_id=org) | Q(achievement__organization_id=org) | Q(broker_id=org)
    elif scope.role == Role.EXPERT and scope.person_id:
        named = Q(expert__person_id=scope.person_id)
    else:
        return NOTHING
    return Q(pk__in=Brokering.objects.filter(named).values("demand_id"))


def label(kinds: dict[str, tuple[str, str]], code: str) -> str:
    pair = kinds.get(code)
    return code if pair is None else pair[0] if is_chinese() else pair[1]


def choices(kinds: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    return [(code, label(kinds, code)) for code in kinds]


def step_label(step: BrokeringStep) -> str:
    """A contact's kind, or the workflow transition's label."""
    if step.kind == "create":
        return str(pgettext_lazy("brokering step", "Started"))
    t = engine.workflow().transitions.get(step.kind)
    if t is not None:
        return t.label[0] if is_chinese() else t.label[1]
    return label(engine.step_kinds(), step.kind)


COUNTERPART_KINDS = (("achievement", _("Achievement")), ("expert", _("Expert")), ("organization", _("Organization")))


class BrokeringFilterSet(df.FilterSet):
    q = df.CharFilter(method="search", label=_("Search"))
    status = df.MultipleChoiceFilter(choices=BrokeringStatus.choices, label=_("Status"))
    counterpart = df.ChoiceFilter(choices=COUNTERPART_KINDS, method="of_counterpart", label=_("Counterpart"))
    area = df.ModelChoiceFilter(queryset=Area.objects.all(), method="in_area", label=_("Area"))
    event = df.ModelChoiceFilter(queryset=BrokeringEvent.objects.all(), label=_("Brokering event"))
    demand = df.NumberFilter(field_name="demand_id", label=_("Technology demand"))
    achievement = df.NumberFilter(field_name="achievement_id", label=_("Achievement"))
    started_from = df.DateFilter(field_name="started_on", lookup_expr="gte", label=_("Started from"))
    started_to = df.DateFilter(field_name="started_on", lookup_expr="lte", label=_("Started up to"))

    class Meta:
        model = Brokering
        fields = ["q", "status", "counterpart", "area", "event", "started_from", "started_to"]

    def search(self, qs, name, value):
        value = value.strip()[:100]
        if not value:
            return qs
        return qs.filter(
            Q(demand__title__icontains=value)
            | Q(demand__enterprise__name__icontains=value)
            | Q(achievement__title__icontains=value)
            | Q(organization__name__icontains=value)
            | Q(expert__person__name__icontains=value)
        )

    def of_counterpart(self, qs, name, value):
        return qs.filter(**{f"{value}__isnull": False}) if value else qs

    def in_area(self, qs, name, value):
        return qs.filter(demand__enterprise__area_id__in=Area.expand_ids([value.pk])) if value else qs


RELATED = (
    "demand__enterprise__area",
    "achievement__organization",
    "expert__person",
    "organization",
    "broker",
    "event",
    "contract",
)


def brokering_list(user, filters=None):
    qs = _visible(user, Brokering.objects.restrict(user, VIEW))
    return BrokeringFilterSet(filters or {}, queryset=qs).qs


def brokering_get(user, pk) -> Brokering:
    return _visible(user, Brokering.objects.restrict(user, VIEW)).get(pk=pk)


def _visible(user, qs):
    """Each record marked `demand_visible`: a party to a record does not thereby see a bureau-only demand, so pages
    and the API show a demand's title only to whoever may see the demand itself."""
    visible = Demand.objects.restrict(user, VIEW).filter(pk=OuterRef("demand_id"))
    return qs.select_related(*RELATED).annotate(demand_visible=Exists(visible))


def brokering_steps(user, b: Brokering):
    return BrokeringStep.objects.restrict(user, VIEW).filter(brokering=b).order_by("on", "at", "pk")


def of_demand(user, demand):
    return _visible(user, Brokering.objects.restrict(user, VIEW).filter(demand=demand))


def of_achievement(user, achievement):
    return _visible(user, Brokering.objects.restrict(user, VIEW).filter(achievement=achievement))


def of_contract(user, contract):
    return _visible(user, Brokering.objects.restrict(user, VIEW).filter(contract=contract))


def outcome(records) -> engine.Outcome:
    """What these records (a queryset, already scoped) came to; a contract's amount once registered."""
    states = records.values_list("status", flat=True).order_by()
    signed = records.filter(status=BrokeringStatus.SIGNED, contract__isnull=False).values_list(
        "contract_id", "contract__transaction_amount", "contract__state"
    )
    return engine.outcome(states, [(c, a if s == ContractState.REGISTERED else None) for c, a, s in signed.order_by()])


def by_district(user, records) -> list[dict]:
    """The records per district of the demand's enterprise, by status (the user's scoped records only)."""
    counts = records.values_list("demand__enterprise__area_id", "status").annotate(n=Count("pk")).order_by()
    district_of, rows = district_of_areas(), {}
    for area_id, status, n in counts:
        d = district_of.get(area_id)
        if d is not None:
            rows.setdefault(d, {}).setdefault(status, 0)
            rows[d][status] += n
    names = {a.pk: a for a in Area.objects.filter(pk__in=rows)}
    return [
        {"area": names[d], "statuses": [rows[d].get(s, 0) for s in BrokeringStatus.values], "total": sum(rows[d].values())}
        for d in district_ids()
        if d in rows
    ]


# --- events ----------------------------------------------------------------------------------------------


class EventFilterSet(df.FilterSet):
    q = df.CharFilter(field_name="title", lookup_expr="icontains", label=_("Search"))
    kind = df.ChoiceFilter(choices=(), label=_("Kind"))
    area = df.ModelChoiceFilter(queryset=Area.objects.all(), label=_("District"))
    year = df.NumberFilter(field_name="held_on__year", label=_("Year"), min_value=1990, max_value=2100)

    class Meta:
        model = BrokeringEvent
        fields = ["q", "kind", "area", "year"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["kind"].extra["choices"] = choices(engine.event_kinds())


def event_list(user, filters=None):
    """The events, each with its participants and the brokering records the user may see that were made at it."""
    visible = Brokering.objects.restrict(user, VIEW).values("pk")
    qs = (
        BrokeringEvent.objects.restrict(user, VIEW)
        .select_related("area", "organizer", "cluster")
        .annotate(
            participant_count=Count("participants", distinct=True),
            brokering_count=Count("brokerings", filter=Q(brokerings__in=visible), distinct=True),
            signed_count=Count("brokerings", filter=Q(brokerings__in=visible, brokerings__status=BrokeringStatus.SIGNED), distinct=True),
        )
        .order_by("-held_on", "-id")
    )
    return EventFilterSet(filters or {}, queryset=qs).qs


def event_get(user, pk) -> BrokeringEvent:
    return BrokeringEvent.objects.restrict(user, VIEW).select_related("area", "organizer", "cluster").get(pk=pk)


def event_participants(user, event):
    return EventParticipant.objects.restrict(user, VIEW).filter(event=event).select_related("organization__area")


def event_brokerings(user, event):
    return _visible(user, Brokering.objects.restrict(user, VIEW).filter(event=event))


def may_start(user) -> bool:
    """Whether the user could start a brokering record at all (the pages' "start" links)."""
    scope = scope_for(user)
    return (
        scope.is_staff
        or (scope.role == Role.ORG_USER and bool(scope.organization_id))
        or (scope.role == Role.EXPERT and bool(scope.person_id))
    )
