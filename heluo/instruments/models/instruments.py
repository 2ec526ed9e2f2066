"""大型科研仪器: the registry of instruments (owner, value, category, model, location, status, open hours, operator)
and their service items with prices. Identified by (owner, asset number), the key an owner's list is imported on."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.models import Role
from heluo.core.permissions import CHANGE, NOTHING, VIEW, RestrictedManager

from ..engine import rules

MONEY = {"max_digits": 14, "decimal_places": 2}


class InstrumentStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("In service")
    MAINTENANCE = "maintenance", _("Under maintenance")
    RETIRED = "retired", _("Retired")


class ServiceUnit(models.TextChoices):
    HOUR = "hour", _("per hour")
    SAMPLE = "sample", _("per sample")


def category_choices():
    return [(code, zh) for code, zh, _en in rules.categories()]


@audit.register
class Instrument(models.Model):
    owner = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="instruments", verbose_name=_("owner"))
    asset_number = models.CharField(_("asset number"), max_length=60)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    category = models.CharField(_("category"), max_length=20, choices=category_choices)
    model_number = models.CharField(_("model"), max_length=120, blank=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True)
    value = models.DecimalField(_("original value (yuan)"), **MONEY)
    purchased_on = models.DateField(_("purchased on"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=InstrumentStatus.choices, default=InstrumentStatus.IN_SERVICE)
    open_weekdays = models.CharField(_("open weekdays"), max_length=7, default="12345", help_text=_("ISO weekdays, e.g. 12345."))
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    operator = models.CharField(_("operator"), max_length=100, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    is_published = models.BooleanField(_("published"), default=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["owner__name", "asset_number"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "asset_number"], name="instruments_asset_number_per_owner"),
            models.CheckConstraint(condition=Q(value__gte=0), name="instruments_value_not_negative"),
        ]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    def __str__(self):
        return f"{self.name}（{self.asset_number}）"

    @classmethod
    def scope_q(cls, scope, action):
        """Everyone sees the published instruments; the owner sees and manages its own; district staff read their
        areas' owners'; the bureau everything."""
        if scope.is_bureau:
            return None
        own = Q(owner_id=scope.organization_id) if scope.role == Role.ORG_USER and scope.organization_id else None
        if action == VIEW:
            q = Q(is_published=True)
            if own is not None:
                q |= own
            if scope.role == Role.DISTRICT_STAFF:
                q |= Q(owner__area_id__in=scope.area_ids)
            return q
        if action == CHANGE and own is not None:
            return own
        return NOTHING


@audit.register
class ServiceItem(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="services", verbose_name=_("instrument"))
    name = models.CharField(_("service"), max_length=120)
    unit = models.CharField(_("unit"), max_length=8, choices=ServiceUnit.choices, default=ServiceUnit.HOUR)
    price = models.DecimalField(_("price (yuan)"), **MONEY)

    objects = RestrictedManager()

    class Meta:
        ordering = ["instrument", "name"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "name"], name="instruments_service_name_once"),
            models.CheckConstraint(condition=Q(price__gte=0), name="instruments_price_not_negative"),
        ]
        verbose_name = _("service item")
        verbose_name_plural = _("service items")

    def __str__(self):
        return f"{self.name} {self.price}/{self.get_unit_display()}"

    @classmethod
    def scope_q(cls, scope, action):
        q = Instrument.scope_q(scope, action)
        return q if q is None or q is NOTHING else Q(instrument__in=Instrument.objects.filter(q))
