"""技术市场 / technology market API, mounted at /api/v1/ with the other domains' (heluo.api.router): each part's
module has its own router, added here."""

from ninja import Router

from . import achievements, brokering, chains, contracts, demands, matching

router = Router()
router.add_router("", achievements.router)
router.add_router("", demands.router)
router.add_router("", contracts.router)
router.add_router("", chains.router)
router.add_router("", matching.router)
router.add_router("", brokering.router)
