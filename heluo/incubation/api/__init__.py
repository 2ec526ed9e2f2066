"""孵化链条与创业导师 / incubation and mentors API, mounted at /api/v1/ with the other domains' (heluo.api.router)."""

from ninja import Router

from . import chain, mentors

router = Router()
router.add_router("", chain.router)
router.add_router("", mentors.router)
