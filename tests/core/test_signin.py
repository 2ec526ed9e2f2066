"""Signing in under 等保 rules: lockout, events with the source address, time-outs, password history and age,
two-factor sign-in."""

import datetime as dt
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from heluo.core.models import PasswordRecord, Role, SecurityEvent
from heluo.core.signin import SEEN_AT, SIGNED_IN_AT
from tests.helpers import PASSWORD, make_user

pytestmark = pytest.mark.django_db
ADDRESS = "10.20.30.40"


def sign_in(client, username, password):
    return client.post(reverse("web:login"), {"username": username, "password": password}, REMOTE_ADDR=ADDRESS)


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5


def test_thirty_wrong_passwords_then_the_right_one_is_refused(client, lockout):
    make_user("victim", Role.ORG_USER)
    for _ in range(30):
        assert sign_in(client, "victim", "wrong-Password-1").status_code in (200, 429)
    response = sign_in(client, "victim", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "锁定" in response.content.decode() or "locked" in response.content.decode()
    failures = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SIGN_IN_FAILED, user_name="victim")
    assert failures.count() >= 5 and set(failures.values_list("address", flat=True)) == {ADDRESS}
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOCKED_OUT, user_name="victim", address=ADDRESS).exists()
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SIGN_IN).exists()


def test_a_few_failures_then_the_right_password_signs_in(client, lockout):
    make_user("typo", Role.ORG_USER)
    for _ in range(3):
        sign_in(client, "typo", "wrong-Password-1")
    assert sign_in(client, "typo", PASSWORD).status_code == 302
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SIGN_IN, user__username="typo", address=ADDRESS).exists()
    client.post(reverse("web:logout"), REMOTE_ADDR=ADDRESS)
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SIGN_OUT, user__username="typo", address=ADDRESS).exists()


@pytest.mark.parametrize("key, age", [(SEEN_AT, 31 * 60), (SIGNED_IN_AT, 13 * 3600)])
def test_idle_and_absolute_session_timeouts(client, key, age):
    user = make_user("sleepy", Role.BUREAU_STAFF)
    client.force_login(user)
    assert client.get(reverse("web:account")).status_code == 200
    session = client.session
    session[key] = int(time.time()) - age
    if key == SIGNED_IN_AT:
        session[SEEN_AT] = int(time.time())
    session.save()
    response = client.get(reverse("web:account"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))
    assert client.get(reverse("web:account")).status_code == 302  # signed out for good
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SESSION_EXPIRED, user=user).exists()


