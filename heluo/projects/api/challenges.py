"""揭榜挂帅 / 赛马制 challenges (关键核心技术攻关清单). The bureau compiles an entry from enterprises' published public
demands, publishes and closes it, reviews bids (shortlisted / rejected, with the reason) and awards one bid (single) or
exactly two (race), then decides the race's checkpoint. An organization bids while a challenge is published and reads
its own bids. Published, closed and awarded challenges and their awards are public."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Router, Schema
from ninja.responses import Status

from heluo.api.auth import OPEN, caller, writer
from heluo.api.common import READ, WRITE, paged, visible
from heluo.api.schemas import OrgRef, PersonRef
from heluo.people.models import Person

from ..models import BidStatus, ChallengeMode, ChallengeStatus
from ..selectors import challenges as selectors
from ..services import challenges as services
from ..services.calls import BUDGET_MAX, bureau_only

router = Router(tags=["science projects: challenges"])
MONEY = dict(gt=0, le=BUDGET_MAX, max_digits=14, decimal_places=2)
ID = dict(ge=1, le=2**31 - 1)


class ChallengeOut(Schema):
    id: int
    title: str
    problem: str
    indicators: str
    budget: Decimal
    deadline: dt.date
    demand_ids: list[int]
    demand_titles: list[str]
    mode: ChallengeMode
    checkpoint_on: dt.date | None
    status: ChallengeStatus


class ChallengeIn(Schema):
    demand_ids: list[int] = Field(..., min_length=1, max_length=services.DEMANDS_MAX)
    title: str = Field(..., min_length=1, max_length=200)
    problem: str = Field(..., min_length=1, max_length=5000)
    indicators: str = Field(..., min_length=1, max_length=5000)
    budget: Decimal = Field(..., **MONEY)
    deadline: dt.date
    mode: ChallengeMode = ChallengeMode.SINGLE
    checkpoint_on: dt.date | None = None


class BidOut(Schema):
    id: int
    challenge_id: int
    organization: OrgRef
    leader: PersonRef
    plan: str
    requested: Decimal
    status: BidStatus
    reason: str


class BidIn(Schema):
    leader: int = Field(..., **ID)
    plan: str = Field(..., min_length=1, max_length=10000)
    requested: Decimal = Field(..., **MONEY)


class ReviewIn(Schema):
    status: Literal["shortlisted", "rejected"]
    reason: str = Field(..., min_length=1, max_length=2000)


class AwardIn(Schema):
    bids: list[int] = Field(..., min_length=1, max_length=2)
    reason: str = Field(..., min_length=1, max_length=2000)


class CheckpointIn(Schema):
    keep: int = Field(..., **ID)
    reason: str = Field(..., min_length=1, max_length=2000)


class AwardOut(Schema):
    challenge_id: int
    bids: list[int]
    reason: str
    decided_at: dt.datetime
    continued_id: int | None
    checkpoint_reason: str

    @staticmethod
    def resolve_bids(obj):
        return [b.pk for b in obj.bids.all()]


@router.get("/projects/challenges", response=list[ChallengeOut], **OPEN)
@paged
def list_challenges(request):
    return selectors.challenge_list(caller(request))


@router.get("/projects/challenges/{int:id}", response={200: ChallengeOut, **READ}, **OPEN)
def get_challenge(request, id: int):
    return selectors.challenge_get(caller(request), id)


@router.get("/projects/challenges/{int:id}/award", response={200: AwardOut, **READ}, **OPEN)
def get_award(request, id: int):
    user = caller(request)
    award = selectors.award_of(user, selectors.challenge_get(user, id))
    if award is None:
        return Status(404, {"detail": "尚未授榜 / not awarded yet"})
    return award


@router.post("/projects/challenges", response={201: ChallengeOut, **WRITE})
def create_challenge(request, payload: ChallengeIn):
    user = writer(request)
    bureau_only(user)
    data = payload.model_dump()
    return Status(201, services.compile_challenge(user, data.pop("demand_ids"), **data))


@router.post("/projects/challenges/{int:id}/publish", response={200: ChallengeOut, **WRITE})
def publish_challenge(request, id: int):
    user = writer(request)
    bureau_only(user)
    return services.challenge_status(user, selectors.challenge_get(user, id), ChallengeStatus.PUBLISHED)


@router.post("/projects/challenges/{int:id}/close", response={200: ChallengeOut, **WRITE})
def close_challenge(request, id: int):
    user = writer(request)
    bureau_only(user)
    return services.challenge_status(user, selectors.challenge_get(user, id), ChallengeStatus.CLOSED)


@router.get("/projects/bids", response=list[BidOut])
@paged
def list_bids(request):
    return selectors.bid_list(caller(request))


@router.post("/projects/challenges/{int:id}/bids", response={201: BidOut, **WRITE})
def create_bid(request, id: int, payload: BidIn):
    user = writer(request)
    challenge = selectors.challenge_get(user, id)
    leader = visible(Person, user, payload.leader, "leader")
    return Status(201, services.bid(user, challenge, leader=leader, plan=payload.plan, requested=payload.requested))


@router.post("/projects/bids/{int:id}/review", response={200: BidOut, **WRITE})
def review_bid(request, id: int, payload: ReviewIn):
    user = writer(request)
    bureau_only(user)
    return services.review_bid(user, selectors.bid_get(user, id), payload.status, payload.reason)


@router.post("/projects/challenges/{int:id}/award", response={200: AwardOut, **WRITE})
def award(request, id: int, payload: AwardIn):
    user = writer(request)
    bureau_only(user)
    challenge = selectors.challenge_get(user, id)
    return services.award(user, challenge, [selectors.bid_get(user, pk) for pk in payload.bids], payload.reason)


@router.post("/projects/challenges/{int:id}/checkpoint", response={200: AwardOut, **WRITE})
def checkpoint(request, id: int, payload: CheckpointIn):
    user = writer(request)
    bureau_only(user)
    challenge = selectors.challenge_get(user, id)
    return services.checkpoint(user, challenge, selectors.bid_get(user, payload.keep), payload.reason)
