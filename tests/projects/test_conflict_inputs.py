"""The conflict engine's inputs from the records (selectors.conflict_inputs): a project's proposal is its
application's as the project stands now, a bid's project has its leader and organization and no other member, and
an acceptance panel for a bid's project (no application) is checked like any other."""

import pytest

from heluo.projects.models import ConflictDeclaration, Participant, Project
from heluo.projects.selectors import conflict_inputs
from heluo.projects.selectors import projects as project_selectors

from .review_world import expert, make_round
from .test_inspections import bid_project, under_way

pytestmark = pytest.mark.django_db


def test_a_projects_proposal_is_its_applications_as_it_stands(world):
    rnd = make_round(world)
    app = rnd.apps[0]
    Participant.objects.create(application=app, kind="member", person=world.person_b)
    Participant.objects.create(application=app, kind="partner", organization=rnd.unis[1])
    named = rnd.experts[2].person  # a 回避 request names a person; the bureau's side matches it to the pool
    ConflictDeclaration.objects.create(
        kind="applicant", named_person=named.name, named_employer=named.employer.name, application=app, reason="竞争关系"
    )
    p = under_way(app)
    [from_app] = conflict_inputs.application_proposals([app])
    [from_project] = conflict_inputs.project_proposals([p])
    assert from_project == from_app
    assert from_app.member_ids == (str(world.person_b.pk),) and from_app.partner_ids == (str(rnd.unis[1].pk),)
    assert from_app.avoid_expert_ids == (str(rnd.experts[2].pk),) and from_app.call_id == str(rnd.call.pk)
    Project.objects.filter(pk=p.pk).update(pi=world.person_b)  # an approved change of PI: the old PI is a member now
    p.refresh_from_db()
    [changed] = conflict_inputs.project_proposals([p], own_call=True)
    assert changed.pi_id == str(world.person_b.pk) and changed.member_ids == (str(world.person_a.pk),)
    assert changed.call_id == f"own-{app.pk}"


def test_a_bid_projects_proposal_and_its_acceptance_panel(world):
    rnd = make_round(world)
    p = bid_project(world, rnd.unis[0])
    [proposal] = conflict_inputs.project_proposals([p])
    assert proposal.id == f"bid-{p.bid_id}" and proposal.call_id == f"challenge-{p.bid.challenge_id}"
    assert (proposal.organization_id, proposal.pi_id) == (str(rnd.unis[0].pk), str(p.pi_id))
    assert proposal.member_ids == proposal.partner_ids == proposal.avoid_expert_ids == ()
    declared, _ = expert(40, rnd.unis[2], "轴承")
    ConflictDeclaration.objects.create(kind="expert", expert=declared, person=p.pi, reason="师生")
    found = project_selectors.panel_conflicts(p, [*rnd.experts, declared])
    same_org = {str(e.pk) for e in rnd.experts if e.person.employer_id == rnd.unis[0].pk}
    assert same_org and set(found) == same_org | {str(declared.pk)}
    assert {c.kind for c in found[str(declared.pk)]} == {"declared_by_expert"}


def test_an_achievements_team_on_record_makes_co_authors_a_conflict(world):
    """An expert and an applicant's PI named on the same published achievement within the years are co-authors: the
    review round keeps them apart and says which achievement; a name shared by two people elsewhere is read at the
    achievement's organization, and one that fits nobody is left out."""
    from django.utils import timezone

    from heluo.market.models import Achievement
    from heluo.people.models import Person
    from heluo.projects.selectors import review as review_selectors

    rnd = make_round(world)
    e, pi = rnd.experts[0], world.person_a
    Person.objects.create(name=pi.name, employer=rnd.unis[2])  # a namesake elsewhere: the achievement's org decides
    Achievement.objects.create(
        title="轴承寿命试验方法",
        abstract="x",
        trl=5,
        organization=world.ent_a,
        leader=pi.name,
        team=f"{e.person.name}、查无此人",
        status="published",
        published_at=timezone.now(),
    )
    [record] = conflict_inputs.achievement_teams(timezone.localdate().replace(year=2000))
    assert record.kind == "achievement" and record.person_ids == {str(pi.pk), str(e.person_id)}
    pool = review_selectors.pool()
    found = review_selectors.call_conflicts(rnd.call, pool.experts)
    conflict = found[(str(rnd.apps[0].pk), str(e.pk))]
    assert any(c.kind == "co_author" and "轴承寿命试验方法" in c.zh for c in conflict), conflict
    assert not found.get((str(rnd.apps[1].pk), str(e.pk)))  # 乙企业's application: no shared team
