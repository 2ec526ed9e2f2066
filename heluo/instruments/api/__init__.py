"""大型科研仪器开放共享 / shared large instruments API, mounted at /api/v1/ with the other domains': instruments and
their service items and calendars, bookings and their steps, the sharing statistics and the owners' annual
evaluation (存量补贴). Owners' lists are imported through the common import page (/imports/, kind
``instruments``) or ``heluo import_data``."""

from ninja import Router

from . import bookings, instruments, statistics

router = Router()
router.add_router("", instruments.router)
router.add_router("", bookings.router)
router.add_router("", statistics.router)
