"""创新平台载体 / innovation carriers API, mounted at /api/v1/ with the other domains' (heluo.api.router): the
evaluation schemes, rounds, evaluations (figures, experts, marks), the published results and reward lists, the
clusters' coverage and the pilot service list."""

from ninja import Router

from . import evaluation, pilot

router = Router()
router.add_router("", evaluation.router)
router.add_router("", pilot.router)
