"""人才 / talent programmes API, mounted at /api/v1/ with the other domains' (heluo.api.router): programme rounds,
applications, reviews, awards with payments and service checks, the talent database and cards, card uses, providers,
enterprises' needs, the talent map and shortage catalogue, and a person's own record."""

from ninja import Router

from . import cards, rounds

router = Router()
router.add_router("", rounds.router)
router.add_router("", cards.router)
