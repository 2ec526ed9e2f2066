"""Bookings of an instrument by a firm: the slot [starts_at, ends_at), the workflow's state (data/workflows/
booking.json), the use recorded (hours, samples, fee) and each step as an append-only event.

No two active bookings of an instrument overlap: the service checks under a lock on the instrument's row, and on
PostgreSQL an exclusion constraint (migration 0002) makes it impossible whatever writes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.models import DomainEvent, Role
from heluo.core.permissions import CHANGE, NOTHING, VIEW, RestrictedManager

from .instruments import MONEY, Instrument, ServiceItem


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Used")


ACTIVE = (BookingStatus.REQUESTED, BookingStatus.APPROVED, BookingStatus.COMPLETED)  # these hold their slot


@audit.register
class Booking(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("instrument"))
    booker = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="instrument_bookings", verbose_name=_("booker"))
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    service = models.ForeignKey(ServiceItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("service"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    purpose = models.CharField(_("purpose"), max_length=500, blank=True)
    samples_planned = models.PositiveIntegerField(_("samples planned"), default=0)
    status = models.CharField(_("status"), max_length=12, choices=BookingStatus.choices, default=BookingStatus.REQUESTED)
    is_outside = models.BooleanField(_("outside user"), default=True)  # the booker is not the owner
    hours_used = models.DecimalField(_("hours used"), max_digits=8, decimal_places=2, null=True, blank=True)
    samples = models.PositiveIntegerField(_("samples"), null=True, blank=True)
    fee = models.DecimalField(_("fee (yuan)"), null=True, blank=True, **MONEY)
    created = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["instrument", "starts_at"], name="instruments_booking_slot")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="instruments_booking_ends_after_start"),
        ]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")

    def __str__(self):
        return f"{self.instrument.name} {self.starts_at:%Y-%m-%d %H:%M}"

    @classmethod
    def scope_q(cls, scope, action):
        """The booker's and the owner's; district staff read their areas' owners'; the public none (the public
        calendar shows slots without bookers: selectors.instruments.calendar)."""
        if scope.is_bureau:
            return None
        q = None
        if scope.role == Role.ORG_USER and scope.organization_id:
            q = Q(booker_id=scope.organization_id) | Q(instrument__owner_id=scope.organization_id)
        if action == VIEW and scope.role == Role.DISTRICT_STAFF:
            q = Q(instrument__owner__area_id__in=scope.area_ids)
        if q is None or action not in (VIEW, CHANGE):
            return NOTHING
        return q


class BookingEvent(DomainEvent):
    """Append-only: each step of a booking (its request too), who took it and why."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    transition = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12)
    reason = models.CharField(_("reason"), max_length=2000, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["at", "id"]

    @classmethod
    def scope_q(cls, scope, action):
        if action != VIEW:
            return NOTHING
        q = Booking.scope_q(scope, VIEW)
        return q if q is None or q is NOTHING else Q(booking__in=Booking.objects.filter(q))
