"""Risk flags for review: explained, kept, and cleared only with a reason (never deleted)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.permissions import NOTHING, RestrictedManager


class RiskKind(models.TextChoices):
    RELATED_PARTY = "related_party", _("Enterprise and provider related")
    SPLIT_CONTRACT = "split_contract", _("Contract split to stay under a cap")
    RECURRING_PAIR = "recurring_pair", _("The same enterprise and provider again")
    EVIDENCE_REUSED = "evidence_reused", _("Redemption evidence reused")
    JUST_UNDER = "just_under", _("Amount just under a threshold")


class RiskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLEARED = "cleared", _("Cleared")


@audit.register
class RiskFlag(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=RiskKind.choices)
    key = models.CharField(_("key"), max_length=200, unique=True, help_text=_("what the flag is about; a re-scan finds the same key"))
    programme = models.ForeignKey("vouchers.Programme", null=True, blank=True, on_delete=models.PROTECT, related_name="risk_flags")
    voucher = models.ForeignKey("vouchers.Voucher", null=True, blank=True, on_delete=models.PROTECT, related_name="risk_flags")
    redemption = models.ForeignKey("vouchers.Redemption", null=True, blank=True, on_delete=models.PROTECT, related_name="risk_flags")
    provider = models.ForeignKey("vouchers.Provider", null=True, blank=True, on_delete=models.PROTECT, related_name="risk_flags")
    enterprise = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="voucher_risk_flags")
    explanation_zh = models.TextField(_("explanation (Chinese)"))
    explanation_en = models.TextField(_("explanation (English)"))
    details = models.JSONField(_("details"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    created = models.DateTimeField(_("raised at"), default=timezone.now)
    cleared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    clear_reason = models.CharField(_("reason for clearing"), max_length=500, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["status", "-created", "-id"]
        indexes = [models.Index(fields=["status", "kind"])]
        verbose_name = _("risk flag")
        verbose_name_plural = _("risk flags")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.key}"

    @classmethod
    def scope_q(cls, scope, action):
        return None if scope.is_bureau else NOTHING  # flags are the bureau's review tool
