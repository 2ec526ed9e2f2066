"""Science projects' pages: each role's view of calls, applications and integrity records; the application form drawn
from the call's form spec saves typed answers; a submission with problems shows every problem; bad uploads get clear
errors and change nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from heluo.projects.models import Application, ApplicationAttachment, Call, IntegrityRecord
from heluo.projects.selectors import applications as selectors
from heluo.projects.services import calls as call_services
from tests.helpers import login

from .test_applications import draft, make_call

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%a proposal\n"


@pytest.fixture
def storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }


@pytest.fixture
def calls(world):
    published = make_call(world.users.staff)
    now = timezone.now()
    hidden = call_services.call_save(
        world.users.staff,
        Call(
            code="2027-youth",
            title="青年专项草稿",
            programme="youth",
            year=2027,
            budget=Decimal("1000000"),
            opens_at=now,
            closes_at=now + dt.timedelta(days=10),
        ),
    )
    return published, hidden


@pytest.fixture
def app_a(world, calls):
    return draft(world, calls[0], world.person_a)


def test_the_public_sees_published_calls_only(client, world, calls):
    published, hidden = calls
    page = client.get("/projects/").content.decode()
    assert published.title in page and hidden.title not in page and "/projects/calls/new/" not in page
    assert client.get(f"/projects/calls/{hidden.pk}/").status_code == 404
    detail = client.get(f"/projects/calls/{published.pk}/").content.decode()
    assert "研究目标" in detail and "科研诚信" in detail and "/apply/" not in detail
    assert client.get("/projects/applications/").status_code == 302  # to the login page


def test_the_bureau_sees_every_call_and_the_applications_by_status(client, world, calls, app_a):
    published, hidden = calls
    login(client, world.users.staff)
    page = client.get("/projects/").content.decode()
    assert hidden.title in page and "/projects/calls/new/" in page
    detail = client.get(f"/projects/calls/{published.pk}/").content.decode()
    assert f"/projects/applications/?call={published.pk}&amp;status=draft" in detail
    assert client.get(f"/projects/calls/{hidden.pk}/").status_code == 200
    login(client, world.users.org_a)
    r = client.get(f"/projects/calls/{published.pk}/apply/")
    assert r.status_code == 200
    call_services.call_status(world.users.staff, published, "closed")
    assert client.get(f"/projects/calls/{published.pk}/apply/").status_code == 302  # closed: back to the call


def test_the_bureau_makes_publishes_and_closes_a_call(client, world):
    login(client, world.users.staff)
    r = client.post(
        "/projects/calls/new/",
        {
            "code": "2026-ns",
            "title": "自然科学指南",
            "programme": "natural_science",
            "year": 2026,
            "budget": "500",
            "max_per_project": "20",
            "opens_at": "2026-01-01T08:00",
            "closes_at": "2026-02-01T08:00",
        },
    )
    call = Call.objects.get(code="2026-ns")
    assert r.status_code == 302 and call.budget == Decimal("5000000.00") and call.max_per_project == Decimal("200000.00")
    client.post(f"/projects/calls/{call.pk}/status/published/")
    call.refresh_from_db()
    assert call.status == "published"
    client.post(f"/projects/calls/{call.pk}/status/closed/")
    call.refresh_from_db()
    assert call.status == "closed"
    login(client, world.users.district_a)
    assert client.get("/projects/calls/new/").status_code == 403


def test_each_role_sees_its_applications(client, world, calls, app_a):
    other = Application.objects.create(
        call=calls[0], applicant=world.ent_b, pi=world.person_b, title="乙企业申报", abstract="x", requested=Decimal("1000")
    )
    expect = {
        world.users.org_a: ({app_a.title}, {other.title}),
        world.users.district_a: ({app_a.title}, {other.title}),
        world.users.staff: ({app_a.title, other.title}, set()),
        world.users.expert: (set(), {app_a.title, other.title}),
    }
    for user, (seen, unseen) in expect.items():
        login(client, user)
        page = client.get("/projects/applications/").content.decode()
        assert all(t in page for t in seen) and not any(t in page for t in unseen), user
        client.logout()
    login(client, world.users.expert)
    assert client.get(f"/projects/applications/{app_a.pk}/").status_code == 404
    login(client, world.users.staff)
    assert "乙企业申报" not in client.get("/projects/applications/", {"area": world.a.pk}).content.decode()


def _post(world, call, **over):
    data = {
        "title": "网页申报",
        "abstract": "摘要",
        "keywords": "轴承",
        "pi": world.person_a.pk,
        "requested": "100",
        "a_research_type": "applied",
        "a_duration_months": "24",
        "a_start_date": "2027-01-01",
        "a_industry_led": "false",
        "a_objectives": "目标",
        "a_methods": "路线",
        "a_innovations": "创新",
        "a_expected_sales": "1234.50",
        "a_outputs": ["patent", "paper"],
        "a_self_funding": "0",
        "b_equipment": "60",
        "b_materials": "40",
        "members": [world.person_a.pk],
        "partner_0": f"（#{world.ent_b.pk}）",
    }
    data.update(over)
    return data


def test_the_form_shows_every_field_type_and_saves_typed_answers(client, world, calls):
    call = calls[0]
    login(client, world.users.org_a)
    page = client.get(f"/projects/calls/{call.pk}/").content.decode()
    assert f"/projects/calls/{call.pk}/apply/" in page
    form = client.get(f"/projects/calls/{call.pk}/apply/").content.decode()
    for marker in (
        'name="a_objectives"',
        'type="number" name="a_duration_months"',
        'type="date"',
        'name="a_industry_led"',
        'value="false"',
        'type="checkbox" name="a_outputs"',
        'name="a_research_type"',
        'name="b_indirect"',
        'name="partner_0"',
    ):
        assert marker in form, marker
    r = client.post(f"/projects/calls/{call.pk}/apply/", _post(world, call))
    a = Application.objects.get(title="网页申报")
    assert r.status_code == 302 and a.requested == Decimal("1000000.00")
    answers = selectors.answers_of(a)
    assert answers["industry_led"] is False and answers["duration_months"] == 24 and answers["start_date"] == dt.date(2027, 1, 1)
    assert answers["expected_sales"] == Decimal("1234.50") and answers["outputs"] == ["patent", "paper"] and answers["self_funding"] == 0
    assert selectors.budget_of(a) == {"equipment": Decimal("600000.00"), "materials": Decimal("400000.00")}
    assert set(a.participants.filter(kind="partner").values_list("organization", flat=True)) == {world.ent_b.pk}
    form = client.get(f"/projects/applications/{a.pk}/edit/").content.decode()
    assert 'value="100"' in form and 'value="60"' in form and "E+" not in form  # 万元, as typed
    r = client.post(f"/projects/calls/{call.pk}/apply/", _post(world, call))
    assert r.status_code == 409 and "本单位已有同名申报" in r.content.decode()  # not a second one, not a 500
    r = client.post(f"/projects/applications/{a.pk}/edit/", _post(world, call, a_duration_months="99"))
    assert r.status_code == 422 and "60" in r.content.decode()  # the field's own bound
    r = client.post(f"/projects/applications/{a.pk}/edit/", _post(world, call, a_duration_months="36", b_indirect="90"))
    assert r.status_code == 422 and "20%" in r.content.decode()  # the service's: indirect costs within their share
    assert selectors.answers_of(a)["duration_months"] == 24


def test_a_submission_with_problems_shows_every_problem(client, world, calls):
    a = draft(world, calls[0], world.person_a, answers={"objectives": "只写了目标"}, budget={"equipment": "1000"})
    login(client, world.users.org_a)
    page = client.get(f"/projects/applications/{a.pk}/").content.decode()
    for text in ("技术路线", "创新点", "预算合计", "缺少附件", "须签署科研诚信承诺", "✓", "✗", "/sign/"):
        assert text in page, text
    r = client.post(f"/projects/applications/{a.pk}/step/", {"action": "submit"}, follow=True)
    shown = r.content.decode()
    assert "技术路线" in shown and "缺少附件" in shown and "须签署科研诚信承诺" in shown
    a.refresh_from_db()
    assert a.status == "draft"
    client.post(f"/projects/applications/{a.pk}/sign/")
    a.refresh_from_db()
    assert a.commitment_signed_at is not None


def test_uploads_are_checked_and_bad_ones_change_nothing(client, world, app_a, storage):
    login(client, world.users.org_a)
    url = f"/projects/applications/{app_a.pk}/attach/"
    cases = [
        ("proposal", SimpleUploadedFile("p.pdf", b"MZ\x90\x00not a pdf"), "附件内容与其类型不符"),
        ("proposal", SimpleUploadedFile("p.docx", b"PK\x03\x04xx"), "附件须为以下类型之一"),
        ("lottery", SimpleUploadedFile("p.pdf", PDF), "申报表单没有"),
        ("commitment", SimpleUploadedFile("c.pdf", PDF + b"0" * (10 * 1024 * 1024)), "不能超过 10 MB"),
    ]
    for kind, upload, message in cases:
        page = client.post(url, {"kind": kind, "file": upload}, follow=True).content.decode()
        assert message in page, message
    assert not ApplicationAttachment.objects.exists()
    client.post(url, {"kind": "proposal", "file": SimpleUploadedFile("申报书.pdf", PDF)})
    att = ApplicationAttachment.objects.get()
    assert att.kind == "proposal" and len(att.sha256) == 64
    r = client.get(f"/projects/application-files/{att.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    login(client, world.users.expert)
    assert client.get(f"/projects/application-files/{att.pk}/").status_code == 404


def test_integrity_records_are_the_bureaus_and_subjects_read_their_own(client, world):
    login(client, world.users.staff)
    r = client.post(
        "/projects/integrity/new/",
        {
            "organization": f"（#{world.ent_a.pk}）",
            "finding": "数据造假",
            "sanction": "取消申报资格",
            "scope": "applications",
            "starts_on": "2026-01-01",
            "ends_on": "2025-01-01",
            "source": "洛科〔2026〕1号",
        },
    )
    assert r.status_code == 422 and not IntegrityRecord.objects.exists()
    r = client.post(
        "/projects/integrity/new/",
        {
            "organization": f"（#{world.ent_a.pk}）",
            "finding": "数据造假",
            "sanction": "取消申报资格",
            "scope": "applications",
            "starts_on": "2026-01-01",
            "source": "洛科〔2026〕1号",
        },
    )
    assert r.status_code == 302 and IntegrityRecord.objects.get().organization == world.ent_a
    login(client, world.users.org_a)
    page = client.get("/projects/integrity/").content.decode()
    assert "数据造假" in page and "/projects/integrity/new/" not in page
    assert client.get("/projects/integrity/new/").status_code == 403
    login(client, world.users.expert)
    assert "数据造假" not in client.get("/projects/integrity/").content.decode()
