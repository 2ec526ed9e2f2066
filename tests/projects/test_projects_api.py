"""The science projects' API: calls public once published and written by the bureau; applications scoped by role,
written by their applicant with answers and budget as JSON objects; refusals are 4xx with their codes (an incomplete
application lists every problem by key); attachments checked like the pages'; integrity records the bureau's."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from heluo.projects.models import Application, ApplicationAttachment, Call
from tests.helpers import Api

from .test_applications import ANSWERS, BUDGET, draft, make_call

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%a proposal\n"


@pytest.fixture
def as_(client, token_for):
    return lambda user: Api(client, token_for(user) if user is not None else None)


@pytest.fixture
def call(world):
    return make_call(world.users.staff)


def body(world, call, **over):
    data = {
        "call": call.pk,
        "pi": world.person_a.pk,
        "title": "接口申报",
        "abstract": "摘要",
        "requested": "1000000",
        "answers": ANSWERS,
        "budget": BUDGET,
        "partners": [world.ent_b.pk],
    }
    data.update(over)
    return data


def test_calls_public_when_published_and_the_bureaus_to_write(world, as_, call):
    public = as_(None)
    r = public.get("projects/calls")
    assert r.status_code == 200 and [c["code"] for c in r.json()["items"]] == [call.code]
    assert public.get(f"projects/calls/{call.pk}").json()["form"]["code"] == "standard-project"
    new = {
        "code": "2027-ss",
        "title": "软科学",
        "programme": "soft_science",
        "year": 2027,
        "budget": "1000000",
        "opens_at": "2027-01-01T00:00:00+08:00",
        "closes_at": "2027-02-01T00:00:00+08:00",
    }
    assert as_(world.users.org_a).post("projects/calls", new).status_code == 403
    r = as_(world.users.staff).post("projects/calls", {**new, "programme": "lottery"})
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "unknown_programme"
    r = as_(world.users.staff).post("projects/calls", new)
    assert r.status_code == 201 and r.json()["status"] == "draft"
    pk = r.json()["id"]
    assert public.get(f"projects/calls/{pk}").status_code == 404
    assert as_(world.users.staff).patch(f"projects/calls/{pk}", {"title": "软科学研究"}).json()["title"] == "软科学研究"
    assert as_(world.users.staff).post(f"projects/calls/{pk}/close").status_code == 409
    assert as_(world.users.staff).post(f"projects/calls/{pk}/publish").json()["status"] == "published"
    assert as_(world.users.staff).post(f"projects/calls/{pk}/close").json()["status"] == "closed"


def test_applications_are_written_by_the_applicant_and_scoped(world, as_, call):
    org = as_(world.users.org_a)
    r = org.post("projects/applications", body(world, call))
    assert r.status_code == 201, r.json()
    got = r.json()
    assert got["answers"]["duration_months"] == 24 and got["answers"]["outputs"] == ["patent", "product"]
    assert got["budget"]["indirect"] == "100000.00" and got["partners"][0]["id"] == world.ent_b.pk
    assert "submit" in got["actions"]
    pk = got["id"]
    assert [a["id"] for a in as_(world.users.district_a).get("projects/applications").json()["items"]] == [pk]
    assert as_(world.users.staff).get("projects/applications", area="410311").json()["count"] == 0
    assert as_(world.users.expert).get("projects/applications").json()["count"] == 0
    assert as_(world.users.expert).get(f"projects/applications/{pk}").status_code == 404
    assert as_(None).get("projects/applications").status_code == 401
    assert as_(world.users.staff).post("projects/applications", body(world, call, title="局里代填")).status_code == 403
    assert as_(world.users.district_a).patch(f"projects/applications/{pk}", {"title": "区里改"}).status_code == 403
    r = org.patch(f"projects/applications/{pk}", {"answers": {**ANSWERS, "duration_months": 99, "nonsense": 1}})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert {d["field"] for d in detail} == {"duration_months", "nonsense"} and all(d["code"] == "application_incomplete" for d in detail)
    assert org.get(f"projects/applications/{pk}").json()["answers"]["duration_months"] == 24


def test_submission_refusals_list_every_problem_then_the_workflow_goes_on(world, as_, call, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    a = draft(world, call, world.person_a)
    org = as_(world.users.org_a)
    check = org.get(f"projects/applications/{a.pk}/check").json()
    assert not check["complete"] and {"attachment.proposal", "commitment"} <= {p["key"] for p in check["problems"]}
    assert any(c["code"] == "commitment" and not c["ok"] for c in check["eligibility"])
    r = org.post(f"projects/applications/{a.pk}/transitions", {"action": "submit"})
    assert r.status_code == 422 and {"attachment.proposal", "attachment.commitment", "commitment"} <= {
        d["field"] for d in r.json()["detail"]
    }
    url = f"/api/v1/projects/applications/{a.pk}/attachments"
    headers = org.headers
    for kind, upload, code in (
        ("proposal", SimpleUploadedFile("p.pdf", b"MZ\x90\x00"), "attachment_content"),
        ("proposal", SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n"), "attachment_kind"),
        ("lottery", SimpleUploadedFile("p.pdf", PDF), "attachment_unknown"),
        ("commitment", SimpleUploadedFile("c.pdf", PDF + b"0" * (10 * 1024 * 1024)), "attachment_size"),
    ):
        r = org.client.post(url, {"kind": kind, "file": upload}, headers=headers)
        assert r.status_code == 422 and r.json()["detail"][0]["code"] == code, (kind, r.json())
    assert not ApplicationAttachment.objects.exists()
    for kind in ("proposal", "commitment"):
        r = org.client.post(url, {"kind": kind, "file": SimpleUploadedFile(f"{kind}.pdf", PDF + kind.encode())}, headers=headers)
        assert r.status_code == 201
    files = org.get(f"projects/applications/{a.pk}/attachments").json()
    assert len(files) == 2 and len(files[0]["sha256"]) == 64
    r = org.get(f"projects/application-files/{files[0]['id']}")
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    assert as_(world.users.expert).get(f"projects/application-files/{files[0]['id']}").status_code == 404
    assert as_(world.users.district_a).post(f"projects/applications/{a.pk}/commitment").status_code == 403
    assert org.post(f"projects/applications/{a.pk}/commitment").status_code == 200
    assert org.post(f"projects/applications/{a.pk}/transitions", {"action": "submit"}).json()["status"] == "submitted"
    assert org.post(f"projects/applications/{a.pk}/commitment").status_code == 409
    district = as_(world.users.district_a)
    assert district.post(f"projects/applications/{a.pk}/transitions", {"action": "accept"}).status_code == 403
    r = district.post(f"projects/applications/{a.pk}/transitions", {"action": "return"})
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "reason_required"
    assert district.post(f"projects/applications/{a.pk}/transitions", {"action": "recommend"}).json()["status"] == "recommended"
    assert org.post(f"projects/applications/{a.pk}/transitions", {"action": "submit"}).status_code == 409
    events = org.get(f"projects/applications/{a.pk}/events").json()["items"]
    assert [e["transition"] for e in events] == ["create", "submit", "recommend"]
    assert org.delete(f"projects/applications/{a.pk}").status_code in (403, 404)
    assert Application.objects.filter(pk=a.pk).exists() and Call.objects.count() == 1


def test_integrity_records_are_the_bureaus(world, as_):
    record = {
        "person": world.person_a.pk,
        "finding": "数据造假",
        "sanction": "三年内不得申报",
        "scope": "applications",
        "starts_on": "2026-01-01",
        "ends_on": "2028-12-31",
        "source": "洛科〔2026〕1号",
    }
    assert as_(world.users.org_a).post("projects/integrity", record).status_code == 403
    r = as_(world.users.staff).post("projects/integrity", {**record, "ends_on": "2025-01-01"})
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "integrity_record"
    r = as_(world.users.staff).post("projects/integrity", {**record, "organization": world.ent_a.pk})
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "integrity_subject"
    r = as_(world.users.staff).post("projects/integrity", record)
    assert r.status_code == 201
    pk = r.json()["id"]
    assert as_(world.users.org_a).get("projects/integrity").json()["count"] == 0  # about a person, not the organization
    assert as_(world.users.district_a).get(f"projects/integrity/{pk}").status_code == 200
    assert as_(world.users.district_a).patch(f"projects/integrity/{pk}", {"sanction": "x"}).status_code == 403
    assert as_(world.users.staff).patch(f"projects/integrity/{pk}", {"sanction": "五年内不得申报"}).json()["sanction"] == "五年内不得申报"
    assert as_(world.users.staff).delete(f"projects/integrity/{pk}").status_code == 204
