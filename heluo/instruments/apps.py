from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstrumentsConfig(AppConfig):
    """大型科研仪器开放共享: the registry of instruments imported from their owners' lists, bookings by firms (never
    overlapping), approval and recorded use, sharing statistics and the owners' annual evaluation (存量补贴)."""

    name = "heluo.instruments"
    label = "instruments"
    verbose_name = _("Shared instruments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from heluo.core.registry import HomeStat, NavEntry, add_home_stat, add_nav

        from .selectors import instruments as selectors

        add_nav(NavEntry("instruments", "instruments:list", _("Shared instruments"), "eyedropper", matches=("instruments:",), order=80))
        add_home_stat(
            HomeStat("instruments", "instruments:list", _("Shared instruments"), selectors.published_count, icon="eyedropper", order=80),
            HomeStat(
                "instrument-bookings-to-approve",
                "instruments:queue",
                _("Instrument bookings to approve"),
                selectors.queue_count,
                icon="calendar-check",
                public=False,
                task=True,
                order=80,
            ),
        )
