"""科研诚信 (research integrity) records: a finding and its sanction against a person or an organization, for a period
and a scope (applications, expert duties, both). A record in force debars its subject everywhere on the platform
(engine.integrity decides; the services of applications, reviews and inspections ask it)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.models import Role
from heluo.core.permissions import NOTHING, VIEW, RestrictedManager, Scope


class IntegrityScope(models.TextChoices):
    APPLICATIONS = "applications", _("Applying for and holding projects")
    EXPERT_DUTIES = "expert_duties", _("Serving as an expert")
    BOTH = "both", _("Both")


@audit.register
class IntegrityRecord(models.Model):
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    organization = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    finding = models.CharField(_("finding"), max_length=500)
    sanction = models.CharField(_("sanction"), max_length=300)
    scope = models.CharField(_("barred from"), max_length=20, choices=IntegrityScope.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"), null=True, blank=True, help_text=_("Empty: until lifted."))
    source = models.CharField(_("source"), max_length=300, help_text=_("The decision's document number or notice."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, organization__isnull=True) | Q(person__isnull=True, organization__isnull=False),
                name="projects_integrity_one_subject",
            ),
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="projects_integrity_period"),
        ]
        verbose_name = _("integrity record")
        verbose_name_plural = _("integrity records")

    def __str__(self):
        return f"{self.person or self.organization}: {self.sanction}"

    @classmethod
    def scope_q(cls, scope: Scope, action):
        """The bureau keeps them; a district reads its area's; a subject reads its own."""
        if scope.is_bureau:
            return None
        if action != VIEW:
            return NOTHING
        if scope.role == Role.DISTRICT_STAFF:
            return Q(organization__area_id__in=scope.area_ids) | Q(person__employer__area_id__in=scope.area_ids)
        if scope.role == Role.ORG_USER and scope.organization_id:
            return Q(organization_id=scope.organization_id)
        if scope.role == Role.EXPERT and scope.person_id:
            return Q(person_id=scope.person_id)
        return NOTHING
