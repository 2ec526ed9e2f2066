"""技术需求 (technology demands) posted by enterprises, and 需求征集 (demand campaigns) in which the districts
collect them.

Money is in yuan (Decimal, two places) like the rest of the platform; pages, forms and imports show 万元. The
workflow (states, transitions, who may take each) is data: heluo/market/data/demands.json, read by
engine.demands; each transition is a DemandEvent (append-only) and the demand's change is in the change log.

Who sees a demand (Demand.scope_q) follows its confidentiality:

* public — published ones: everyone, signed in or not (the public page);
* matched parties only — the posting enterprise, its district, the bureau, and whoever a rule in
  MATCHED_PARTY_RULES names (brokering adds its parties there: selectors.demands.add_matched_parties);
* bureau only — the posting enterprise, its district and the bureau.

Unpublished ones (draft … withdrawn) are the enterprise's, its district's and the bureau's only.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from heluo.core import audit
from heluo.core.models import DomainEvent, Role
from heluo.core.permissions import CHANGE, DELETE, NOTHING, VIEW, RestrictedManager, Scope, field_rule, fields_except

MONEY = dict(max_digits=14, decimal_places=2)


class DemandStatus(models.TextChoices):
    """The workflow's states (engine.demands reads their order and transitions from the data file)."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    REVIEWED = "reviewed", pgettext_lazy("a record passed its review (审核)", "Reviewed")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Confidentiality(models.TextChoices):
    PUBLIC = "public", _("Public")
    MATCHED = "matched", _("Matched parties only")
    BUREAU = "bureau", _("Bureau only")


# Rules `(scope) -> Q over Demand` naming more parties that may see a "matched parties only" demand (brokering's
# parties). Registered through selectors.demands.add_matched_parties; asked by Demand.scope_q on every read.
MATCHED_PARTY_RULES: list[Callable[[Scope], Q]] = []


def matched_parties_q(scope: Scope) -> Q:
    """The "matched parties only" demands that the registered rules name for this scope."""
    if not MATCHED_PARTY_RULES:
        return NOTHING
    q = NOTHING
    for rule in MATCHED_PARTY_RULES:
        q |= rule(scope)
    return Q(confidentiality=Confidentiality.MATCHED) & q


