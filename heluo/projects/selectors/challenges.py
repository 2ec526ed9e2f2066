"""Reads of 揭榜挂帅 / 赛马制 challenges, each from `restrict(user, VIEW)`; and the enterprises' demands a challenge is
compiled from, read as the public reads them (published, public demands only) through the market's selector."""

from __future__ import annotations

from heluo.core.permissions import VIEW
from heluo.market.selectors.demands import demand_list  # the public's view of the demands: the market stays its own app

from ..models import Award, Bid, Challenge, ChallengeEvent, Project


def challenge_list(user):
    return Challenge.objects.restrict(user, VIEW)


def challenge_get(user, pk) -> Challenge:
    return challenge_list(user).get(pk=pk)


def bid_list(user, challenge: Challenge | None = None):
    qs = Bid.objects.restrict(user, VIEW).select_related("challenge", "organization", "leader")
    return qs.filter(challenge=challenge) if challenge is not None else qs


def bid_get(user, pk) -> Bid:
    return bid_list(user).get(pk=pk)


def award_of(user, challenge: Challenge) -> Award | None:
    return Award.objects.restrict(user, VIEW).filter(challenge=challenge).prefetch_related("bids__organization").first()


def award_projects(user, challenge: Challenge) -> dict[int, Project]:
    """{bid id: project} of the awarded teams' projects the user may see (Project.scope_q: the bureau, the team's own)."""
    return {p.bid_id: p for p in Project.objects.restrict(user, VIEW).filter(bid__challenge=challenge).order_by("bid_id")}


def challenge_events(user, challenge: Challenge):
    return ChallengeEvent.objects.restrict(user, VIEW).filter(challenge=challenge).select_related("bid__organization")


def public_demands(ids) -> dict[int, str]:
    """{id: title} of the published, public demands among `ids` (what anyone may read of the market)."""
    return dict(demand_list(None).filter(pk__in=list(ids)).values_list("pk", "title"))


def public_demand_choices(limit: int = 500) -> list[tuple[int, str]]:
    """The latest published public demands, to compile a challenge from (a bounded list for a form)."""
    return list(demand_list(None).order_by("-pk").values_list("pk", "title")[:limit])
