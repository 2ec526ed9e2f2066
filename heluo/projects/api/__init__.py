"""科技项目 / science projects API, mounted at /api/v1/ with the other domains' (heluo.api.router): calls for
proposals, applications, integrity records, the review round and its expert pool, the funded projects, random inspections and 揭榜挂帅
challenges, each part's module with its own router."""

from ninja import Router

from . import applications, calls, challenges, experts, inspections, integrity, projects, review

router = Router()
router.add_router("", calls.router)
router.add_router("", applications.router)
router.add_router("", integrity.router)
router.add_router("", review.router)
router.add_router("", experts.router)
router.add_router("", projects.router)
router.add_router("", inspections.router)
router.add_router("", challenges.router)
