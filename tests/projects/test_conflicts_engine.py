"""Conflicts of interest (pure): every kind explained with its evidence, the N-year window, the whole-call batch
agreeing with a naive pair-by-pair check, and its speed on a call of the issue's size."""

import datetime as dt
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heluo.projects.engine import conflicts as c
from heluo.projects.engine.rules import review_rules

ON = dt.date(2026, 6, 1)
YEARS = review_rules().coauthor_years


def proposal(pid="P1", call="C1", org="O1", pi="alice", members=(), partners=(), avoid=()):
    return c.Proposal(pid, call, org, pi, tuple(members), tuple(partners), tuple(avoid))


def kinds(found):
    return sorted(x.kind for x in found)


def test_no_conflict_between_strangers():
    assert c.conflicts(c.Expert("E1", "zed", "O9"), proposal(), [], ON, YEARS) == []


def test_same_employer_and_partner():
    p = proposal(partners=("O2", "O2"))
    assert kinds(c.conflicts(c.Expert("E1", "zed", "O1"), p, [], ON, YEARS)) == ["same_employer"]
    found = c.conflicts(c.Expert("E2", "zed", "O2"), p, [], ON, YEARS)
    assert kinds(found) == ["partner_employer"] and found[0].evidence == ("organization:O2",)
    assert "合作单位" in found[0].zh and "partner" in found[0].en


def test_own_proposal_and_competing_proposal_in_the_same_call():
    mine = proposal("P1", members=("zed",))
    other = proposal("P2", org="O3", pi="bob")
    elsewhere = proposal("P3", call="C2", org="O3", pi="bob")
    e = c.Expert("E1", "zed", "O9")
    assert kinds(c.conflicts(e, mine, [], ON, YEARS, [other])) == ["own_proposal"]
    found = c.conflicts(e, other, [], ON, YEARS, [mine, elsewhere])
    assert kinds(found) == ["applicant_in_call"] and found[0].evidence == ("proposal:P1",)
    assert "同一指南" in found[0].zh
    assert c.conflicts(e, elsewhere, [], ON, YEARS, [mine]) == []  # another call


def test_shared_teams_count_within_the_window_only():
    p = proposal(members=("bob",))
    e = c.Expert("E1", "zed", "O9")
    since = c.years_before(ON, YEARS)
    recent = c.TeamRecord("achievement", "A1", since, frozenset({"zed", "bob", "carol"}), "轴承寿命")
    old = c.TeamRecord("project", "R0", since - dt.timedelta(days=1), frozenset({"zed", "alice"}))
    future = c.TeamRecord("project", "R9", ON + dt.timedelta(days=1), frozenset({"zed", "alice"}))
    found = c.conflicts(e, p, [recent, old, future], ON, YEARS)
    assert kinds(found) == ["co_author"]
    assert found[0].evidence == ("achievement:A1", "person:bob") and "轴承寿命" in found[0].zh and f"{YEARS}" in found[0].en
    project = c.TeamRecord("project", "R1", ON, frozenset({"zed", "alice"}))
    assert kinds(c.conflicts(e, p, [project], ON, YEARS)) == ["co_applicant"]
    assert c.conflicts(e, p, [old], ON, YEARS + 1) != []  # N is a parameter


def test_declared_by_the_expert_and_requested_by_the_applicant():
    p = proposal(members=("bob",), partners=("O2",), avoid=("E3",))
    for kind, subject in (("person", "bob"), ("organization", "O2"), ("proposal", "P1"), ("person", "alice")):
        e = c.Expert("E1", "zed", "O9", (c.Declaration(kind, subject, "师生关系"),))
        found = c.conflicts(e, p, [], ON, YEARS)
        assert kinds(found) == ["declared_by_expert"] and "师生关系" in found[0].zh
    assert c.conflicts(c.Expert("E1", "zed", "O9", (c.Declaration("person", "dan"),)), p, [], ON, YEARS) == []
    found = c.conflicts(c.Expert("E3", "yan", "O9"), p, [], ON, YEARS)
    assert kinds(found) == ["requested_by_applicant"] and "回避" in found[0].zh


def test_several_kinds_at_once_and_the_pairs_for_the_assignment():
    p = proposal(avoid=("E1",))
    e = c.Expert("E1", "alice", "O1", (c.Declaration("organization", "O1"),))
    found = c.call_conflicts([p], [e, c.Expert("E2", "zed", "O9")], [], ON, YEARS)
    assert kinds(found["P1", "E1"]) == ["declared_by_expert", "own_proposal", "requested_by_applicant", "same_employer"]
    assert all(x.zh and x.en and x.evidence for x in found["P1", "E1"])
    assert c.conflict_pairs(found) == [("P1", "E1")]


