from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformsConfig(AppConfig):
    name = "heluo.platforms"
    label = "platforms"
    verbose_name = _("Innovation platforms")
