"""Cultivation work: pool membership (培育库), service officers and the service log (一企一专班).

Scope: the bureau sees and changes everything; district staff see and change what concerns enterprises of
their areas (they recommend enterprises, assign officers and keep the log); an enterprise user sees its own
entries and its own service log, read-only; nobody else sees any of it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from heluo.core import audit
from heluo.core.models import Role
from heluo.core.permissions import DELETE, NOTHING, VIEW, RestrictedManager


def district_work_q(scope, action, prefix="organization__"):
    if scope.is_bureau:
        return None
    if scope.role == Role.DISTRICT_STAFF:
        return Q(**{f"{prefix}area_id__in": scope.area_ids}) if action != DELETE else NOTHING
    if scope.role == Role.ORG_USER and scope.organization_id and action == VIEW:
        return Q(**{f"{prefix}pk": scope.organization_id})
    return NOTHING


class PoolSource(models.TextChoices):
    EVALUATION = "evaluation", _("Evaluation result")
    RECOMMENDED = "recommended", _("Recommended")


@audit.register
class PoolEntry(models.Model):
    """An enterprise in a cultivation pool (``config/pools.json``) for a year.

    Entries from an evaluation are refreshed from the latest run of the pool's rule set; recommended
    entries are added by hand and kept until removed. ``removed_on`` keeps the history of who left."""

    pool = models.CharField(_("Cultivation pool"), max_length=40)
    year = models.PositiveSmallIntegerField(_("Year"))
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="pool_entries", verbose_name=_("Enterprise")
    )
    source = models.CharField(_("Source"), max_length=12, choices=PoolSource.choices)
    run = models.ForeignKey(
        "cultivation.EvaluationRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("Evaluation run")
    )
    distance = models.FloatField(
        _("Distance"), null=True, blank=True, help_text="sum of relative shortfalls of failed criteria; 0 = meets all"
    )
    rank = models.PositiveIntegerField(_("Rank"), null=True, blank=True)
    result = models.CharField(_("Evaluation result"), max_length=12, blank=True)
    score = models.CharField(_("Score"), max_length=30, blank=True)
    gaps = models.JSONField(_("Gaps in detail"), default=list, blank=True)
    note = models.CharField(_("Note"), max_length=300, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("Added by")
    )
    added_on = models.DateField(_("Entered the pool on"))
    removed_on = models.DateField(_("Left the pool on"), null=True, blank=True)
    removed_reason = models.CharField(_("Reason for removal"), max_length=200, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["pool", "year", "rank", "organization__name"]
        constraints = [models.UniqueConstraint(fields=["pool", "year", "organization"], name="pool_entry_unique")]
        indexes = [
            models.Index(fields=["pool", "year", "removed_on", "rank"], name="cultivation_pool_ranked"),  # a pool's page
            models.Index(fields=["year", "removed_on", "pool"], name="cultivation_pool_year_members"),  # the hub's counts
        ]
        verbose_name = _("Pool entry")
        verbose_name_plural = _("Pool entries")

    def __str__(self):
        return f"{self.pool} {self.year} {self.organization_id}"

    @classmethod
    def scope_q(cls, scope, action):
        return district_work_q(scope, action)


@audit.register
class ServiceAssignment(models.Model):
    """The officer who looks after an enterprise (服务专员); ``until`` empty = current."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="service_assignments", verbose_name=_("Enterprise")
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_assignments", verbose_name=_("Service officer")
    )
    since = models.DateField(_("Start date"))
    until = models.DateField(_("End date"), null=True, blank=True)
    note = models.CharField(_("Note"), max_length=300, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("Assigned by")
    )

    objects = RestrictedManager()

    class Meta:
        ordering = ["organization", "-since", "-pk"]
        constraints = [models.UniqueConstraint(fields=["organization"], condition=Q(until__isnull=True), name="one_current_officer")]
        verbose_name = _("Service officer assignment")
        verbose_name_plural = _("Service officer assignments")

    def __str__(self):
        return f"{self.organization_id} → {self.officer_id}"

    @classmethod
    def scope_q(cls, scope, action):
        return district_work_q(scope, action)


class ServiceRecordKind(models.TextChoices):
    VISIT = "visit", _("Visit")
    CALL = "call", _("Phone/online")
    MEETING = "meeting", _("Meeting/task-force meeting")
    TRAINING = "training", _("Policy training")
    OTHER = "other", _("Other")


class ServiceRecordStatus(models.TextChoices):
    OPEN = "open", _("Following up")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Unresolved/closed")


@audit.register
class ServiceRecord(models.Model):
    """One entry of an enterprise's service log: a visit, the problems raised, the help given, the outcome."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="service_records", verbose_name=_("Enterprise")
    )
    date = models.DateField(_("Date"))
    kind = models.CharField(
        pgettext_lazy("service record", "Form"), max_length=10, choices=ServiceRecordKind.choices, default=ServiceRecordKind.VISIT
    )
    problems = models.TextField(_("Problems raised by the enterprise"), blank=True)
    help_given = models.TextField(_("Help given"), blank=True)
    outcome = models.TextField(_("Result"), blank=True)
    status = models.CharField(_("Status"), max_length=10, choices=ServiceRecordStatus.choices, default=ServiceRecordStatus.OPEN)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("Recorded by")
    )
    created = models.DateTimeField(_("Recorded at"), auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("Service record")
        verbose_name_plural = _("Service records")

    def __str__(self):
        return f"{self.organization_id} {self.date} {self.kind}"

    @classmethod
    def scope_q(cls, scope, action):
        return district_work_q(scope, action)
