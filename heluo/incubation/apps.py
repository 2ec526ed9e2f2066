from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncubationConfig(AppConfig):
    """孵化链条与创业导师: the chain of carriers (众创空间 → 孵化器 → 加速器 → 产业园) with the firms they incubate, their
    graduation checked against the criteria as data and what became of them; the mentor pool matched to the firms,
    the sessions both sides log, and the 导师县区行、园区行 events."""

    name = "heluo.incubation"
    label = "incubation"
    verbose_name = _("Incubation and mentors")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from heluo.core.models import Role
        from heluo.core.registry import HomeStat, NavEntry, add_home_stat, add_nav

        from .selectors import chain
        from .services import incubations as _rules  # noqa: F401  (registers the workflow's action rule)

        add_nav(NavEntry("incubation", "incubation:chain", _("Incubation"), "diagram-3", matches=("incubation:",), order=80))
        add_nav(NavEntry("incubation-sessions", "incubation:sessions", _("My mentoring"), "people", roles=(Role.EXPERT,), order=81))
        add_home_stat(
            HomeStat(
                "incubation-firms",
                "incubation:chain",
                _("Firms in incubation"),
                chain.incubating_count,
                icon="diagram-3",
                public=False,
                order=80,
            )
        )
