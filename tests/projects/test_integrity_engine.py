"""Research integrity (pure): a debarment holds for its period and its scope, for a person or an organization,
explained with its source; records are checked."""

import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heluo.projects.engine import integrity as ig
from heluo.projects.engine.rules import RuleError

RECORD = ig.IntegrityRecord(
    "IR-1",
    "person",
    "alice",
    "数据造假",
    "取消项目申报资格三年",
    dt.date(2025, 1, 1),
    dt.date(2027, 12, 31),
    "applications",
    "市科技局 洛科〔2025〕1号",
)


def test_a_debarment_holds_within_its_period_only():
    assert ig.debarment([RECORD], "person", "alice", "apply", dt.date(2025, 1, 1)).debarred
    assert ig.debarment([RECORD], "person", "alice", "apply", dt.date(2027, 12, 31)).debarred
    assert not ig.debarment([RECORD], "person", "alice", "apply", dt.date(2024, 12, 31)).debarred
    assert not ig.debarment([RECORD], "person", "alice", "apply", dt.date(2028, 1, 1)).debarred
    forever = replace(RECORD, end=None)
    d = ig.debarment([forever], "person", "alice", "apply", dt.date(2040, 1, 1))
    assert d.debarred and "未设期限" in d.zh and "without an end" in d.en


def test_the_scope_decides_the_action():
    assert not ig.debarment([RECORD], "person", "alice", "review", dt.date(2026, 1, 1)).debarred
    expert = replace(RECORD, scope="expert_duties")
    assert ig.debarment([expert], "person", "alice", "review", dt.date(2026, 1, 1)).debarred
    assert not ig.debarment([expert], "person", "alice", "apply", dt.date(2026, 1, 1)).debarred
    both = replace(RECORD, scope="both")
    assert all(ig.debarment([both], "person", "alice", a, dt.date(2026, 1, 1)).debarred for a in ("apply", "review"))


def test_the_explanation_names_the_finding_sanction_period_and_source():
    d = ig.debarment([RECORD], "person", "alice", "apply", dt.date(2026, 1, 1))
    assert d.records == (RECORD,)
    for text in ("数据造假", "取消项目申报资格三年", "2025-01-01", "2027-12-31", "洛科〔2025〕1号", "申报和承担科技项目"):
        assert text in d.zh
    assert "Applying for and holding science projects".lower() in d.en and "IR-1" in d.en
    clean = ig.debarment([RECORD], "person", "bob", "apply", dt.date(2026, 1, 1))
    assert not clean.debarred and "无有效" in clean.zh and "No integrity sanction" in clean.en


def test_persons_and_organizations_are_apart_and_an_application_checks_both():
    org = replace(RECORD, id="IR-2", subject_kind="organization", subject_id="alice")
    assert not ig.debarment([org], "person", "alice", "apply", dt.date(2026, 1, 1)).debarred
    org = replace(org, subject_id="O1")
    on = dt.date(2026, 1, 1)
    assert ig.application_debarment([org], "O1", "bob", on).debarred
    assert ig.application_debarment([RECORD], "O9", "alice", on).debarred
    both = ig.application_debarment([RECORD, org], "O1", "alice", on)
    assert [r.id for r in both.records] == ["IR-2", "IR-1"] and "单位 O1" in both.zh and "人员 alice" in both.zh
    assert not ig.application_debarment([RECORD, org], "O2", "bob", on).debarred
    assert ig.debarred_subjects([RECORD, org, replace(RECORD, id="IR-3", subject_id="carl", scope="expert_duties")], "review", on) == {
        ("person", "carl")
    }


def test_bad_records_and_actions_are_refused():
    for bad in (
        replace(RECORD, scope="all"),
        replace(RECORD, subject_kind="team"),
        replace(RECORD, end=dt.date(2024, 1, 1)),
        replace(RECORD, source=" "),
    ):
        with pytest.raises(RuleError):
            ig.debarment([bad], "person", "alice", "apply", dt.date(2026, 1, 1))
    with pytest.raises(RuleError):
        ig.debarment([RECORD], "person", "alice", "vote", dt.date(2026, 1, 1))
    with pytest.raises(RuleError):
        ig.debarred_subjects([RECORD], "vote", dt.date(2026, 1, 1))


@given(
    st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
    st.sampled_from(["applications", "expert_duties", "both"]),
    st.sampled_from(["apply", "review"]),
)
def test_debarred_exactly_in_period_and_scope(on, scope, action):
    r = replace(RECORD, scope=scope)
    expected = r.start <= on <= r.end and (scope == "both" or (scope == "applications") == (action == "apply"))
    assert ig.debarment([r], "person", "alice", action, on).debarred == expected
    assert (("person", "alice") in ig.debarred_subjects([r], action, on)) == expected
