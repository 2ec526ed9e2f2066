"""Shared large instruments' records (each module imported here so that Django finds its models)."""

from .bookings import ACTIVE, Booking, BookingEvent, BookingStatus  # noqa: F401
from .evaluations import SharingEvaluation  # noqa: F401
from .instruments import Instrument, InstrumentStatus, ServiceItem, ServiceUnit  # noqa: F401
