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

from heluo.core import audit
from heluo.core.models import Role
from heluo.core.permissions import NOTHING, VIEW, RestrictedManager

MONEY = dict(max_digits=18, decimal_places=2)


def _bureau_only(scope, action):
    return None if scope.is_bureau else NOTHING


@audit.register
class BenefitPolicy(models.Model):
    code = models.SlugField("代码", max_length=60, unique=True)
    name = models.CharField("政策名称", max_length=200)
    name_en = models.CharField("英文名称", max_length=200, blank=True)
    ruleset = models.CharField("适用规则集", max_length=60, help_text="the enterprises that pass it qualify")
    amount_fixed = models.DecimalField("固定金额（元）", null=True, blank=True, **MONEY)
    amount_rate = models.DecimalField("按比例", max_digits=7, decimal_places=4, null=True, blank=True,
                                      help_text="share of amount_input, e.g. 0.1000")
    amount_input = models.CharField("比例基数", max_length=40, blank=True, help_text="an annual input, e.g. rd_expense@-1")
    amount_cap = models.DecimalField("单户上限（元）", null=True, blank=True, **MONEY)
    exclude_holding = models.CharField("已持有资质者除外", max_length=20, blank=True,
                                       help_text="a qualification kind; holders valid on the list date are left out")
    cite = models.CharField("政策依据", max_length=300)
    tag = models.CharField("可信度", max_length=2, default="NF", help_text="C S M NF as in policy-rules.md")
    is_example = models.BooleanField("示例配置", default=True)
    active = models.BooleanField("启用", default=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["code"]
        verbose_name = "免申即享政策"
        verbose_name_plural = "免申即享政策"

    def __str__(self):
        return self.name

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        return Q(active=True) if action == VIEW and scope.role is not None else NOTHING


class BenefitListStatus(models.TextChoices):
    DRAFT = "draft", "待确认"
    CONFIRMED = "confirmed", "已确认"
    PUBLISHED = "published", "已发布"
    WITHDRAWN = "withdrawn", "已撤回"


@audit.register
class BenefitList(models.Model):
    policy = models.ForeignKey(BenefitPolicy, on_delete=models.PROTECT, related_name="lists", verbose_name="政策")
    year = models.PositiveSmallIntegerField("年度")
    run = models.ForeignKey("cultivation.EvaluationRun", on_delete=models.PROTECT, related_name="+", verbose_name="评价批次")
    status = models.CharField("状态", max_length=10, choices=BenefitListStatus.choices, default=BenefitListStatus.DRAFT)
    total_amount = models.DecimalField("合计金额（元）", default=Decimal("0"), **MONEY)
    count = models.PositiveIntegerField("企业数", default=0)
    created = models.DateTimeField("生成时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="生成人")
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="确认人")
    published_at = models.DateTimeField("发布时间", null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-year", "-created", "-pk"]
        verbose_name = "免申即享名单"
        verbose_name_plural = "免申即享名单"

    def __str__(self):
        return f"{self.policy} {self.year} #{self.pk}"

    @classmethod
    def scope_q(cls, scope, action):
        return _bureau_only(scope, action)


class BenefitGrant(models.Model):
    benefit_list = models.ForeignKey(BenefitList, on_delete=models.CASCADE, related_name="grants", verbose_name="名单")
    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="benefit_grants", verbose_name="企业")
    amount = models.DecimalField("金额（元）", **MONEY)
    basis = models.JSONField("计算依据", default=dict)

    objects = RestrictedManager()

    class Meta:
        ordering = ["benefit_list", "organization__name"]
        constraints = [models.UniqueConstraint(fields=["benefit_list", "organization"], name="benefit_grant_unique")]
        verbose_name = "免申即享兑现"
        verbose_name_plural = "免申即享兑现"

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

    bank = models.CharField("合作银行", max_length=100)
    year = models.PositiveSmallIntegerField("积分年度")
    config = models.CharField("积分指标体系", max_length=80)
    criteria = models.JSONField("筛选条件", default=dict)
    rows = models.JSONField("名单", default=list)
    count = models.PositiveIntegerField("企业数", default=0)
    sha256 = models.CharField("文件摘要", max_length=64)
    sent_at = models.DateTimeField("发送时间", auto_now_add=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="发送人")

    objects = RestrictedManager()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = "积分贷推送记录"
        verbose_name_plural = "积分贷推送记录"

    def __str__(self):
        return f"{self.bank} {self.year} ({self.count})"

    @classmethod
    def scope_q(cls, scope, action):
        return _bureau_only(scope, action)
