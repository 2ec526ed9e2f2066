"""Suggestions (issue 12, matching): ``GET /market/demands/{id}/suggestions?kind=achievements|experts`` with the
filters ``field``, ``cluster``, ``area`` (codes), ``trl_min``, ``trl_max`` and ``limit`` (1–100). Scoped like the
pages: the demand must be one the caller may see (else 404), and only records the caller may see are suggested
(the public gets no experts). Each item explains itself: the shared terms, their spans in the record's fields
(field, start, end: character offsets into the field as published) and the filters it matched."""

from typing import Literal

from ninja import Field, Query, Router, Schema

from heluo.api.auth import OPEN, caller
from heluo.api.common import READ, by_code
from heluo.api.schemas import Invalid
from heluo.geo.models import Area
from heluo.taxonomy.models import Cluster, HitechField

from ..models.achievements import TRL_MAX, TRL_MIN
from ..selectors import demands as demand_selectors
from ..selectors import matching

router = Router(tags=["technology market matching"])


class SuggestionQuery(Schema):
    kind: Literal["achievements", "experts"] = "achievements"
    field: str | None = Field(None, max_length=8, description="high-tech field code")
    cluster: str | None = Field(None, max_length=40, description="cluster code")
    area: str | None = Field(None, max_length=30, description="area code")
    trl_min: int | None = Field(None, ge=TRL_MIN, le=TRL_MAX)
    trl_max: int | None = Field(None, ge=TRL_MIN, le=TRL_MAX)
    limit: int = Field(10, ge=1, le=100)


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


@router.get("/market/demands/{int:id}/suggestions", response={200: list[SuggestionOut], 422: Invalid, **READ}, **OPEN)
def demand_suggestions(request, id: int, q: Query[SuggestionQuery]):
    user = caller(request)
    demand = demand_selectors.demand_get(user, id)
    filters = matching.filters_for(
        field=by_code(HitechField, q.field, "hitech_field"),
        cluster=by_code(Cluster, q.cluster, "cluster"),
        area=by_code(Area, q.area, "area"),
        trl_min=q.trl_min,
        trl_max=q.trl_max,
    )
    return [
        {
            "id": s.id,
            "label": s.label,
            "score": s.match.score,
            "terms": list(s.match.terms),
            "spans": [{"field": x.field, "start": x.start, "end": x.end} for x in s.match.spans],
            "filters": {k: list(v) for k, v in s.match.filters.items()},
        }
        for s in matching.suggest(user, q.kind, matching.demand_query(demand), filters, q.limit)
    ]
