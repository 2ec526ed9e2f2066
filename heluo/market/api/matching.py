"""Suggestions (issue 12, matching): ``GET /market/demands/{id}/suggestions?kind=achievements|experts`` with the
filters ``field``, ``cluster``, ``area`` (codes), ``trl_min``, ``trl_max`` and ``limit`` (1–100). Scoped like the
pages: the demand must be one the caller may see (else 404), and only records the caller may see are suggested
(the public gets no experts). ``GET /market/achievements/{id}/suggestions`` (kind ``enterprises``, the same
filters) suggests enterprises likely to need a published achievement, to staff and the achievement's own
organization only (403 for others: enterprises are not public). Each item explains itself: the shared terms, their spans in the record's fields
(field, start, end: character offsets into the field as published) and the filters it matched."""

from typing import Literal

from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from heluo.api.auth import OPEN, caller
from heluo.api.common import READ, by_code
from heluo.api.schemas import Invalid, Message
from heluo.geo.models import Area
from heluo.taxonomy.models import Cluster, HitechField

from ..models import AchievementStatus
from ..models.achievements import TRL_MAX, TRL_MIN
from ..selectors import achievements as achievement_selectors
from ..selectors import demands as demand_selectors
from ..selectors import matching

router = Router(tags=["technology market matching"])


class Filters(Schema):
    field: str | None = Field(None, max_length=8, description="high-tech field code")
    cluster: str | None = Field(None, max_length=40, description="cluster code")
    area: str | None = Field(None, max_length=30, description="area code")
    trl_min: int | None = Field(None, ge=TRL_MIN, le=TRL_MAX)
    trl_max: int | None = Field(None, ge=TRL_MIN, le=TRL_MAX)
    limit: int = Field(10, ge=1, le=100)


class DemandSuggestionQuery(Filters):
    kind: Literal["achievements", "experts"] = "achievements"


class AchievementSuggestionQuery(Filters):
    kind: Literal["enterprises"] = "enterprises"


class SpanOut(Schema):
    field: str
    start: int
    end: int


class SuggestionOut(Schema):
    id: int
    label: str
    score: float
    terms: list[str]
    spans: list[SpanOut]
    filters: dict[str, list[str]]


def _filters(q: Filters) -> dict:
    return matching.filters_for(
        field=by_code(HitechField, q.field, "hitech_field"),
        cluster=by_code(Cluster, q.cluster, "cluster"),
        area=by_code(Area, q.area, "area"),
        trl_min=q.trl_min,
        trl_max=q.trl_max,
    )


def _out(suggestions) -> list[dict]:
    return [
        {
            "id": s.id,
            "label": s.label,
            "score": s.match.score,
            "terms": list(s.match.terms),
            "spans": [{"field": x.field, "start": x.start, "end": x.end} for x in s.match.spans],
            "filters": {k: list(v) for k, v in s.match.filters.items()},
        }
        for s in suggestions
    ]


@router.get("/market/demands/{int:id}/suggestions", response={200: list[SuggestionOut], 422: Invalid, **READ}, **OPEN)
def demand_suggestions(request, id: int, q: Query[DemandSuggestionQuery]):
    user = caller(request)
    demand = demand_selectors.demand_get(user, id)
    return _out(matching.suggest(user, q.kind, matching.demand_query(demand), _filters(q), q.limit))


@router.get("/market/achievements/{int:id}/suggestions", response={200: list[SuggestionOut], 403: Message, 422: Invalid, **READ}, **OPEN)
def achievement_suggestions(request, id: int, q: Query[AchievementSuggestionQuery]):
    user = caller(request)
    achievement = achievement_selectors.achievement_get(user, id)
    if achievement.status != AchievementStatus.PUBLISHED or not matching.may_see_enterprises(user, achievement):
        return Status(403, {"detail": "仅科技局、区县与成果所属单位可见 / Only staff and the achievement's own organization see these"})
    return _out(matching.suggest(user, q.kind, matching.achievement_query(achievement), _filters(q), q.limit))
