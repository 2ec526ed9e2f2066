"""揭榜挂帅 and 赛马制 challenges (关键核心技术攻关清单): an entry compiled from enterprises' technology demands (their ids
and titles copied, the market being its own app), published, bid for by teams (揭榜方), awarded to one bid (揭榜挂帅)
or to two in parallel (赛马制) until a checkpoint at which one continues. Each step a ChallengeEvent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.models import DomainEvent, Role
from heluo.core.permissions import NOTHING, VIEW, RestrictedManager

from .calls import MONEY


class ChallengeMode(models.TextChoices):
    SINGLE = "single", _("Open competition (揭榜挂帅)")
    RACE = "race", _("Horse race (赛马制)")


class ChallengeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")
    AWARDED = "awarded", _("Awarded")


class BidStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    AWARDED = "awarded", _("Awarded")
    REJECTED = "rejected", _("Rejected")
    STOPPED = "stopped", _("Stopped at the checkpoint")


@audit.register
class Challenge(models.Model):
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("the technical problem"), max_length=5000)
    indicators = models.TextField(_("indicators to reach"), max_length=5000)
    budget = models.DecimalField(_("budget"), **MONEY)
    deadline = models.DateField(_("deadline"))
    demand_ids = models.JSONField(_("source demands"), default=list, blank=True)
    demand_titles = models.JSONField(_("source demands' titles"), default=list, blank=True)
    mode = models.CharField(_("mode"), max_length=8, choices=ChallengeMode.choices, default=ChallengeMode.SINGLE)
    checkpoint_on = models.DateField(_("checkpoint"), null=True, blank=True, help_text=_("赛马制: when one team continues."))
    status = models.CharField(_("status"), max_length=10, choices=ChallengeStatus.choices, default=ChallengeStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gt=0), name="projects_challenge_budget_positive"),
            models.CheckConstraint(condition=Q(mode="single") | Q(checkpoint_on__isnull=False), name="projects_challenge_race_checkpoint"),
        ]
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")

    def __str__(self):
        return self.title

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        return ~Q(status=ChallengeStatus.DRAFT) if action == VIEW else NOTHING


@audit.register
class Bid(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="bids", verbose_name=_("challenge"))
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("organization"))
    leader = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("team leader"))
    plan = models.TextField(_("plan"), max_length=10000)
    requested = models.DecimalField(_("amount requested"), **MONEY)
    status = models.CharField(_("status"), max_length=12, choices=BidStatus.choices, default=BidStatus.SUBMITTED)
    reason = models.CharField(_("reason"), max_length=2000, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["challenge", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(requested__gt=0), name="projects_bid_requested_positive"),
            models.UniqueConstraint(fields=["challenge", "organization"], name="projects_bid_once"),
        ]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        if scope.role == Role.ORG_USER and scope.organization_id and action == VIEW:
            return Q(organization_id=scope.organization_id)
        return NOTHING


class Award(models.Model):
    challenge = models.OneToOneField(Challenge, on_delete=models.PROTECT, related_name="award", verbose_name=_("challenge"))
    bids = models.ManyToManyField(Bid, related_name="+", verbose_name=_("awarded bids"))
    reason = models.CharField(_("reason"), max_length=2000)
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)
    continued = models.ForeignKey(Bid, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("continues"))
    checkpoint_reason = models.CharField(_("checkpoint decision"), max_length=2000, blank=True)
    checkpoint_at = models.DateTimeField(_("checkpoint decided at"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        return Q() if action == VIEW else NOTHING  # an award is public, as the challenge is


ACTIONS = {
    "compiled": _("Compiled from demands"),
    "published": _("Published"),
    "closed": _("Closed to bids"),
    "bid": _("Bid"),
    "shortlisted": _("Shortlisted"),
    "rejected": _("Rejected"),
    "awarded": _("Awarded"),
    "not_selected": _("Not selected"),
    "award": _("Award decided"),
    "stopped": _("Stopped at the checkpoint"),
    "continued": _("Continues after the checkpoint"),
}


class ChallengeEvent(DomainEvent):
    """Append-only: each step of a challenge and its bids (`action`: one of ACTIONS)."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="events")
    bid = models.ForeignKey(Bid, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20)
    reason = models.CharField(_("reason"), max_length=2000, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["at", "id"]

    @property
    def label(self):
        return ACTIONS.get(self.action, self.action)

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        if action != VIEW:
            return NOTHING
        q = Q(bid__isnull=True, challenge__status__in=["published", "closed", "awarded"])
        if scope.role == Role.ORG_USER and scope.organization_id:
            q |= Q(bid__organization_id=scope.organization_id)
        return q
