from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalentConfig(AppConfig):
    """人才: the 河洛英才计划 rounds (applications through the employers, eligibility, expert review, awards, support
    paid, years of service), the 河洛英才卡 and its services, the talent map and the shortage catalogue."""

    name = "heluo.talent"
    label = "talent"
    verbose_name = _("Talent programmes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from heluo.core.registry import HomeStat, NavEntry, add_home_stat, add_nav

        from .selectors import rounds

        add_nav(NavEntry("talent", "talent:rounds", _("Talent programmes"), "person-badge", matches=("talent:",), order=80))
        add_home_stat(
            HomeStat(
                "talent-open-rounds", "talent:rounds", _("Open talent programme rounds"), rounds.open_count, icon="person-badge", order=80
            )
        )
