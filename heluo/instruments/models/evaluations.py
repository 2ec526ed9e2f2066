"""The owners' annual sharing evaluation (运行使用、开放共享、服务成效) from the year's bookings, scored by the scheme
file; a row with a subsidy is on that year's 存量补贴 list. Recomputed as a whole for a year (services.evaluations)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.models import Role
from heluo.core.permissions import NOTHING, VIEW, RestrictedManager

from .instruments import MONEY


@audit.register
class SharingEvaluation(models.Model):
    year = models.PositiveSmallIntegerField(_("year"))
    owner = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner"))
    scheme_version = models.CharField(_("scheme"), max_length=40)
    instruments = models.PositiveIntegerField(_("instruments"))
    value = models.DecimalField(_("original value (yuan)"), **MONEY)
    hours = models.DecimalField(_("hours used"), max_digits=12, decimal_places=2)
    outside_hours = models.DecimalField(_("outside users' hours"), max_digits=12, decimal_places=2)
    income = models.DecimalField(_("income (yuan)"), **MONEY)
    outside_income = models.DecimalField(_("outside income (yuan)"), **MONEY)
    values = models.JSONField(_("indicator values"), default=dict)
    scores = models.JSONField(_("indicator scores"), default=dict)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=12)
    subsidy = models.DecimalField(_("subsidy (yuan)"), **MONEY)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-year", "-score", "owner_id"]
        constraints = [models.UniqueConstraint(fields=["year", "owner"], name="instruments_evaluation_once_a_year")]
        verbose_name = _("sharing evaluation")
        verbose_name_plural = _("sharing evaluations")

    @classmethod
    def scope_q(cls, scope, action):
        """The bureau computes; an owner reads its own; district staff read their areas' owners'."""
        if scope.is_bureau:
            return None
        if action != VIEW:
            return NOTHING
        if scope.role == Role.DISTRICT_STAFF:
            return Q(owner__area_id__in=scope.area_ids)
        if scope.role == Role.ORG_USER and scope.organization_id:
            return Q(owner_id=scope.organization_id)
        return NOTHING
