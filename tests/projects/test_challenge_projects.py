"""What comes of an award: each awarded bid becomes a project (揭榜挂帅 one, 赛马制 two), in contracting until the
challenge's deadline, run through the same services as a funded application's (contract, milestones, payments,
acceptance); at a race's checkpoint the stopped team's project is terminated through the project workflow, the other
goes on. The bureau and the bid's organization see the project, on its page, in the list and through the API; another
organization does not."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from heluo.core.i18n import Refusal
from heluo.people.models import Expert
from heluo.projects.models import Award, Bid, BidStatus, Milestone, Project, ProjectEvent
from heluo.projects.selectors import projects as selectors
from heluo.projects.services import challenges as challenge_services
from heluo.projects.services import projects as services
from tests.helpers import Api, login

from .review_world import expert, org
from .test_challenges import DEADLINE, bidder, compile_, demand
from .test_funded_projects import contract

pytestmark = pytest.mark.django_db
CHECKPOINT = dt.date(2027, 6, 30)


def awarded(world, mode="single", deadline=DEADLINE):
    """A challenge closed, its bids (乙企业's, and 甲区高新企业's in a race) shortlisted and awarded."""
    staff = world.users.staff
    kw = {"checkpoint_on": CHECKPOINT} if mode == "race" else {}
    c = compile_(world, [demand(world.ent_a, "高端轴承寿命")], mode=mode, **kw)
    if deadline != DEADLINE:
        type(c).objects.filter(pk=c.pk).update(deadline=deadline)
    challenge_services.challenge_status(staff, c, "published")
    teams = [(world.ent_b, "1000000")] + ([(world.ent_a2, "900000")] if mode == "race" else [])
    users, bids = [], []
    for n, (organization, amount) in enumerate(teams, 1):
        user, leader = bidder(world, n, organization)
        users.append(user)
        bids.append(challenge_services.bid(user, c, leader=leader, plan=f"方案{n}", requested=amount))
    loser = challenge_services.bid(world.users.org_a, c, leader=world.person_a, plan="方案甲", requested="800000")
    challenge_services.challenge_status(staff, c, "closed")
    for b in (*bids, loser):
        challenge_services.review_bid(staff, b, "shortlisted", "可行")
    return SimpleNamespace(c=c, bids=bids, users=users, loser=loser, award=lambda: challenge_services.award(staff, c, bids, "综合最优"))


def test_a_single_award_makes_one_project_in_contracting(world):
    w = awarded(world)
    w.award()
    b = Bid.objects.select_related("leader").get(pk=w.bids[0].pk)
    p = Project.objects.get()
    assert (p.bid, p.application, p.programme, p.status) == (b, None, "challenge", "contracting")
    assert p.number == f"JB-{w.c.pk}-{b.pk}" and p.title == w.c.title
    assert (p.applicant, p.pi, p.funding) == (world.ent_b, b.leader, Decimal("1000000"))
    assert (p.starts_on, p.ends_on) == (timezone.localdate(), DEADLINE) and p.lump_sum  # 揭榜挂帅: 包干制 (programmes.json)
    event = ProjectEvent.objects.get(project=p)
    assert event.action == "create" and event.detail == {"challenge": w.c.pk, "bid": b.pk}
    assert services.create_project_for_bid(world.users.staff, b) == p  # made once
    assert selectors.budget_form(p).code == "standard-project" and selectors.race_checkpoint(p) is None


def test_an_award_past_the_deadline_is_refused_and_changes_nothing(world):
    w = awarded(world, deadline=timezone.localdate())
    with pytest.raises(Refusal) as e:
        w.award()
    assert e.value.reason_code == "award_deadline" and e.value.zh and e.value.en
    assert not Award.objects.exists() and not Project.objects.exists()
    assert Bid.objects.get(pk=w.bids[0].pk).status == BidStatus.SHORTLISTED


def test_a_race_makes_two_projects_and_the_checkpoint_terminates_the_stopped_one(world):
    w = awarded(world, "race")
    w.award()
    stopped, kept = (Project.objects.get(bid=b) for b in w.bids)
    assert (stopped.applicant, kept.applicant) == (world.ent_b, world.ent_a2) and kept.funding == Decimal("900000")
    assert selectors.race_checkpoint(kept) == CHECKPOINT
    # the contract has a milestone due by the checkpoint
    late = contract(kept)
    late["milestones"] = [{**m, "due_on": (CHECKPOINT + dt.timedelta(days=1)).isoformat()} for m in late["milestones"][:1]]
    late["milestones"][0]["title"] = "样机"
    with pytest.raises(Refusal) as e:
        services.contract_save(w.users[1], kept, **late)
    assert e.value.reason_code == "race_checkpoint" and "2027-06-30" in e.value.zh
    ok = contract(kept, [{"year": kept.starts_on.year, "amount": "900000"}])
    ok["milestones"][0]["due_on"] = CHECKPOINT.isoformat()
    services.contract_save(w.users[1], kept, **ok)
    services.contract_sign(w.users[1], kept)
    services.contract_sign(world.users.staff, kept)
    services.project_transition(world.users.staff, kept, "start")
    challenge_services.checkpoint(world.users.staff, w.c, w.bids[1], "节点指标领先", on=CHECKPOINT)
    stopped.refresh_from_db(), kept.refresh_from_db()
    assert (stopped.status, kept.status) == ("terminated", "running")
    end = ProjectEvent.objects.get(project=stopped, action="terminate")
    assert (end.from_status, end.to_status) == ("contracting", "terminated") and "节点指标领先" in end.reason
    assert not ProjectEvent.objects.filter(project=kept, action="terminate").exists()
    with pytest.raises(Refusal):  # a terminated project is paid no more
        services.pay(world.users.staff, stopped, "1", "2027-07-01", "x")


def test_a_bid_project_runs_through_the_project_services(world):
    w = awarded(world)
    w.award()
    p, team, staff = Project.objects.get(), w.users[0], world.users.staff
    with pytest.raises(PermissionDenied):
        services.contract_save(world.users.org_a, p, **contract(p))  # another organization
    # the budget's categories come from the programme's form when there is no application
    Project.objects.filter(pk=p.pk).update(lump_sum=False)
    p.refresh_from_db()
    y = p.starts_on.year
    with pytest.raises(Refusal) as e:
        services.contract_save(team, p, **contract(p, [{"year": y, "category": "nonsense", "amount": "1000000"}]))
    assert e.value.reason_code == "budget_category"
    services.contract_save(team, p, **contract(p, [{"year": y, "category": "equipment", "amount": "1000000"}]))
    Project.objects.filter(pk=p.pk).update(lump_sum=True)
    services.contract_sign(team, p)
    services.contract_sign(staff, p)
    services.project_transition(staff, p, "start")
    first = Milestone.objects.filter(project=p).order_by("due_on").first()
    services.pay(staff, p, "300000", "2026-12-01", "首笔")
    services.milestone_submit(team, first, "样机照片")
    services.milestone_decide(staff, first, True)
    services.pay(staff, p, "300000", "2027-06-01", "M1", milestone=first)
    services.report_submit(team, p, "2027", "完成样机。")
    services.project_transition(team, p, "request_acceptance")
    panel = [expert(i, org(i, f"大学{i}"), "轴承") for i in range(1, 4)]
    conflicted = Expert.objects.get(person=world.expert_person)  # 王专家 works for the team's organization
    with pytest.raises(Refusal) as e:
        services.acceptance_open(staff, p, [*(x.pk for x, _ in panel), conflicted.pk], "2028-10-10")
    assert e.value.reason_code == "panel_conflict" and "王专家" in e.value.zh
    acc = services.acceptance_open(staff, p, [x.pk for x, _ in panel], "2028-10-10")
    for _, user in panel:
        services.acceptance_opinion(user, acc, "达标", "pass")
    services.acceptance_close(staff, acc, "pass", "通过验收")
    p = services.project_transition(staff, p, "accept")
    assert p.status == "accepted" and p.paid == Decimal("600000")


def test_who_sees_a_bid_project(world, client, token_for):
    w = awarded(world)
    w.award()
    p = Project.objects.get()
    assert selectors.project_list(world.users.staff).get() == p and selectors.project_list(w.users[0]).get() == p
    assert not selectors.project_list(world.users.org_a).exists() and not selectors.project_list(None).exists()
    team = Api(client, token_for(w.users[0]))
    body = team.get(f"projects/funded/{p.pk}").json()["project"]
    assert (body["application_id"], body["bid_id"], body["challenge_id"], body["programme"]) == (None, w.bids[0].pk, w.c.pk, "challenge")
    assert [x["id"] for x in team.get("projects/funded").json()["items"]] == [p.pk]
    assert Api(client, token_for(world.users.org_a)).get(f"projects/funded/{p.pk}").status_code == 404
    assert Api(client, token_for(world.users.staff)).get("projects/funded").json()["count"] == 1
    for user in (world.users.staff, w.users[0]):
        web = login(Client(), user)
        page = web.get(f"/projects/funded/{p.pk}/").content.decode()
        assert f"/projects/challenges/{w.c.pk}/" in page and p.number in page
        assert p.title in web.get("/projects/funded/").content.decode()
        assert f"/projects/funded/{p.pk}/" in web.get(f"/projects/challenges/{w.c.pk}/").content.decode()
    other = login(Client(), world.users.org_a)
    assert other.get(f"/projects/funded/{p.pk}/").status_code == 404
    assert p.number not in other.get("/projects/funded/").content.decode()
    assert f"/projects/funded/{p.pk}/" not in other.get(f"/projects/challenges/{w.c.pk}/").content.decode()
    assert f"/projects/funded/{p.pk}/" not in Client().get(f"/projects/challenges/{w.c.pk}/").content.decode()