def test_years_before_a_leap_day_and_no_negative_window():
    assert c.years_before(dt.date(2028, 2, 29), 3) == dt.date(2025, 2, 28)
    with pytest.raises(c.RuleError):
        c.call_conflicts([], [], [], ON, -1)


def naive(p, e, proposals, records, on, years):
    """The definition, pair by pair."""
    since = c.years_before(on, years)
    if e.employer_id in (p.organization_id, *p.partner_ids) or e.person_id in p.people or e.id in p.avoid_expert_ids:
        return True
    if any(e.person_id in q.people for q in proposals if q.call_id == p.call_id):
        return True
    if any(since <= r.on <= on and e.person_id in r.person_ids and set(p.people) & (r.person_ids - {e.person_id}) for r in records):
        return True
    subjects = {("proposal", p.id), ("organization", p.organization_id)} | {("organization", o) for o in p.partner_ids}
    subjects |= {("person", x) for x in p.people}
    return any((d.subject_kind, d.subject_id) in subjects for d in e.declarations)


people = st.sampled_from([f"u{i}" for i in range(8)])
orgs = st.sampled_from([f"O{i}" for i in range(4)])


@st.composite
def worlds(draw):
    ps = [
        c.Proposal(
            f"P{i}",
            draw(st.sampled_from(["C1", "C2"])),
            draw(orgs),
            draw(people),
            tuple(draw(st.lists(people, max_size=2))),
            tuple(draw(st.lists(orgs, max_size=2))),
            tuple(draw(st.lists(st.sampled_from(["E0", "E1", "E2", "E9"]), max_size=1))),
        )
        for i in range(draw(st.integers(1, 5)))
    ]
    decl = st.builds(c.Declaration, st.sampled_from(["person", "organization", "proposal"]), st.sampled_from(["u1", "O1", "P0"]))
    es = [
        c.Expert(f"E{i}", draw(people), draw(st.none() | orgs), tuple(draw(st.lists(decl, max_size=1))))
        for i in range(draw(st.integers(1, 4)))
    ]
    rs = [
        c.TeamRecord(
            draw(st.sampled_from(["project", "achievement"])),
            f"R{i}",
            ON - dt.timedelta(days=draw(st.integers(-5, 2000))),
            frozenset(draw(st.lists(people, min_size=1, max_size=3))),
        )
        for i in range(draw(st.integers(0, 4)))
    ]
    return ps, es, rs


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_the_batch_finds_exactly_the_pairs_of_the_definition(world):
    ps, es, rs = world
    found = c.call_conflicts(ps, es, rs, ON, YEARS)
    expected = sorted((p.id, e.id) for p in ps for e in es if naive(p, e, ps, rs, ON, YEARS))
    assert c.conflict_pairs(found) == expected
    for p in ps:
        for e in es:
            assert bool(c.conflicts(e, p, rs, ON, YEARS, ps)) == ((p.id, e.id) in found)


@pytest.mark.slow
def test_a_call_of_the_issues_size_in_a_few_seconds():
    """A heavy case: ≈730 of the team places are experts', so ≈1.5 million pairs conflict (≈3 s here, 2 shared cores)."""
    rng = random.Random(13)
    n_people, n_orgs = 30_000, 600
    ps = [
        c.Proposal(
            f"P{i}",
            "C1",
            f"O{rng.randrange(n_orgs)}",
            f"u{rng.randrange(n_people)}",
            tuple(f"u{rng.randrange(n_people)}" for _ in range(5)),
            tuple(f"O{rng.randrange(n_orgs)}" for _ in range(2)),
            (f"E{rng.randrange(1400)}",),
        )
        for i in range(2_600)
    ]
    es = [
        c.Expert(
            f"E{i}", f"u{rng.randrange(n_people)}", f"O{rng.randrange(n_orgs)}", (c.Declaration("person", f"u{rng.randrange(n_people)}"),)
        )
        for i in range(1_400)
    ]
    rs = [
        c.TeamRecord(
            "project" if i % 2 else "achievement",
            f"R{i}",
            ON - dt.timedelta(days=rng.randrange(3_000)),
            frozenset(f"u{rng.randrange(n_people)}" for _ in range(6)),
        )
        for i in range(40_000)
    ]
    pairs = c.conflict_pairs(c.call_conflicts(ps, es, rs, ON, YEARS))  # its time is bench/assign.py's to measure
    assert len(pairs) > 1_000_000
