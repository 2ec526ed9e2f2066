"""Stored evaluation runs: all enterprises of a year through one rule set, with the rule-set version.

Results reveal financial gaps, so they are scoped like EnterpriseAnnual: the bureau sees all, district
staff their areas, an organization user its own, nobody else. Runs (counts only) are the bureau's.
Labels are English msgids, translated in the zh_Hans catalogue.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.models import Role
from heluo.core.permissions import NOTHING, VIEW, RestrictedManager


def enterprise_q(scope, action=VIEW, prefix=""):
    """Which organizations' evaluations a scope may see (None = all); read-only for everyone but the bureau."""
    if scope.is_bureau:
        return None
    if action != VIEW:
        return NOTHING
    if scope.role == Role.DISTRICT_STAFF:
        return Q(**{f"{prefix}area_id__in": scope.area_ids})
    if scope.role == Role.ORG_USER and scope.organization_id:
        return Q(**{f"{prefix}pk": scope.organization_id})
    return NOTHING


class Outcome(models.TextChoices):
    PASS = "pass", _("Qualifies")
    FAIL = "fail", _("Does not qualify")
    UNDETERMINED = "undetermined", _("Undetermined")


@audit.register
class EvaluationRun(models.Model):
    ruleset = models.CharField(_("Rule set"), max_length=60)
    ruleset_version = models.CharField(_("Rule set version"), max_length=40)
    ruleset_hash = models.CharField(_("Rule set digest"), max_length=64, help_text="SHA-256 of the rule set file and parameters")
    year = models.PositiveSmallIntegerField(_("Evaluation year"))
    as_of = models.DateField(_("Evaluation date"))
    created = models.DateTimeField(_("Created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("Created by")
    )
    total = models.PositiveIntegerField(_("Enterprises"), default=0)
    passed = models.PositiveIntegerField(_("Qualifying"), default=0)
    failed = models.PositiveIntegerField(_("Not qualifying"), default=0)
    undetermined = models.PositiveIntegerField(_("Undetermined"), default=0)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["ruleset", "year", "created"])]
        verbose_name = _("Evaluation run")
        verbose_name_plural = _("Evaluation runs")

    def __str__(self):
        return f"{self.ruleset} {self.ruleset_version} · {self.year} · #{self.pk}"

    @classmethod
    def scope_q(cls, scope, action):
        return None if scope.is_bureau else NOTHING

    def previous(self):
        """The run before this one of the same rule set and year (the diff's baseline)."""
        return EvaluationRun.objects.filter(ruleset=self.ruleset, year=self.year, pk__lt=self.pk).order_by("-pk").first()


class EvaluationResult(models.Model):
    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="results", verbose_name=_("Evaluation run"))
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="evaluation_results", verbose_name=_("Enterprise")
    )
    result = models.CharField(_("Result"), max_length=12, choices=Outcome.choices)
    score = models.CharField(_("Score"), max_length=30, blank=True)
    failed = models.CharField(_("Criteria not met"), max_length=500, blank=True, help_text="criterion codes joined by ;")
    detail = models.JSONField(_("Details"), default=dict)

    objects = RestrictedManager()

    class Meta:
        ordering = ["run", "organization"]
        constraints = [models.UniqueConstraint(fields=["run", "organization"], name="evaluation_run_org")]
        verbose_name = _("Evaluation result")
        verbose_name_plural = _("Evaluation results")

    def __str__(self):
        return f"{self.organization_id} {self.result}"

    @property
    def failed_codes(self) -> list[str]:
        return self.failed.split(";") if self.failed else []

    @classmethod
    def scope_q(cls, scope, action):
        return enterprise_q(scope, action, prefix="organization__")
