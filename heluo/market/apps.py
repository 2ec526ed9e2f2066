from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketConfig(AppConfig):
    """技术市场: achievements (科技成果), technology demands (技术需求) and their campaigns (需求征集), brokering (对接),
    technology contract registration (技术合同认定登记) and the industry technology maps (产业技术地图)."""

    name = "heluo.market"
    label = "market"
    verbose_name = _("Technology market")
    default_auto_field = "django.db.models.BigAutoField"
