"""Stored evaluation runs: all enterprises of a year through one rule set, with the rule-set version.

Results reveal financial gaps, so they are scoped like EnterpriseAnnual: the bureau sees all, district
staff their areas, an organization user its own, nobody else. Runs (counts only) are the bureau's.
No new msgids here (labels are plain Chinese) so the committed translation catalogue stays complete.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q

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
    PASS = "pass", "符合"
    FAIL = "fail", "不符合"
    UNDETERMINED = "undetermined", "无法判定"


@audit.register
class EvaluationRun(models.Model):
    ruleset = models.CharField("规则集", max_length=60)
    ruleset_version = models.CharField("规则集版本", max_length=40)
    ruleset_hash = models.CharField("规则集摘要", max_length=64, help_text="SHA-256 of the rule set file and parameters")
    year = models.PositiveSmallIntegerField("评价年度")
    as_of = models.DateField("评价日期")
    created = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="创建人")
    total = models.PositiveIntegerField("企业数", default=0)
    passed = models.PositiveIntegerField("符合", default=0)
    failed = models.PositiveIntegerField("不符合", default=0)
    undetermined = models.PositiveIntegerField("无法判定", default=0)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["ruleset", "year", "created"])]
        verbose_name = "评价批次"
        verbose_name_plural = "评价批次"

    def __str__(self):
        return f"{self.ruleset} {self.ruleset_version} · {self.year} · #{self.pk}"

    @classmethod
    def scope_q(cls, scope, action):
        return None if scope.is_bureau else NOTHING

    def previous(self):
        """The run before this one of the same rule set and year (the diff's baseline)."""
        return EvaluationRun.objects.filter(ruleset=self.ruleset, year=self.year, pk__lt=self.pk).order_by("-pk").first()


class EvaluationResult(models.Model):
    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="results", verbose_name="评价批次")
    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="evaluation_results", verbose_name="企业")
    result = models.CharField("结果", max_length=12, choices=Outcome.choices)
    score = models.CharField("得分", max_length=30, blank=True)
    failed = models.CharField("未满足条件", max_length=500, blank=True, help_text="criterion codes joined by ;")
    detail = models.JSONField("明细", default=dict)

    objects = RestrictedManager()

    class Meta:
        ordering = ["run", "organization"]
        constraints = [models.UniqueConstraint(fields=["run", "organization"], name="evaluation_run_org")]
        verbose_name = "评价结果"
        verbose_name_plural = "评价结果"

    def __str__(self):
        return f"{self.organization_id} {self.result}"

    @property
    def failed_codes(self) -> list[str]:
        return self.failed.split(";") if self.failed else []

    @classmethod
    def scope_q(cls, scope, action):
        return enterprise_q(scope, action, prefix="organization__")
