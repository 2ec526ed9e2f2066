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
        from heluo.core.registry import ReferenceLoader, SetupStep, add_reference_loader, add_setup_step

        from .selectors.chains import register_builtin_sources
        from .services import chains

        # 产业技术地图: each cluster's chain loads with the city's reference data (after its clusters), and a database
        # loaded before the chain files existed or changed gets them at its next start.
        add_reference_loader(ReferenceLoader("industry chains", chains.read_chains, chains.write_chains, order=50))
        add_setup_step(SetupStep("产业链 / industry chains", chains.ensure_chains, order=35))
        register_builtin_sources()
