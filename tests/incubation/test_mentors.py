"""Mentors: suggestions from the matching engine, pairing by whoever manages the firm, sessions logged and reported by
each side (and only by them), what a mentor sees, and the 导师县区行、园区行 events by area."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from heluo.core.i18n import Refusal
from heluo.incubation.models import Availability, MentorEvent, SessionReport
from heluo.incubation.selectors import mentors as selectors
from heluo.incubation.services import incubations
from heluo.incubation.services import mentors as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def paired(inc_world):
    iw = inc_world
    iw.inc = incubations.admit(iw.users.host_a, iw.maker, iw.firm, dt.date(2022, 3, 1))
    iw.pairing = services.pair(iw.users.host_a, iw.mentor, iw.inc, dt.date(2022, 4, 1))
    return iw


def test_the_matching_engine_suggests_the_mentor_whose_specialty_the_firm_shares(inc_world):
    iw = inc_world
    inc = incubations.admit(iw.users.host_a, iw.maker, iw.firm, dt.date(2022, 3, 1))
    found = selectors.suggest(iw.users.host_a, inc)
    assert found and found[0].mentor == iw.mentor and found[0].terms
    assert iw.other not in [s.mentor for s in found]


def test_a_pairing_records_the_affinity_and_only_managers_pair(paired):
    iw = paired
    assert iw.pairing.affinity is not None and iw.pairing.terms
    with pytest.raises(PermissionDenied):
        services.pair(iw.users.firm, iw.other, iw.inc)
    with pytest.raises(Refusal) as e:
        services.pair(iw.users.host_a, iw.mentor, iw.inc, dt.date(2022, 5, 1))
    assert e.value.reason_code == "already_paired"


def test_an_unavailable_mentor_is_not_paired(inc_world):
    iw = inc_world
    services.save_profile(iw.users.other_mentor, iw.other, availability=Availability.UNAVAILABLE)
    inc = incubations.admit(iw.users.host_a, iw.maker, iw.firm, dt.date(2022, 3, 1))
    with pytest.raises(Refusal) as e:
        services.pair(iw.users.host_a, iw.other, inc)
    assert e.value.reason_code == "mentor_unavailable"
    with pytest.raises(PermissionDenied):  # a mentor keeps its own profile only
        services.save_profile(iw.users.mentor, iw.other)


def test_both_sides_log_their_outcome_once_and_nobody_else(paired):
    iw = paired
    s = services.log_session(iw.users.mentor, iw.pairing, dt.date(2022, 5, 10), "2.0", "融资路演辅导", "修改了商业计划书", 4)
    assert s.logged_by == "mentor"
    services.report(iw.users.firm, s, "拿到天使轮意向", 5)
    assert sorted(SessionReport.objects.filter(session=s).values_list("side", flat=True)) == ["firm", "mentor"]
    with pytest.raises(Refusal):
        services.report(iw.users.mentor, s, "再写一次")
    for outsider in (iw.users.host_a, iw.users.other_mentor, iw.w.users.admin):
        with pytest.raises(PermissionDenied):
            services.report(outsider, s, "旁观")
    with pytest.raises(Refusal) as e:
        services.log_session(iw.users.firm, iw.pairing, dt.date(2022, 3, 1), "1", "早于配对", "—")
    assert e.value.reason_code == "outside_pairing"
    with pytest.raises(Refusal):
        services.log_session(iw.users.firm, iw.pairing, dt.date(2022, 5, 1), "25", "太长", "—")


def test_a_mentor_sees_its_own_sessions_and_firms_only(paired):
    iw = paired
    services.log_session(iw.users.mentor, iw.pairing, dt.date(2022, 5, 10), "1.5", "股权设计", "定了期权池")
    assert selectors.session_list(iw.users.mentor).count() == 1
    assert selectors.session_list(iw.users.other_mentor).count() == 0
    assert selectors.session_list(iw.users.firm).count() == 1
    assert selectors.session_list(iw.users.host_b).count() == 0
    from heluo.incubation.selectors import chain

    assert chain.incubation_list(iw.users.mentor).get() == iw.inc
    assert not chain.incubation_list(iw.users.other_mentor).exists()


def test_events_are_recorded_by_the_bureau_or_the_district_in_its_area(inc_world):
    iw = inc_world
    w = iw.w
    e = services.save_event(
        w.users.district_a,
        kind="park",
        title="导师园区行·甲区众创空间",
        area=w.a,
        held_on=dt.date(2024, 5, 1),
        park=iw.space,
        mentors=[iw.mentor],
        firms=[iw.firm],
    )
    assert list(selectors.event_list(None).filter(pk=e.pk)) == [e]
    with pytest.raises(PermissionDenied):
        services.save_event(w.users.district_a, kind="district", title="导师县区行·洛龙", area=w.b, held_on=dt.date(2024, 5, 1))
    with pytest.raises(Refusal) as r:
        services.save_event(w.users.admin, kind="park", title="园区行", area=w.a, held_on=dt.date(2024, 5, 1), park=w.plat_b)
    assert r.value.reason_code == "park_elsewhere"
    assert MentorEvent.objects.count() == 1
