"""Two bureau users drawing at once, on PostgreSQL with real parallel connections: the draws take turns over the
projects they share (their rows locked), so no project is inspected twice in its cycle (最多查一次) — the second draw
sees the first one's items and excludes them.

Skipped on SQLite, which serialises writers by locking the whole file: the race needs PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection

from heluo.projects.models import Application, InspectionDraw, InspectionItem
from heluo.projects.services import inspections as services

from .review_world import accepted, make_round
from .test_inspections import bid_project, under_way

IS_PG = "postgresql" in settings.DATABASES["default"]["ENGINE"]
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not IS_PG, reason="the race needs PostgreSQL (set DATABASE_URL=postgres://…); SQLite serialises all writers"),
    pytest.mark.django_db(transaction=True),  # committed data: the other connections must see it
]


def at_once(*draws):
    """Run each draw in its own thread (its own connection), all released together; the draws' ids."""
    barrier = threading.Barrier(len(draws))

    def run(draw):
        try:
            barrier.wait(timeout=30)
            return draw().pk
        finally:
            connection.close()  # this thread's connection

    with ThreadPoolExecutor(len(draws)) as pool:
        return list(pool.map(run, draws))


def test_two_draws_at_once_never_inspect_a_project_twice(world):
    rnd = make_round(world)
    for i in range(5):
        accepted(rnd.call, world.ent_a if i % 2 else world.ent_b, world.person_a, f"项目{i}", "材料")
    projects = [under_way(a) for a in Application.objects.filter(call=rnd.call).order_by("pk")]
    projects.append(bid_project(world, rnd.unis[0]))
    staff = world.users.staff
    for round_ in range(3):
        InspectionDraw.objects.all().delete()
        ids = at_once(
            lambda seed=round_: services.draw(staff, "甲组", share="1", seed=seed),
            # another scope over some of the same projects: the call's, not the bid's
            lambda seed=round_ + 100: services.draw(staff, "乙组", call=rnd.call, share="1", seed=seed),
        )
        drawn = list(InspectionItem.objects.filter(draw_id__in=ids).values_list("project_id", flat=True))
        assert len(drawn) == len(set(drawn)) == len(projects), (round_, drawn)
        assert sorted(InspectionItem.objects.filter(draw_id=i).count() for i in ids) in (
            [0, len(projects)],
            [1, len(projects) - 1],
        )  # one after the other
