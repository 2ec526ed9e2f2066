"""中试服务清单: what a pilot-scale base (中试基地) offers to firms."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.models import Role
from heluo.core.permissions import VIEW, RestrictedManager, published_or_own
from heluo.platforms.models import PlatformHost


@audit.register
class PilotService(models.Model):
    platform = models.ForeignKey(
        "platforms.Platform", on_delete=models.CASCADE, related_name="pilot_services", verbose_name=_("pilot base")
    )
    name = models.CharField(_("service"), max_length=200)
    description = models.TextField(_("what it does"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    capacity = models.CharField(_("capacity"), max_length=200, help_text=_("e.g. batches per month, line throughput"))
    price = models.CharField(_("price"), max_length=100, help_text=_("e.g. 2 万元/批次, or negotiable"))
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"))
    is_published = models.BooleanField(_("published"), default=True)
    updated = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["platform__name", "name"]
        constraints = [models.UniqueConstraint(fields=["platform", "name"], name="carriers_pilotservice_unique")]
        verbose_name = _("pilot service")
        verbose_name_plural = _("pilot services")

    def __str__(self):
        return f"{self.platform} · {self.name}"

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        published = Q(is_published=True, platform__is_published=True)
        if scope.role == Role.ORG_USER and scope.organization_id:
            hosted = Q(platform_id__in=PlatformHost.objects.filter(organization_id=scope.organization_id).values("platform_id"))
            return published | hosted if action == VIEW else hosted  # a base's host keeps its own list, deleting too
        if scope.role == Role.DISTRICT_STAFF:
            return published_or_own(action, published, Q(platform__area_id__in=scope.area_ids), own_may_change=False)
        return published_or_own(action, published)
