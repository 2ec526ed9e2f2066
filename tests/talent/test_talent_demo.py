"""The demo's talent programmes: a decided round with awards, an open round, cards with uses, the map, the catalogue,
and the person-linked ``talent`` account; the step is fast at --size small."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from heluo.demo.talent import build_demo_talent, reset_demo_talent
from heluo.talent.models import Award, CardUse, Round, RoundStatus, ServiceCheck, SkillNeed, Talent
from heluo.talent.selectors import map as map_sel
from heluo.talent.selectors import rounds as sel
from heluo.talent.services import records

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_talent_demo(client):
    call_command("load_reference", city="luoyang", verbosity=0)
    call_command("demo", "--no-serve", "--size", "small", stdout=io.StringIO())
    statuses = set(Round.objects.values_list("status", flat=True))
    assert {RoundStatus.DECIDED, RoundStatus.OPEN} <= statuses
    assert Award.objects.exists() and CardUse.objects.exists() and SkillNeed.objects.exists()
    assert ServiceCheck.objects.filter(in_service=False).exists()
    staff = get_user_model().objects.get(username="staff")
    assert {row.obligation.status for row in sel.awards(staff)} >= {"on_track", "breached"}
    assert any(n for _, n in map_sel.district_counts(staff)) and map_sel.shortage(staff, Round.objects.order_by("-year").first().year)
    talent = get_user_model().objects.get(username="talent")
    assert records.own_person(talent).pk == talent.profile.person_id
    # each role's pages on the demo's records
    for username, urls in (
        ("staff", ["/talent/", "/talent/talents/", "/talent/cards/", "/talent/map/", "/talent/shortage/"]),
        ("talent", ["/talent/me/", "/talent/cards/"]),
        ("expert", ["/talent/reviews/"]),
        ("jianxi", ["/talent/map/", "/talent/talents/"]),
    ):
        client.force_login(get_user_model().objects.get(username=username))
        for url in urls:
            assert client.get(url).status_code == 200, (username, url)
    client.force_login(staff)
    for r in Round.objects.all():
        assert client.get(f"/talent/rounds/{r.pk}/").status_code == 200
    card = CardUse.objects.first().card
    assert client.get(f"/talent/cards/{card.pk}/").status_code == 200
    # rebuilt after a reset (its time is the demo's, measured by the demo command's log, not asserted here)
    reset_demo_talent()
    assert not Talent.objects.exists()
    assert build_demo_talent(log=print, size="small")