def test_a_recent_password_cannot_be_chosen_again(client):
    user = make_user("history", Role.ORG_USER)
    client.force_login(user)
    for new in ("Second-password-2", "Third-password-3"):
        response = client.post(
            reverse("web:password_change"),
            {"old_password": PASSWORD if new.startswith("S") else "Second-password-2", "new_password1": new, "new_password2": new},
        )
        assert response.status_code == 302, response.content.decode()[:500]
    response = client.post(
        reverse("web:password_change"), {"old_password": "Third-password-3", "new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert response.status_code == 200 and "最近" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("Third-password-3")
    assert PasswordRecord.objects.filter(user=user).count() == 3


def test_password_history_keeps_only_the_configured_number(settings):
    settings.HELUO_PASSWORD_HISTORY = 2
    user = make_user("short-memory", Role.ORG_USER)
    for i in range(4):
        user.set_password(f"Password-number-{i}")
        user.save()
    assert PasswordRecord.objects.filter(user=user).count() == 2
    from django.contrib.auth.password_validation import validate_password

    validate_password("Password-number-0", user)  # forgotten: allowed again
    with pytest.raises(ValidationError):
        validate_password("Password-number-3", user)


def test_an_expired_password_must_be_changed_first(client, settings):
    settings.HELUO_PASSWORD_MAX_AGE_DAYS = 90
    user = make_user("old-password", Role.BUREAU_STAFF)
    PasswordRecord.objects.filter(user=user).update(changed=timezone.now() - dt.timedelta(days=91))
    client.force_login(user)
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and response["Location"] == reverse("web:password_change")
    new = "Brand-new-password-9"
    assert (
        client.post(reverse("web:password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}).status_code
        == 302
    )
    assert client.get(reverse("web:home")).status_code == 200
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSWORD_CHANGED, user=user).exists()


def code_for(device, offset=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def test_bureau_administrators_must_set_up_and_use_a_second_factor(client, settings):
    settings.HELUO_2FA_ROLES = ["bureau_admin"]
    admin = make_user("chief", Role.BUREAU_ADMIN)
    client.force_login(admin)
    response = client.get(reverse("web:account"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:two_factor"))
    page = client.get(response["Location"])
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    wrong = client.post(reverse("web:two_factor"), {"code": "000000" if code_for(device) != "000000" else "111111", "next": "/account/"})
    assert wrong.status_code == 200 and SecurityEvent.objects.filter(kind=SecurityEvent.Kind.OTP_FAILED, user=admin).exists()
    device.refresh_from_db()
    device.throttling_failure_count, device.throttling_failure_timestamp = 0, None
    device.save()
    ok = client.post(reverse("web:two_factor"), {"code": code_for(device), "next": "/account/"})
    assert ok.status_code == 302 and ok["Location"] == "/account/"
    assert client.get(reverse("web:account")).status_code == 200
    assert TOTPDevice.objects.get(user=admin).confirmed
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.OTP_ENROLLED, user=admin).exists()

    # Next time: the code is asked again, and an outside address is not a place to be sent to.
    client.logout()
    client.force_login(admin)
    assert client.get(reverse("web:home")).status_code == 302
    device = TOTPDevice.objects.get(user=admin)
    ok = client.post(reverse("web:two_factor"), {"code": code_for(device, offset=1), "next": "https://evil.example/"})
    assert ok.status_code == 302 and ok["Location"] == "/"


def test_other_roles_are_not_asked_unless_configured(client, settings):
    settings.HELUO_2FA_ROLES = ["bureau_admin"]
    user = make_user("firm", Role.ORG_USER)
    client.force_login(user)
    assert client.get(reverse("web:account")).status_code == 200
    settings.HELUO_2FA_ROLES = ["all"]
    assert client.get(reverse("web:account")).status_code == 302


def test_the_second_factor_does_not_apply_to_api_tokens(client, settings, world, token_for):
    settings.HELUO_2FA_ROLES = ["all"]
    response = client.get("/api/v1/organizations", headers=token_for(world.users.admin))
    assert response.status_code == 200


def test_a_password_is_recorded_as_changed_never_as_itself(client):
    from heluo.core.models import ObjectChange

    user = make_user("secretive", Role.ORG_USER)
    user.set_password("Another-password-7")
    user.save()
    change = ObjectChange.objects.filter(content_type__model="user", object_id=user.pk, action="update").latest("id")
    fields = {field for field, _before, _after in change.diff()}
    assert fields == {"password"}
    assert "Another" not in str(change.postchange_data) and str(change.postchange_data["password"]).startswith("redacted:")
    assert get_user_model().objects.get(pk=user.pk).check_password("Another-password-7")


def test_token_events_and_exports_are_recorded_with_the_address(client, world):
    client.force_login(world.users.staff)
    client.post(reverse("web:account"), {"name": "script", "write_enabled": "on"}, REMOTE_ADDR=ADDRESS)
    issued = SecurityEvent.objects.get(kind=SecurityEvent.Kind.TOKEN_ISSUED, user=world.users.staff, detail__name="script")
    assert issued.address == ADDRESS
    token = world.users.staff.api_tokens.get(name="script")
    client.post(reverse("web:token_revoke", args=[token.pk]), REMOTE_ADDR=ADDRESS)
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.TOKEN_REVOKED, detail__prefix=token.prefix, address=ADDRESS).exists()

    response = client.get(reverse("web:organization_list"), {"export": "organizations"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200, response.status_code
    export = SecurityEvent.objects.get(kind=SecurityEvent.Kind.EXPORT, user=world.users.staff)
    assert export.address == ADDRESS and export.detail["rows"] >= 3
