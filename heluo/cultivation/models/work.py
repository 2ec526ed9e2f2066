"""Cultivation work: pool membership (培育库), service officers and the service log (一企一专班).

Scope: the bureau sees and changes everything; district staff see and change what concerns enterprises of
their areas (they recommend enterprises, assign officers and keep the log); an enterprise user sees its own
entries and its own service log, read-only; nobody else sees any of it.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q

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
    EVALUATION = "evaluation", "评价结果"
    RECOMMENDED = "recommended", "推荐入库"


@audit.register
class PoolEntry(models.Model):
    """An enterprise in a cultivation pool (``config/pools.json``) for a year.

    Entries from an evaluation are refreshed from the latest run of the pool's rule set; recommended
    entries are added by hand and kept until removed. ``removed_on`` keeps the history of who left."""

    pool = models.CharField("培育库", max_length=40)
    year = models.PositiveSmallIntegerField("年度")
    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="pool_entries", verbose_name="企业")
    source = models.CharField("来源", max_length=12, choices=PoolSource.choices)
    run = models.ForeignKey("cultivation.EvaluationRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="评价批次")
    distance = models.FloatField("差距", null=True, blank=True, help_text="sum of relative shortfalls of failed criteria; 0 = meets all")
    rank = models.PositiveIntegerField("排名", null=True, blank=True)
    result = models.CharField("评价结果", max_length=12, blank=True)
    score = models.CharField("得分", max_length=30, blank=True)
    gaps = models.JSONField("差距明细", default=list, blank=True)
    note = models.CharField("备注", max_length=300, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="操作人")
    added_on = models.DateField("入库日期")
    removed_on = models.DateField("出库日期", null=True, blank=True)
    removed_reason = models.CharField("出库原因", max_length=200, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["pool", "year", "rank", "organization__name"]
        constraints = [models.UniqueConstraint(fields=["pool", "year", "organization"], name="pool_entry_unique")]
        indexes = [models.Index(fields=["pool", "year", "removed_on"])]
        verbose_name = "培育库企业"
        verbose_name_plural = "培育库企业"

    def __str__(self):
        return f"{self.pool} {self.year} {self.organization_id}"

    @classmethod
    def scope_q(cls, scope, action):
        return district_work_q(scope, action)


@audit.register
class ServiceAssignment(models.Model):
    """The officer who looks after an enterprise (服务专员); ``until`` empty = current."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="service_assignments", verbose_name="企业")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_assignments", verbose_name="服务专员")
    since = models.DateField("起始日期")
    until = models.DateField("结束日期", null=True, blank=True)
    note = models.CharField("备注", max_length=300, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="指派人")

    objects = RestrictedManager()

    class Meta:
        ordering = ["organization", "-since", "-pk"]
        constraints = [models.UniqueConstraint(fields=["organization"], condition=Q(until__isnull=True), name="one_current_officer")]
        verbose_name = "服务专员指派"
        verbose_name_plural = "服务专员指派"

    def __str__(self):
        return f"{self.organization_id} → {self.officer_id}"

    @classmethod
    def scope_q(cls, scope, action):
        return district_work_q(scope, action)


class ServiceRecordKind(models.TextChoices):
    VISIT = "visit", "走访"
    CALL = "call", "电话/线上"
    MEETING = "meeting", "座谈/专班会议"
    TRAINING = "training", "政策培训"
    OTHER = "other", "其他"


class ServiceRecordStatus(models.TextChoices):
    OPEN = "open", "跟进中"
    RESOLVED = "resolved", "已解决"
    CLOSED = "closed", "无法解决/已关闭"


@audit.register
class ServiceRecord(models.Model):
    """One entry of an enterprise's service log: a visit, the problems raised, the help given, the outcome."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="service_records", verbose_name="企业")
    date = models.DateField("日期")
    kind = models.CharField("方式", max_length=10, choices=ServiceRecordKind.choices, default=ServiceRecordKind.VISIT)
    problems = models.TextField("企业反映的问题", blank=True)
    help_given = models.TextField("提供的帮助", blank=True)
    outcome = models.TextField("结果", blank=True)
    status = models.CharField("状态", max_length=10, choices=ServiceRecordStatus.choices, default=ServiceRecordStatus.OPEN)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="记录人")
    created = models.DateTimeField("记录时间", auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = "服务记录"
        verbose_name_plural = "服务记录"

    def __str__(self):
        return f"{self.organization_id} {self.date} {self.kind}"

    @classmethod
    def scope_q(cls, scope, action):
        return district_work_q(scope, action)
