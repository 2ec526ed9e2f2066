"""The demo's carriers: a graded, applied and published 2025 round (rewards, warnings, one revocation in the
platform's history), a round the ``host`` account reports into, a round the ``expert`` account marks in, the pilot
service list; scores reproducible from the scheme file; removed by --reset."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from heluo.carriers.models import Evaluation, EvaluationRound, ExpertAssignment, PilotService
from heluo.carriers.selectors import evaluation as selectors
from heluo.carriers.selectors import pilot
from heluo.carriers.selectors.schemes import recompute
from heluo.demo.carriers import GRADED, OPEN, REVIEWING
from heluo.platforms.models import PlatformStatusChange

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_demo_carriers():
    call_command("load_reference", city="luoyang", verbosity=0)
    out = io.StringIO()
    call_command("demo", "--no-serve", "--size", "small", stdout=out)
    assert "创新平台载体" in out.getvalue()
    users = {u.username: u for u in get_user_model().objects.all()}
    graded = EvaluationRound.objects.get(title=GRADED)
    assert graded.status == "applied" and graded.published
    consequences = list(Evaluation.objects.filter(round=graded).values_list("consequence", flat=True))
    assert consequences.count("revocation") == 1 and "reward" in consequences and "warning" in consequences
    revoked = Evaluation.objects.get(round=graded, consequence="revocation").platform
    assert revoked.status == "revoked" and PlatformStatusChange.objects.filter(platform=revoked, status="revoked", document=GRADED).exists()
    for e in Evaluation.objects.filter(round=graded).select_related("platform").prefetch_related("assignments"):
        assert recompute(e).total == e.total  # reproducible from the scheme file and the stored figures
    assert selectors.results().filter(round=graded).count() == len(consequences)

    host = users["host"]
    to_report = Evaluation.objects.restrict(host, "change").filter(round__title=OPEN, submitted_at__isnull=True)
    assert to_report.exists() and selectors.to_report_count(host)
    assert ExpertAssignment.objects.filter(
        evaluation__round__title=REVIEWING, expert__person_id=users["expert"].profile.person_id, mark__isnull=True
    ).exists()
    assert PilotService.objects.exists() and pilot.own_bases(host).exists()
    assert pilot.find(None, "中试放大 工艺优化")

    call_command("demo", "--no-serve", "--reset", "--size", "small", stdout=io.StringIO())
    assert EvaluationRound.objects.filter(title=GRADED).count() == 1  # built again after the reset, once
