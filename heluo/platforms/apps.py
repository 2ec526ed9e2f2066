from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformsConfig(AppConfig):
    name = "heluo.platforms"
    label = "platforms"
    verbose_name = _("Innovation platforms")

    def ready(self):
        from heluo.core.registry import HomeStat, NavEntry, add_home_stat, add_nav
        from heluo.web.views.generic import add_detail_context

        from . import selectors, views

        add_nav(NavEntry("platforms", "web:platform_list", _("Platforms"), "bank", matches=("web:platform_",), order=40))
        add_home_stat(HomeStat("platforms", "web:platform_list", _("Innovation platforms"), selectors.platform_count, "bank", order=20))
        views.register_related_counts()
        add_detail_context("orgs.organization", "platforms", views.organization_platforms)
