"""The demo's incubation chain and mentors: carriers at the stages their kinds may serve, graduations the criteria
allow, moves along the chain, mentors with sessions reported by both sides, events per district and park, and the
`mentor` account's own firms and sessions; built once in well under a second at size small, removed by --reset."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from heluo.incubation.engine import graduation as engine
from heluo.incubation.models import Carrier, Incubation, IncubationEvent, MentorEvent, Session, SessionReport
from heluo.incubation.selectors import chain, mentors

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_demo_builds_chains_with_graduations_and_mentors(client):
    call_command("load_reference", city="luoyang", verbosity=0)
    out = io.StringIO()
    call_command("demo", "--no-serve", "--size", "small", stdout=out)
    assert re.search(r"incubation and mentors: .*\(([\d.]+) s\)", out.getvalue()), out.getvalue()  # its step logged
    assert {c.stage for c in Carrier.objects.all()} == {"maker_space", "incubator", "accelerator", "park"}
    assert all(c.platform.kind in engine.stage(c.stage).kinds for c in Carrier.objects.select_related("platform"))
    statuses = set(Incubation.objects.values_list("status", flat=True))
    assert {"incubating", "graduated", "moved_on"} <= statuses
    for inc in Incubation.objects.filter(status__in=("graduated", "moved_on")).select_related("carrier")[:50]:
        assert inc.graduation["met"] and chain.verdict(inc, inc.graduated_on).met  # the criteria allowed it
    assert Incubation.objects.filter(previous__isnull=False).exists()
    assert IncubationEvent.objects.filter(action="graduate").count() == Incubation.objects.filter(graduated_on__isnull=False).count()
    assert SessionReport.objects.values("session").distinct().count() == Session.objects.count()
    assert set(MentorEvent.objects.values_list("kind", flat=True)) == {"district", "park"}
    mentor = get_user_model().objects.get(username="mentor")
    assert chain.incubation_list(mentor).count() >= 2 and mentors.session_list(mentor).count() >= 2
    assert mentors.session_list(mentor).count() < Session.objects.count()  # its own only
    client.force_login(mentor)
    assert client.get("/incubation/sessions/").status_code == 200
    call_command("demo", "--no-serve", "--size", "small", "--reset", stdout=io.StringIO())
    assert Incubation.objects.filter(is_synthetic=True).exists()  # rebuilt after the reset
