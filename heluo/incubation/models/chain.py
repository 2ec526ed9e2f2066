"""The incubation chain (众创空间 → 孵化器 → 加速器 → 产业园): a registry platform serving as a carrier at one stage
(which platform kinds may serve at which stage is data: data/chain.json — the registry has no 加速器 or 产业园 kind),
the firms it incubates with their entry and graduation or exit dates, and each step as an append-only event."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.models import DomainEvent, Role
from heluo.core.permissions import RestrictedManager, published_or_own

from .scoping import hosted_platforms, incubation_q


class Stage(models.TextChoices):
    MAKER_SPACE = "maker_space", _("Maker space")
    INCUBATOR = "incubator", _("Incubator")
    ACCELERATOR = "accelerator", _("Accelerator")
    PARK = "park", _("Industrial park")


class IncubationStatus(models.TextChoices):
    INCUBATING = "incubating", _("Incubating")
    GRADUATED = "graduated", _("Graduated")
    MOVED_ON = "moved_on", _("Graduated and moved on")
    LEFT = "left", _("Left")


@audit.register
class Carrier(models.Model):
    platform = models.OneToOneField(
        "platforms.Platform", on_delete=models.CASCADE, related_name="incubation_carrier", verbose_name=_("platform")
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    capacity = models.PositiveIntegerField(_("capacity (firms)"), null=True, blank=True)
    registered_on = models.DateField(_("on the chain since"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["stage", "platform__name"]
        verbose_name = _("incubation carrier")
        verbose_name_plural = _("incubation carriers")

    def __str__(self):
        return f"{self.platform} ({self.get_stage_display()})"

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        published = Q(platform__is_published=True)
        if scope.role == Role.DISTRICT_STAFF:
            return published_or_own(action, published, Q(platform__area_id__in=scope.area_ids))
        if scope.role == Role.ORG_USER and scope.organization_id:
            hosted = Q(platform_id__in=hosted_platforms(scope.organization_id))
            return published_or_own(action, published, hosted, own_may_change=False)
        return published_or_own(action, published)


@audit.register
class Incubation(models.Model):
    """A firm's stay at one carrier: from entry to graduation (possibly moving on to the next stage) or exit."""

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="incubations", verbose_name=_("carrier"))
    firm = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="incubations", verbose_name=_("firm"))
    status = models.CharField(_("status"), max_length=20, choices=IncubationStatus.choices, default=IncubationStatus.INCUBATING)
    entered_on = models.DateField(_("entered on"))
    graduated_on = models.DateField(_("graduated on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_step", verbose_name=_("moved here from")
    )
    graduation = models.JSONField(_("graduation check"), default=dict, blank=True, editable=False)  # the criteria met, as checked
    is_synthetic = models.BooleanField(_("synthetic (demo)"), default=False)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-entered_on", "-pk"]
        constraints = [
            # a firm is incubated at one carrier at a time
            models.UniqueConstraint(fields=["firm"], condition=Q(status="incubating"), name="incubation_one_open_per_firm"),
            models.CheckConstraint(
                condition=Q(graduated_on__isnull=True) | Q(graduated_on__gte=models.F("entered_on")),
                name="incubation_graduated_after_entry",
            ),
        ]
        indexes = [models.Index(fields=["carrier", "status"], name="incubation_carrier_status")]
        verbose_name = _("incubation")
        verbose_name_plural = _("incubations")

    def __str__(self):
        return f"{self.firm} @ {self.carrier.platform}"

    @property
    def ended_on(self):
        return self.graduated_on or self.left_on

    @classmethod
    def scope_q(cls, scope, action):
        return incubation_q(scope, action)


class IncubationEvent(DomainEvent):
    """Append-only: entry, graduation, move along the chain, exit — with the reason and the check's outcome."""

    incubation = models.ForeignKey(Incubation, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    reason = models.CharField(_("reason"), max_length=2000, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["at", "id"]

    @classmethod
    def scope_q(cls, scope, action):
        return incubation_q(scope, action, "incubation__")
