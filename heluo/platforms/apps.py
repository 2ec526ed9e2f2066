from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformsConfig(AppConfig):
    name = "heluo.platforms"
    label = "platforms"
    verbose_name = _("Innovation platforms")

    def ready(self):
        from heluo.core.registry import NavEntry, add_nav

        add_nav(NavEntry("platforms", "web:platform_list", _("Platforms"), "bank", matches=("web:platform_",), order=40))
