from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CarriersConfig(AppConfig):
    """创新平台载体: annual evaluation of the platforms by kind (有进有出: reward, warning, revocation), the key
    clusters' coverage by pilot bases and industry research institutes, and the pilot bases' service list."""

    name = "heluo.carriers"
    label = "carriers"
    verbose_name = _("Innovation carriers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from heluo.core.models import Role
        from heluo.core.registry import HomeStat, NavEntry, add_home_stat, add_nav

        from .selectors import evaluation

        # everyone: the published grades and the pilot service list are public
        add_nav(NavEntry("carriers", "carriers:rounds", _("Platform evaluation"), "award", matches=("carriers:",), order=80))
        add_nav(
            NavEntry("carriers-marks", "carriers:my_marks", _("My platform reviews"), "clipboard-check", roles=(Role.EXPERT,), order=81)
        )
        add_home_stat(
            HomeStat(
                "carriers-to-report",
                "carriers:rounds",
                _("Platform figures to report"),
                evaluation.to_report_count,
                icon="award",
                public=False,
                task=True,
                order=80,
            ),
        )
