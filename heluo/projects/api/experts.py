"""专家库 / the expert pool, the bureau's only (403 to anyone else): ``GET /projects/experts`` — the review round's
pool with each expert's fields, industries, employer, open load and history counts (filters ``field``, ``industry``,
``employer``, ``q`` as on the page; the debarred are left out: ``debarred=true`` lists them instead, with the reason and
the last day), and ``GET /projects/experts/{id}`` — one expert of the registry with its review history per call and
its performance in finished rounds. Token only."""

import datetime as dt

from ninja import Field, Query, Router, Schema

from heluo.api.auth import caller
from heluo.api.common import READ, paged
from heluo.api.schemas import Message

from ..selectors import experts as selectors
from ..services.calls import bureau_only

router = Router(tags=["project review"])


class PoolCountsOut(Schema):
    assignments: int
    submitted: int
    declined: int
    open: int
    conflicts: int
    panels: int


class PoolExpertOut(Schema):
    id: int
    name: str
    employer: str | None
    fields: list[str]  # 高新技术领域 codes
    industries: list[str]  # GB/T 4754 codes
    specialty: str
    active: bool
    debarred: str
    debarred_until: dt.date | None
    counts: PoolCountsOut


class PoolCallOut(Schema):
    call: int
    code: str
    title: str
    applications: int
    submitted: int
    declined: int
    finished: bool
    on_time: bool | None
    flagged: bool | None
    deviation: float | None


class PoolExpertDetailOut(PoolExpertOut):
    calls: list[PoolCallOut]
    judged_sheets: int
    flagged_sheets: int
    flagged_share: float | None
    mean_deviation: float | None


class PoolFilters(Schema):
    field: int | None = Field(None, ge=1, le=2**31 - 1)
    industry: int | None = Field(None, ge=1, le=2**31 - 1)
    employer: str = Field("", max_length=100)
    q: str = Field("", max_length=100)
    debarred: bool = False


def _expert(r: selectors.Row) -> dict:
    e = r.expert
    return {
        "id": e.pk,
        "name": e.person.name,
        "employer": e.person.employer.name if e.person.employer else None,
        "fields": [f.code for f in e.hitech_fields.all()],
        "industries": [i.code for i in e.industries.all()],
        "specialty": e.specialty,
        "active": e.active,
        "debarred": r.debarred,
        "debarred_until": r.until,
        "counts": r.counts.__dict__,
    }


@router.get("/projects/experts", response={200: list[PoolExpertOut], 403: Message})
@paged
def expert_list(request, filters: Query[PoolFilters]):
    data = {k: v for k, v in filters.model_dump(exclude={"debarred"}).items() if v not in (None, "")}
    user = caller(request)
    bureau_only(user)
    pool = selectors.pool(user, data)
    return [_expert(r) for r in (pool.debarred if filters.debarred else pool.rows)]


@router.get("/projects/experts/{int:id}", response={200: PoolExpertDetailOut, 403: Message, **READ})
def expert_detail(request, id: int):
    user = caller(request)
    bureau_only(user)
    row = selectors.expert_row(user, id)
    perf = selectors.history(user, row.expert)
    calls = [{**c.__dict__, "call": c.call_id} for c in perf.calls]
    return {
        **_expert(row),
        "calls": calls,
        "judged_sheets": perf.judged_sheets,
        "flagged_sheets": perf.flagged_sheets,
        "flagged_share": perf.flagged_share,
        "mean_deviation": perf.mean_deviation,
    }
