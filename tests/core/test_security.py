"""Sign-in hardening (issue 10): password rules, private responses never cached, API tokens that expire."""

import datetime as dt

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from heluo.core.models import ApiToken
from heluo.demo.accounts import PASSWORD as DEMO_PASSWORD
from tests.helpers import PASSWORD, login


@pytest.mark.parametrize("weak", ["12345678", "1234567890123", "password123", "abcdefghijkl", "ABCDEFGHIJ12"])
def test_weak_passwords_are_refused(weak):
    with pytest.raises(ValidationError):
        validate_password(weak)


@pytest.mark.parametrize("strong", [DEMO_PASSWORD, PASSWORD, "Luoyang-Heluo-2026"])
def test_passwords_of_three_classes_and_ten_characters_pass(strong):
    validate_password(strong)


def test_private_pages_and_api_answers_are_not_cached(world, client, token_for):
    assert "no-store" not in client.get("/").get("Cache-Control", "")  # the public home page
    login(client, world.users.district_a)
    assert client.get("/annual/")["Cache-Control"] == "no-store, private"
    client.logout()
    r = client.get("/api/v1/annual-data", headers=token_for(world.users.staff))
    assert r.status_code == 200 and r["Cache-Control"] == "no-store, private"


def test_api_tokens_expire(world, settings):
    token, _ = ApiToken.issue(world.users.staff, name="t")
    assert abs(token.expires - (timezone.now() + dt.timedelta(days=settings.HELUO_TOKEN_DAYS))) < dt.timedelta(minutes=1)
    settings.HELUO_TOKEN_DAYS = 7
    assert ApiToken.issue(world.users.staff)[0].expires < timezone.now() + dt.timedelta(days=8)
    settings.HELUO_TOKEN_DAYS = 0
    assert ApiToken.issue(world.users.staff)[0].expires is None


def test_a_user_changes_its_own_password_under_the_rules(world, client):
    login(client, world.users.org_a)
    url = "/account/password/"
    assert "password_change" in client.get("/account/").content.decode() or url in client.get("/account/").content.decode()
    weak = client.post(url, {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200 and not client.login(username="org_a", password="12345678")
    new = "Heluo-New-Pass-26"
    r = client.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}, follow=True)
    assert r.status_code == 200 and r.redirect_chain[-1][0].endswith("/account/")
    world.users.org_a.refresh_from_db()
    assert world.users.org_a.check_password(new)
    client.logout()
    assert client.get(url).status_code == 302  # signed-out users are sent to the login page
