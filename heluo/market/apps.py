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
        from heluo.core.models import STAFF_ROLES, Role
        from heluo.core.registry import (
            HomeStat,
            NavEntry,
            ReferenceLoader,
            SetupStep,
            Warmup,
            add_home_stat,
            add_nav,
            add_reference_loader,
            add_setup_step,
            add_warmup,
        )

        from .selectors import achievements
        from .selectors.brokering import matched_demands_q
        from .selectors.contracts import awaiting_review
        from .selectors.demands import add_matched_parties
        from .services import achievements as _achievement_rules  # noqa: F401  (registers the workflow's action rule)
        from .services import brokering as _brokering_rules  # noqa: F401  (the same, for brokering)

        add_matched_parties(matched_demands_q)  # a brokering's parties see a "matched parties only" demand

        # everyone, the public too: the published achievements are open
        add_nav(NavEntry("market", "market:home", _("Technology market"), "shop", matches=("market:",), order=75))
        add_nav(
            NavEntry(
                "tech_contracts",
                "market:contract_list",
                _("Technology contracts"),
                "file-earmark-check",
                roles=STAFF_ROLES + (Role.ORG_USER,),
                matches=("market:contract",),
                order=76,
            )
        )
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
            HomeStat(
                "tech_contracts_to_review",
                "market:contract_list",
                _("Technology contracts awaiting review"),
                awaiting_review,
                "file-earmark-check",
                query=lambda user: "state=submitted",
                public=False,
                task=True,
                order=75,
            ),
        )
        from .selectors.chain_sources import register_market_sources
        from .selectors.chains import register_builtin_sources
        from .services import chains

        # 产业技术地图: each cluster's chain loads with the city's reference data (after its clusters), and a database
        # loaded before the chain files existed or changed gets them at its next start.
        add_reference_loader(ReferenceLoader("industry chains", chains.read_chains, chains.write_chains, order=50))
        add_setup_step(SetupStep("产业链 / industry chains", chains.ensure_chains, order=35))
        register_builtin_sources()
        from .selectors import matching

        # the suggestion indexes, built when a server process starts rather than on its first demand page
        add_warmup(Warmup("market suggestions", matching.warm, order=50))
        register_market_sources()  # achievements and demands on the chains' links
        register_plan_computations()


def register_plan_computations():
    """技术合同成交额 computed from the registrations, in the plan's registry of computations (the plan does not
    import the market: the market registers what it can compute)."""
    from urllib.parse import urlencode

    from django.urls import reverse

    from heluo.plan.selectors.computations import register_computation

    from .models import TechnologyContract
    from .selectors import contracts as selectors

    def records_url(indicator, year=None, area=None):
        query = [("state", "registered")] + ([("year", year)] if year else []) + ([("area", area.pk)] if area is not None else [])
        return reverse("market:contract_list") + "?" + urlencode(query)

    register_computation(
        "tech_contract_amount",
        "认定登记的技术合同成交额（口径见 market/data/contract-registration.json）",
        "value of registered technology contracts (definition in market/data/contract-registration.json)",
        selectors.indicator_amount,
        by_area=selectors.indicator_by_area,
        tables=(TechnologyContract,),
        records_url=records_url,
    )
