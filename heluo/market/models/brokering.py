"""对接 (brokering): each contact between a technology demand and what may answer it — a published achievement, an
expert of the pool or an organization — with its steps and outcome (a signed contract links to its registration);
and 对接活动 (brokering events: roadshows, matchmaking meetings) with their participants, whose outcomes are the
brokering records made at them.

The workflow (open → negotiating → signed | closed) is data: heluo/market/data/brokering.json, read by
engine.brokering. Every step — a contact, a visit, a workflow transition — is a BrokeringStep (append-only).

Who sees a brokering record (Brokering.scope_q): the bureau; the district of the demand's enterprise (and of the
supply side, read-only); the demand's enterprise, the supply side (the achievement's owner, the organization, the
expert) and the brokering agency. Those parties also see the demand when it is "matched parties only"
(selectors.brokering registers them with selectors.demands.add_matched_parties).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from heluo.core import audit
from heluo.core.models import DomainEvent, Role
from heluo.core.permissions import CHANGE, NOTHING, VIEW, RestrictedManager, Scope, field_rule

from .demands import Demand


class BrokeringStatus(models.TextChoices):
    """The workflow's states; their labels as the data file's (对接中, 洽谈中, 已签约, 已终止)."""

    OPEN = "open", pgettext_lazy("brokering status", "Open")
    NEGOTIATING = "negotiating", pgettext_lazy("brokering status", "Negotiating")
    SIGNED = "signed", pgettext_lazy("brokering status", "Contract signed")
    CLOSED = "closed", pgettext_lazy("brokering status", "Closed")


@audit.register
class BrokeringEvent(models.Model):
    """对接活动: a roadshow, a matchmaking meeting, a fair — who took part and what came of it."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, help_text=_("One of the event kinds in the market's data file."))
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    area = models.ForeignKey("geo.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    organizer = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("organizer")
    )
    cluster = models.ForeignKey(
        "taxonomy.Cluster", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("cluster")
    )
    description = models.TextField(_("description"), max_length=5000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["title", "held_on"], name="market_brokering_event_once")]
        verbose_name = _("brokering event")
        verbose_name_plural = _("brokering events")

    def __str__(self):
        return self.title

    @classmethod
    def scope_q(cls, scope: Scope, action):
        """Every signed-in programme user reads the events; the bureau runs any, a district those in its area, an
        agency those it organizes."""
        if scope.is_bureau:
            return None
        if action == VIEW:
            return Q() if scope.role in (Role.DISTRICT_STAFF, Role.ORG_USER, Role.EXPERT) else NOTHING
        if scope.role == Role.DISTRICT_STAFF:
            return Q(area_id__in=scope.area_ids)
        if scope.role == Role.ORG_USER and scope.organization_id and action == CHANGE:
            return Q(organizer_id=scope.organization_id)
        return NOTHING


