"""Every list and action is in the API (4xx with reasons, never a 500), and the pages render for each role."""

import datetime as dt

import pytest
from django.utils import timezone

from heluo.talent.models import Application, Card, Review, Round, Talent
from heluo.talent.services import cards as card_services
from heluo.talent.services import rounds as services
from tests.helpers import Api, login

from .talent_world import make_talent_world, marks

LISTS = ("rounds", "applications", "reviews", "awards", "talents", "cards", "card-uses", "providers", "needs", "events", "shortage")


@pytest.fixture
def tw(world):
    return make_talent_world(world)


def test_api_round_flow(client, world, tw, token_for):
    staff, org = Api(client, token_for(world.users.staff)), Api(client, token_for(world.users.org_a))
    today = timezone.localdate()
    dup = staff.post(
        "talent/rounds", {"programme": "heluo-yingcai", "strand": "youth", "year": today.year, "opens_on": today, "closes_on": today}
    )
    assert dup.status_code == 409
    assert (
        staff.post("talent/rounds", {"programme": "x", "strand": "y", "year": 2020, "opens_on": today, "closes_on": today}).status_code
        == 422
    )
    made = org.post(
        "talent/applications", {"round": tw.round.pk, "person": tw.young.pk, "category": "youth", "field": tw.field.code, "summary": "研究"}
    )
    assert made.status_code == 201, made.content
    assert org.post(f"talent/rounds/{tw.round.pk}/review").status_code == 403
    assert staff.post(f"talent/rounds/{tw.round.pk}/review").status_code == 200
    for user in tw.reviewers:
        api = Api(client, token_for(user))
        [review] = api.get("talent/reviews").json()["items"]
        assert api.post(f"talent/reviews/{review['id']}/submit", {"marks": marks(7)}).status_code == 200
    decided = staff.post(f"talent/rounds/{tw.round.pk}/decide", {"awarded": [made.json()["id"]], "starts_on": today, "reason": "评审会"})
    assert decided.json()["status"] == "decided"
    [award] = staff.get("talent/awards").json()["items"]
    assert staff.post(f"talent/awards/{award['id']}/payments", {"amount": "999999999", "paid_on": today}).status_code == 422
    assert staff.post(f"talent/awards/{award['id']}/payments", {"amount": "1000", "paid_on": today}).status_code == 201
    assert staff.post(f"talent/awards/{award['id']}/checks", {"year": today.year, "in_service": True}).status_code == 201
    talent = staff.get("talent/talents").json()["items"][0]
    card = staff.post("talent/cards", {"talent": talent["id"], "issued_on": today})
    assert card.status_code == 201 and card.json()["level"] == "D"
    assert staff.post("talent/card-uses", {"card": "NOPE", "service": "medical", "used_on": today}).status_code == 422
    assert staff.post("talent/card-uses", {"card": card.json()["number"], "service": "medical", "used_on": today}).status_code == 201
    assert (
        org.post(
            "talent/needs", {"organization": world.ent_a.pk, "year": today.year, "field": tw.field.code, "level": "D", "count": 3}
        ).status_code
        == 201
    )
    for name in LISTS:
        assert staff.get(f"talent/{name}").status_code == 200, name
    assert staff.get("talent/map").json()["level"]
    assert client.get("/api/v1/talent/programmes").status_code == 200


def test_pages_render_for_each_role(client, world, tw):
    a = services.apply(world.users.org_a, tw.round, tw.young, "youth", "研究", tw.field)
    talent = Talent.objects.create(person=tw.old, level="C", field=tw.field, since=2024)
    card = card_services.card_issue(world.users.staff, talent, dt.date.today())
    pages = ["/talent/", f"/talent/rounds/{tw.round.pk}/"]
    assert client.get(pages[0]).status_code == 200
    for user in (world.users.staff, world.users.org_a, world.users.district_a, world.users.expert, tw.talent_user):
        login(client, user)
        for url in (
            *pages,
            f"/talent/rounds/{tw.round.pk}/apply/",
            "/talent/talents/",
            "/talent/cards/",
            "/talent/map/",
            "/talent/shortage/",
            "/talent/reviews/",
        ):
            assert client.get(url).status_code in (200, 403), (user, url)
        client.logout()
    login(client, world.users.staff)
    for url in (f"/talent/applications/{a.pk}/", f"/talent/cards/{card.pk}/"):
        assert client.get(url).status_code == 200
    login(client, tw.talent_user)
    page = client.get("/talent/me/")
    assert page.status_code == 200 and tw.young.id_number not in page.content.decode()
    posted = client.post(
        "/talent/me/",
        {"phone": "123", "gender": "", "birth_year": tw.young.birth_year, "title": "", "degree": "博士", "email": "", "reason": "更正"},
    )
    assert posted.status_code == 302
    login(client, world.users.staff)
    assert client.get("/talent/me/").status_code == 403
    assert Card.objects.count() == 1


def test_round_through_the_pages(client, world, tw):
    login(client, world.users.staff)
    today = timezone.localdate()
    opened = client.post(
        "/talent/rounds/new/", {"strand": "heluo-yingcai/main", "year": today.year, "opens_on": today, "closes_on": today}, follow=True
    )
    assert opened.status_code == 200 and Round.objects.filter(strand="main", year=today.year).exists()
    login(client, world.users.org_a)
    made = client.post(
        f"/talent/rounds/{tw.round.pk}/apply/", {"person": tw.young.pk, "category": "youth", "field": tw.field.pk, "summary": "研究"}
    )
    assert made.status_code == 302
    bad = client.post(f"/talent/rounds/{tw.round.pk}/apply/", {"person": tw.young.pk, "category": "youth", "summary": "again"})
    assert bad.status_code == 409 and "已在本批次申报" in bad.content.decode()
    login(client, world.users.staff)
    client.post(f"/talent/rounds/{tw.round.pk}/review/")
    for user in tw.reviewers:
        login(client, user)
        review = Review.objects.get(expert__person=user.profile.person)
        assert client.get(f"/talent/reviews/{review.pk}/").status_code == 200
        client.post(f"/talent/reviews/{review.pk}/", {"achievements": 9, "innovation": 8, "fit": 8})
    a = Application.objects.get(round=tw.round, person=tw.young)
    assert a.score and Review.objects.filter(application=a, score__isnull=False).count() == 3
    login(client, world.users.staff)
    client.post(f"/talent/rounds/{tw.round.pk}/decide/", {"awarded": [a.pk], "starts_on": today, "reason": "评审会"})
    a.refresh_from_db()
    assert a.status == "awarded"
    client.post(f"/talent/awards/{a.award.pk}/pay/", {"amount": "1000", "paid_on": today})
    page = client.get(f"/talent/applications/{a.pk}/").content.decode()
    assert "1,000" in page and a.award.payments.count() == 1
