from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketConfig(AppConfig):
    """技术市场: achievements (科技成果), technology demands (技术需求) and their campaigns (需求征集), brokering (对接),
    technology contract registration (技术合同认定登记) and the industry technology maps (产业技术地图)."""

    name = "heluo.market"
    label = "market"
    verbose_name = _("Technology market")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from heluo.core.registry import HomeStat, NavEntry, add_home_stat, add_nav

        from .selectors import achievements
        from .services import achievements as _achievement_rules  # noqa: F401  (registers the workflow's action rule)

        # everyone, the public too: the published achievements are open
        add_nav(NavEntry("market", "market:home", _("Technology market"), "shop", matches=("market:",), order=75))
        add_home_stat(
            HomeStat(
                "market-achievements",
                "market:achievements",
                _("Published achievements"),
                lambda user: achievements.published_count(user) or None,  # shown once the library holds any
                icon="lightbulb",
                query=lambda user: "status=published",
                order=75,
            ),
            HomeStat(
                "market-achievements-to-review",
                "market:achievements",
                _("Achievements to review"),
                achievements.to_review_count,
                icon="clipboard-check",
                query=lambda user: "status=submitted&status=reviewed",
                public=False,
                task=True,
                order=76,
            ),
        )