@audit.register
class EventParticipant(models.Model):
    event = models.ForeignKey(BrokeringEvent, on_delete=models.CASCADE, related_name="participants", verbose_name=_("brokering event"))
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("organization"))
    role = models.CharField(_("role"), max_length=20, help_text=_("One of the participant roles in the market's data file."))
    attended = models.BooleanField(_("attended"), default=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["event", "role", "organization__name"]
        constraints = [models.UniqueConstraint(fields=["event", "organization"], name="market_event_participant_once")]
        verbose_name = _("event participant")
        verbose_name_plural = _("event participants")

    def __str__(self):
        return f"{self.event_id} {self.organization_id}"

    @classmethod
    def scope_q(cls, scope, action):
        q = BrokeringEvent.scope_q(scope, VIEW if action == VIEW else CHANGE)
        return q if q is None or q is NOTHING else Q(event__in=BrokeringEvent.objects.filter(q))


@audit.register
class Brokering(models.Model):
    """对接记录: one demand and one counterpart (an achievement, an expert or an organization), perhaps through an
    agency and at an event; its steps and, once signed, the registered contract that came of it."""

    demand = models.ForeignKey(Demand, on_delete=models.PROTECT, related_name="brokerings", verbose_name=_("technology demand"))
    achievement = models.ForeignKey(
        "market.Achievement", null=True, blank=True, on_delete=models.PROTECT, related_name="brokerings", verbose_name=_("achievement")
    )
    expert = models.ForeignKey(
        "people.Expert", null=True, blank=True, on_delete=models.PROTECT, related_name="brokerings", verbose_name=_("expert")
    )
    organization = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    broker = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("brokering agency"),
    )
    event = models.ForeignKey(
        BrokeringEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="brokerings", verbose_name=_("brokering event")
    )
    status = models.CharField(_("status"), max_length=12, choices=BrokeringStatus.choices, default=BrokeringStatus.OPEN)
    contract = models.ForeignKey(
        "market.TechnologyContract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="brokerings",
        verbose_name=_("technology contract"),
    )
    started_on = models.DateField(_("started on"), default=timezone.localdate)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(achievement__isnull=False, expert__isnull=True, organization__isnull=True)
                    | Q(achievement__isnull=True, expert__isnull=False, organization__isnull=True)
                    | Q(achievement__isnull=True, expert__isnull=True, organization__isnull=False)
                ),
                name="market_brokering_one_counterpart",
            ),
            models.CheckConstraint(condition=~Q(status="signed") | Q(contract__isnull=False), name="market_brokering_signed_contract"),
            # one record per demand and counterpart: a second contact is a step of it (or its reopening)
            models.UniqueConstraint(
                fields=["demand", "achievement"], condition=Q(achievement__isnull=False), name="market_brokering_achievement_once"
            ),
            models.UniqueConstraint(fields=["demand", "expert"], condition=Q(expert__isnull=False), name="market_brokering_expert_once"),
            models.UniqueConstraint(
                fields=["demand", "organization"], condition=Q(organization__isnull=False), name="market_brokering_organization_once"
            ),
        ]
        indexes = [models.Index(fields=["status", "started_on"])]
        verbose_name = _("brokering record")
        verbose_name_plural = _("brokering records")

    def __str__(self):
        return f"{self.demand} ↔ {self.counterpart}"

    @property
    def counterpart(self):
        return self.achievement or self.expert or self.organization

    @classmethod
    def scope_q(cls, scope: Scope, action):
        if action not in (VIEW, CHANGE):
            return NOTHING  # a record is kept: it is closed, not deleted
        if scope.is_bureau:
            return None
        if scope.role == Role.DISTRICT_STAFF:
            own = Q(demand__enterprise__area_id__in=scope.area_ids)
            if action == VIEW:
                return own | Q(organization__area_id__in=scope.area_ids) | Q(achievement__organization__area_id__in=scope.area_ids)
            return own
        if scope.role == Role.ORG_USER and scope.organization_id:
            org = scope.organization_id
            return Q(demand__enterprise_id=org) | Q(organization_id=org) | Q(achievement__organization_id=org) | Q(broker_id=org)
        if scope.role == Role.EXPERT and scope.person_id:
            return Q(expert__person_id=scope.person_id)
        return NOTHING


# What a form may write: the counterpart and the demand when the record is made, the rest while it is open. The
# status and the contract move only through the workflow (services.brokering.brokering_transition).
CREATED_FIELDS = frozenset({"demand", "achievement", "expert", "organization", "created_by"})
OPEN_FIELDS = frozenset({"broker", "event", "started_on", "note"})


@field_rule(Brokering)
def brokering_fields(scope: Scope, brokering: Brokering):
    adding = brokering._state.adding
    if not adding and brokering.status in (BrokeringStatus.SIGNED, BrokeringStatus.CLOSED):
        return frozenset({"note"}) if scope.is_staff else frozenset()
    return (CREATED_FIELDS | OPEN_FIELDS) if adding else OPEN_FIELDS


class BrokeringStep(DomainEvent):
    """Append-only: each step of a brokering — a contact, a visit, a meeting (kind: data/brokering.json's
    step_kinds) or a workflow transition (kind: the transition's name, with from/to status) — who took it and when."""

    brokering = models.ForeignKey(Brokering, on_delete=models.CASCADE, related_name="steps", verbose_name=_("brokering record"))
    kind = models.CharField(_("step"), max_length=20)
    on = models.DateField(_("date"), default=timezone.localdate)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["on", "at", "id"]
        verbose_name = _("brokering step")
        verbose_name_plural = _("brokering steps")

    def __str__(self):
        return f"{self.brokering_id} {self.kind}"

    @property
    def is_transition(self) -> bool:
        return bool(self.to_status)

    @classmethod
    def scope_q(cls, scope, action):
        """The steps of the records one sees; nobody changes them (a new step is added through the service)."""
        if action != VIEW:
            return NOTHING
        q = Brokering.scope_q(scope, VIEW)
        return q if q is None or q is NOTHING else Q(brokering__in=Brokering.objects.filter(q))