@audit.register
class DemandCampaign(models.Model):
    """需求征集: the bureau asks the districts to collect their enterprises' demands within a window."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-opens_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="market_campaign_window")]
        verbose_name = _("demand campaign")
        verbose_name_plural = _("demand campaigns")

    def __str__(self):
        return self.title

    @classmethod
    def scope_q(cls, scope, action):
        """Signed-in programme users read campaigns (a district collects in them, an enterprise answers them);
        only the bureau creates and changes them."""
        if scope.is_bureau:
            return None
        if action == VIEW and scope.role in (Role.DISTRICT_STAFF, Role.ORG_USER):
            return Q()
        return NOTHING

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.opens_at <= at < self.closes_at


@audit.register
class CampaignTarget(models.Model):
    """How many demands a district is asked to collect in a campaign (optional, per district)."""

    campaign = models.ForeignKey(DemandCampaign, on_delete=models.CASCADE, related_name="targets", verbose_name=_("demand campaign"))
    area = models.ForeignKey("geo.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    target = models.PositiveIntegerField(_("target"))

    objects = RestrictedManager()

    class Meta:
        ordering = ["campaign", "area__code"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "area"], name="market_campaign_target_once"),
            # the database's ceiling; the working limit is the data file's campaign.max_target (not above this)
            models.CheckConstraint(condition=Q(target__gt=0, target__lte=100000), name="market_campaign_target_range"),
        ]
        verbose_name = _("campaign target")
        verbose_name_plural = _("campaign targets")

    def __str__(self):
        return f"{self.campaign} · {self.area}: {self.target}"

    @classmethod
    def scope_q(cls, scope, action):
        return DemandCampaign.scope_q(scope, action)


@audit.register
class Demand(models.Model):
    """An enterprise's technology demand: the problem in plain words, what it is about, what it may cost."""

    enterprise = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="demands", verbose_name=_("enterprise"))
    campaign = models.ForeignKey(
        DemandCampaign, null=True, blank=True, on_delete=models.PROTECT, related_name="demands", verbose_name=_("demand campaign")
    )
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(
        _("the problem"), max_length=5000, help_text=_("In plain words: what does not work yet, and what is needed.")
    )
    hitech_field = models.ForeignKey(
        "taxonomy.HitechField", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("high-tech field")
    )
    industry = models.ForeignKey(
        "taxonomy.Industry", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("industry")
    )
    cluster = models.ForeignKey(
        "taxonomy.Cluster", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("cluster")
    )
    budget_min = models.DecimalField(_("budget from"), null=True, blank=True, **MONEY)
    budget_max = models.DecimalField(_("budget up to"), null=True, blank=True, **MONEY)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    cooperation_mode = models.CharField(
        _("preferred cooperation"), max_length=30, help_text=_("One of the modes in the market's data file.")
    )
    confidentiality = models.CharField(_("confidentiality"), max_length=10, choices=Confidentiality.choices, default=Confidentiality.PUBLIC)
    status = models.CharField(_("status"), max_length=12, choices=DemandStatus.choices, default=DemandStatus.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(budget_min__isnull=True) | Q(budget_min__gte=0)) & (Q(budget_max__isnull=True) | Q(budget_max__gt=0)),
                name="market_demand_budget_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(budget_min__isnull=True) | Q(budget_max__isnull=True) | Q(budget_min__lte=models.F("budget_max")),
                name="market_demand_budget_range",
            ),
            # what makes a campaign's import idempotent: one demand of a title per enterprise and campaign
            models.UniqueConstraint(fields=["campaign", "enterprise", "title"], name="market_demand_campaign_title"),
        ]
        indexes = [models.Index(fields=["status", "confidentiality"]), models.Index(fields=["campaign", "status"])]
        verbose_name = _("technology demand")
        verbose_name_plural = _("technology demands")

    def __str__(self):
        return self.title

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        own = None
        if scope.role == Role.DISTRICT_STAFF:
            own = Q(enterprise__area_id__in=scope.area_ids)
        elif scope.role == Role.ORG_USER and scope.organization_id:
            own = Q(enterprise_id=scope.organization_id)
        if action == VIEW:
            public = Q(status=DemandStatus.PUBLISHED, confidentiality=Confidentiality.PUBLIC)
            q = public | matched_parties_q(scope)
            return q | own if own is not None else q
        if own is None:
            return NOTHING
        if action == DELETE:
            return own & Q(status=DemandStatus.DRAFT)
        return own if action == CHANGE else NOTHING


# What the workflow, not a form, sets.
SYSTEM_FIELDS = ("status", "submitted_at", "published_at", "created", "updated")
CONTENT_FIELDS = fields_except(Demand, "enterprise", "campaign", *SYSTEM_FIELDS)


@field_rule(Demand)
def demand_fields(scope: Scope, demand: Demand):
    """What each role may write on a demand, for forms, the API and imports alike: the content while it is the
    role's turn (an enterprise in draft, its district in draft or submitted, the bureau at any stage), the
    enterprise only when the demand is created, the campaign by the district and the bureau. Never the status: only
    a transition moves it."""
    adding = demand._state.adding
    created = {"enterprise"} if adding else set()
    if scope.is_bureau:
        return CONTENT_FIELDS | created | {"campaign"}
    if scope.role == Role.DISTRICT_STAFF and (adding or demand.status in (DemandStatus.DRAFT, DemandStatus.SUBMITTED)):
        return CONTENT_FIELDS | created | {"campaign"}
    if scope.role == Role.ORG_USER and (adding or demand.status == DemandStatus.DRAFT):
        return CONTENT_FIELDS | created
    return set()


class DemandEvent(DomainEvent):
    """Append-only: each workflow step of a demand (and its creation), who took it, when and why."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="events", verbose_name=_("technology demand"))
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("demand event")
        verbose_name_plural = _("demand events")

    def __str__(self):
        return f"{self.demand_id} {self.action}"

    @classmethod
    def scope_q(cls, scope, action):
        """The steps of a demand: whoever may change it (its enterprise, district, the bureau); nobody changes them."""
        if action != VIEW:
            return NOTHING
        q = Demand.scope_q(scope, CHANGE)
        return None if q is None else Q(demand__in=Demand.objects.filter(q))
