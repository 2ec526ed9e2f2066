"""三员分立: the system, security and audit administrators each do their own part and none of another's, and
none of them, nor any daily role, needs to be a superuser."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from heluo.core.models import Role, SecurityEvent, UserProfile
from tests.helpers import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins(world):
    return {
        "system": make_user("sys", Role.SYSTEM_ADMIN),
        "security": make_user("sec", Role.SECURITY_ADMIN),
        "audit": make_user("aud", Role.AUDIT_ADMIN),
        "bureau": world.users.admin,
    }


def as_(client, user):
    client.force_login(user)
    return client


def test_the_admin_site_is_the_three_administrators_own(admins, client):
    for who in ("system", "security", "audit"):
        assert admins[who].is_staff and not admins[who].is_superuser
    assert not admins["bureau"].is_staff
    profile = UserProfile.objects.get(user=admins["audit"])
    profile.role = Role.BUREAU_STAFF
    profile.save()
    admins["audit"].refresh_from_db()
    assert not admins["audit"].is_staff  # the role decides, both ways


def test_the_system_administrator_creates_accounts_but_gives_no_roles(admins, world, client):
    c = as_(client, admins["system"])
    assert c.get(reverse("admin:auth_user_add")).status_code == 200
    page = c.get(reverse("admin:auth_user_change", args=[world.users.org_a.pk])).content.decode()
    assert 'name="username"' in page and 'name="profile-0-role"' not in page and 'name="is_superuser"' not in page
    assert c.get(reverse("web:audit_log")).status_code == 403
    assert c.get(reverse("web:jobs")).status_code == 200


def test_the_security_administrator_gives_roles_lifts_lockouts_but_makes_no_accounts(admins, world, client):
    c = as_(client, admins["security"])
    assert c.get(reverse("admin:auth_user_add")).status_code == 403
    page = c.get(reverse("admin:auth_user_change", args=[world.users.org_a.pk])).content.decode()
    assert 'name="profile-0-role"' in page and 'name="username"' not in page
    own = c.get(reverse("admin:auth_user_change", args=[admins["security"].pk])).content.decode()
    assert 'name="profile-0-role"' not in own  # never its own role
    attempt = AccessAttempt.objects.create(username="org_a", ip_address="10.0.0.1", failures_since_start=5, get_data="", post_data="")
    assert c.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200
    assert c.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}).status_code == 302
    assert not AccessAttempt.objects.exists()
    assert c.get(reverse("web:audit_log")).status_code == 403
    assert c.get(reverse("web:jobs")).status_code == 403


def test_the_audit_administrator_reads_exports_and_checks_the_log_and_nothing_else(admins, client):
    c = as_(client, admins["audit"])
    for name in ("web:audit_log", "web:audit_reads", "web:audit_events"):
        assert c.get(reverse(name)).status_code == 200
    response = c.get(reverse("web:audit_events"), {"export": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT, user=admins["audit"]).exists()
    assert c.post(reverse("web:audit_verify")).status_code == 302
    assert c.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert c.get(reverse("admin:core_securityevent_changelist")).status_code == 200
    assert c.get(reverse("web:jobs")).status_code == 403


def test_the_bureau_administrator_does_the_programme_not_the_log_nor_accounts(admins, client):
    c = as_(client, admins["bureau"])
    assert c.get(reverse("web:audit_log")).status_code == 403
    assert c.get(reverse("admin:auth_user_changelist")).status_code == 302  # not an admin-site account
    assert c.get(reverse("web:jobs")).status_code == 200


def test_the_auditor_filters_the_logs_by_channel(admins, client):
    SecurityEvent.objects.create(kind="sign_in_failed", user_name="came-from-kaifeng", via="partner:kf")
    SecurityEvent.objects.create(kind="sign_in_failed", user_name="came-from-the-web", via="web")
    c = as_(client, admins["audit"])
    url = reverse("admin:core_securityevent_changelist")
    for via, shown, hidden in (("partner", "came-from-kaifeng", "came-from-the-web"), ("web", "came-from-the-web", "came-from-kaifeng")):
        page = c.get(url, {"via": via}).content.decode()
        assert shown in page and hidden not in page
    assert c.get(reverse("admin:core_objectchange_changelist"), {"via": "import"}).status_code == 200
