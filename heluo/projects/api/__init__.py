"""科技项目 / science projects API, mounted at /api/v1/ with the other domains' (heluo.api.router): each part's module
has its own router, added here."""

from ninja import Router

from . import review

router = Router()
router.add_router("", review.router)
