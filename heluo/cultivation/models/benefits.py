"""免申即享 (benefits granted without application) and the 积分贷 lists sent to partner banks.

A benefit policy is a rule set plus an amount. The bureau drafts a list from the latest evaluation run of
the policy's rule set, confirms it, then publishes it: only a published grant appears on the enterprise's
own page. Lists are the bureau's; district staff read their areas' grants; an enterprise reads its own
published grants.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.models import Role
from heluo.core.permissions import NOTHING, VIEW, RestrictedManager

MONEY = dict(max_digits=18, decimal_places=2)


def _bureau_only(scope, action):
    return None if scope.is_bureau else NOTHING


@audit.register
class BenefitPolicy(models.Model):
    code = models.SlugField(_("Code"), max_length=60, unique=True)
    name = models.CharField(_("Policy name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    ruleset = models.CharField(_("Applicable rule set"), max_length=60, help_text="the enterprises that pass it qualify")
    amount_fixed = models.DecimalField(_("Fixed amount (yuan)"), null=True, blank=True, **MONEY)
    amount_rate = models.DecimalField(
        _("Rate"), max_digits=7, decimal_places=4, null=True, blank=True, help_text="share of amount_input, e.g. 0.1000"
    )
    amount_input = models.CharField(_("Rate base"), max_length=40, blank=True, help_text="an annual input, e.g. rd_expense@-1")
    amount_cap = models.DecimalField(_("Cap per enterprise (yuan)"), null=True, blank=True, **MONEY)
    exclude_holding = models.CharField(
        _("Excluding holders of the qualification"),
        max_length=20,
        blank=True,
        help_text="a qualification kind; holders valid on the list date are left out",
    )
    cite = models.CharField(_("Policy basis"), max_length=300)
    tag = models.CharField(_("Confidence"), max_length=2, default="NF", help_text="C S M NF as in policy-rules.md")
    is_example = models.BooleanField(_("Example configuration"), default=True)
    active = models.BooleanField(_("Active"), default=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("No-application benefit policy")
        verbose_name_plural = _("No-application benefit policies")

    def __str__(self):
        return self.name

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        return Q(active=True) if action == VIEW and scope.role is not None else NOTHING


class BenefitListStatus(models.TextChoices):
    DRAFT = "draft", _("To be confirmed")
    CONFIRMED = "confirmed", _("Confirmed")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


@audit.register
class BenefitList(models.Model):
    policy = models.ForeignKey(BenefitPolicy, on_delete=models.PROTECT, related_name="lists", verbose_name=_("Policy"))
    year = models.PositiveSmallIntegerField(_("Year"))
    run = models.ForeignKey("cultivation.EvaluationRun", on_delete=models.PROTECT, related_name="+", verbose_name=_("Evaluation run"))
    status = models.CharField(_("Status"), max_length=10, choices=BenefitListStatus.choices, default=BenefitListStatus.DRAFT)
    total_amount = models.DecimalField(_("Total amount (yuan)"), default=Decimal("0"), **MONEY)
    count = models.PositiveIntegerField(_("Enterprises"), default=0)
    created = models.DateTimeField(_("Drafted at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("Drafted by")
    )
    confirmed_at = models.DateTimeField(_("Confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("Confirmed by")
    )
    published_at = models.DateTimeField(_("Published at"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-year", "-created", "-pk"]
        verbose_name = _("No-application benefit list")
        verbose_name_plural = _("No-application benefit lists")

    def __str__(self):
        return f"{self.policy} {self.year} #{self.pk}"

    @classmethod
    def scope_q(cls, scope, action):
        return _bureau_only(scope, action)


class BenefitGrant(models.Model):
    benefit_list = models.ForeignKey(BenefitList, on_delete=models.CASCADE, related_name="grants", verbose_name=_("List"))
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="benefit_grants", verbose_name=_("Enterprise")
    )
    amount = models.DecimalField(_("Amount (yuan)"), **MONEY)
    basis = models.JSONField(_("Calculation basis"), default=dict)

    objects = RestrictedManager()

    class Meta:
        ordering = ["benefit_list", "organization__name"]
        constraints = [models.UniqueConstraint(fields=["benefit_list", "organization"], name="benefit_grant_unique")]
        verbose_name = _("No-application benefit grant")
        verbose_name_plural = _("No-application benefit grants")

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        if action != VIEW:
            return NOTHING
        if scope.role == Role.DISTRICT_STAFF:
            return Q(organization__area_id__in=scope.area_ids)
        if scope.role == Role.ORG_USER and scope.organization_id:
            return Q(organization_id=scope.organization_id, benefit_list__status=BenefitListStatus.PUBLISHED)
        return NOTHING


@audit.register
class BankListExport(models.Model):
    """A 积分贷 list as sent to a partner bank: what was sent, to whom, when, by whom (rows kept verbatim)."""

    bank = models.CharField(_("Partner bank"), max_length=100)
    year = models.PositiveSmallIntegerField(_("Points year"))
    config = models.CharField(_("Points indicator system"), max_length=80)
    criteria = models.JSONField(_("Selection criteria"), default=dict)
    rows = models.JSONField(_("List"), default=list)
    count = models.PositiveIntegerField(_("Enterprises"), default=0)
    sha256 = models.CharField(_("File digest"), max_length=64)
    sent_at = models.DateTimeField(_("Sent at"), auto_now_add=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("Sent by")
    )

    objects = RestrictedManager()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("Points-based loan list sent")
        verbose_name_plural = _("Points-based loan lists sent")

    def __str__(self):
        return f"{self.bank} {self.year} ({self.count})"

    @classmethod
    def scope_q(cls, scope, action):
        return _bureau_only(scope, action)
