"""Cross-city recognition (互认互通): partner cities, the replay guard of their signed calls, and the
redemptions our providers make of partner cities' vouchers.

A partner's voucher redeemed at one of our providers is recorded here (``PartnerRedemption``); our voucher
redeemed at a partner's provider is recorded on our side as a ``Redemption`` with channel "partner". Each
side keeps its own record; the settlement statement between two cities is computed from both.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.permissions import NOTHING, RestrictedManager

MONEY = dict(max_digits=14, decimal_places=2)


class RedemptionModel(models.TextChoices):
    """The two cross-region models (policy-rules.md §5.2); which one an agreement uses is the bureaus' call."""

    TONGDUI = "tongdui", _("Provider redeems (enterprise applies, provider redeems)")
    TONGYONG = "tongyong", _("Enterprise is reimbursed (enterprise applies, enterprise redeems)")


@audit.register
class PartnerCity(models.Model):
    """A city whose platform recognises our vouchers and whose vouchers we recognise."""

    code = models.CharField(
        _("code"), max_length=20, unique=True, help_text=_("the partner's identifier in signed calls, e.g. its area code")
    )
    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        "geo.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("area"),
        help_text=_("the partner city as an authority of its providers"),
    )
    base_url = models.URLField(_("platform address"), help_text=_("where the partner's platform answers, e.g. https://kj.example.gov.cn"))
    shared_secret = models.CharField(_("shared secret"), max_length=200, help_text=_("HMAC-SHA256 key agreed with the partner"))
    settlement_terms = models.TextField(_("settlement terms"), blank=True)
    settlement_period_days = models.PositiveSmallIntegerField(_("settlement period (days)"), default=90)
    active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(default=timezone.now)
    redemption_model = models.CharField(
        _("cross-city model"),
        max_length=10,
        choices=RedemptionModel.choices,
        default=RedemptionModel.TONGDUI,
        help_text=_("Whether the partner's providers redeem our vouchers, or the enterprise pays and is reimbursed at home"),
    )
    our_code = models.CharField(
        _("our code at the partner"),
        max_length=20,
        blank=True,
        help_text=_("how the partner's platform identifies us in signed calls (default: our city's area code)"),
    )

    objects = RestrictedManager()
    audit_masked_fields = ("shared_secret",)  # the change log never holds the whole key

    class Meta:
        ordering = ["code"]
        verbose_name = _("partner city")
        verbose_name_plural = _("partner cities")

    def __str__(self):
        return self.name

    @classmethod
    def scope_q(cls, scope, action):
        return None if scope.is_bureau else NOTHING


class PartnerNonce(models.Model):
    """Each signed call carries a nonce; a nonce seen before (within the clock window) is a replay."""

    partner = models.ForeignKey(PartnerCity, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=100)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "nonce"], name="partner_nonce_once")]


class PartnerRedemptionStatus(models.TextChoices):
    LOCKED = "locked", _("Locked for a contract")
    SUBMITTED = "submitted", _("Redemption submitted")
    REDEEMED = "redeemed", _("Redeemed")
    REJECTED = "rejected", _("Rejected")
    RELEASED = "released", _("Released")


@audit.register
class PartnerRedemption(models.Model):
    """Our provider's use of a partner city's voucher, as our side records it."""

    partner = models.ForeignKey(PartnerCity, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("partner city"))
    provider = models.ForeignKey(
        "vouchers.Provider", on_delete=models.PROTECT, related_name="partner_redemptions", verbose_name=_("provider")
    )
    voucher_number = models.CharField(_("voucher number"), max_length=80)
    enterprise_name = models.CharField(_("enterprise"), max_length=200, blank=True)
    enterprise_uscc = models.CharField(
        _("enterprise's unified social credit code"),
        max_length=18,
        blank=True,
        help_text=_("the voucher holder's code, which the partner checks with the number"),
    )
    face_value = models.DecimalField(_("face value"), null=True, blank=True, **MONEY)
    contract_no = models.CharField(_("contract number"), max_length=80, blank=True)
    contract_value = models.DecimalField(_("contract value"), null=True, blank=True, **MONEY)
    invoice_no = models.CharField(_("invoice number"), max_length=60, blank=True)
    amount = models.DecimalField(_("amount claimed"), null=True, blank=True, **MONEY)
    accepted_amount = models.DecimalField(_("amount accepted"), null=True, blank=True, **MONEY)
    status = models.CharField(_("status"), max_length=12, choices=PartnerRedemptionStatus.choices, default=PartnerRedemptionStatus.LOCKED)
    partner_reference = models.CharField(
        _("partner reference"), max_length=100, blank=True, help_text=_("the partner's id of the lock or redemption")
    )
    last_response = models.JSONField(_("last answer"), default=dict, blank=True)
    redeemed_at = models.DateTimeField(
        _("redeemed at"), null=True, blank=True, help_text=_("when the partner's bureau accepted the redemption")
    )
    settled_amount = models.DecimalField(
        _("settled"), default=Decimal("0.00"), help_text=_("paid by the partner city, as it last told us"), **MONEY
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "voucher_number"],
                condition=~models.Q(status__in=["rejected", "released"]),
                name="partner_voucher_one_live_use",
            )
        ]
        verbose_name = _("partner voucher redemption")
        verbose_name_plural = _("partner voucher redemptions")

    @classmethod
    def scope_q(cls, scope, action):
        from heluo.core.models import Role

        if scope.is_bureau:
            return None
        if scope.role == Role.ORG_USER and scope.organization_id:
            return models.Q(provider__organization_id=scope.organization_id)
        return NOTHING
