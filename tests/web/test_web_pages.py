"""Forms, history, the ID-number reveal, language, tokens, the audit log, imports and exports in the web UI."""

import datetime as dt
import importlib.util
import re

import pytest
from django.urls import reverse

from heluo.core.codes import make_uscc
from heluo.core.models import ApiToken, ObjectChange, Role, SensitiveAccess
from heluo.orgs.models import Organization, Qualification
from heluo.platforms.models import Platform
from tests.helpers import login, make_user

from .test_web_scoping import page

HAS_EXPORTS = importlib.util.find_spec("heluo.core.exports") is not None
HAS_IMPORTS = importlib.util.find_spec("heluo.core.imports") is not None


def org_data(world, **extra):
    return {"name": "丙企业", "kind": "enterprise", "area": world.a.pk, "uscc": make_uscc("9", "1", "410305", "MA000009"), **extra}


def test_invalid_uscc_names_the_wrong_character(world, client):
    login(client, world.users.staff)
    good = make_uscc("9", "1", "410305", "MA000009")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = client.post(reverse("web:organization_add"), org_data(world, uscc=bad))
    html = response.content.decode()
    assert response.status_code == 200
    assert "第18位" in html and "character 18" in html
    assert not Organization.objects.filter(name="丙企业").exists()
    # full-width and lower-case input is folded, then accepted
    fullwidth = "".join(chr(ord(ch) + 0xFEE0) if ch.isalnum() else ch for ch in good.lower())
    response = client.post(reverse("web:organization_add"), org_data(world, uscc=fullwidth))
    assert response.status_code == 302
    assert Organization.objects.get(name="丙企业").uscc == good


def test_district_creates_only_in_its_areas(world, client):
    login(client, world.users.district_a)
    response = client.post(reverse("web:organization_add"), org_data(world, area=world.b.pk))
    assert response.status_code in (200, 403)
    assert not Organization.objects.filter(name="丙企业").exists()
    assert client.post(reverse("web:organization_add"), org_data(world, area=world.zone_in_a.pk)).status_code == 302


def test_edit_is_recorded_and_shown_in_history(world, client):
    login(client, world.users.district_a)
    url = reverse("web:organization_edit", args=[world.ent_a.pk])
    assert world.ent_a.uscc in page(client, url)
    response = client.post(url, org_data(world, name="甲企业（更名）", uscc=world.ent_a.uscc, founded_on="2015-01-01", is_published="on"))
    assert response.status_code == 302, response.content.decode()[:3000]
    change = ObjectChange.objects.get(object_id=world.ent_a.pk, action="update", content_type__model="organization")
    assert change.via == "web" and change.user == world.users.district_a
    html = page(client, reverse("web:organization_detail", args=[world.ent_a.pk]))
    history = html[html.index('id="history"') :]
    assert "甲企业（更名）" in history and "甲企业" in history and "district_a" in history
    assert "2015-01-01" in html  # dates as YYYY-MM-DD


def test_the_enterprise_form_shows_registry_fields_read_only(world, client):
    login(client, world.users.org_a)
    html = page(client, reverse("web:organization_edit", args=[world.ent_a.pk]))
    for name in ("name", "uscc", "kind", "area"):
        tag = re.search(rf'<[^>]+name="{name}"[^>]*>', html).group(0)
        assert "disabled" in tag, tag
    assert "disabled" not in re.search(r'<[^>]+name="phone"[^>]*>', html).group(0)
    data = org_data(world, name="别的名字", uscc=world.ent_a.uscc, phone="0379-1")
    assert client.post(reverse("web:organization_edit", args=[world.ent_a.pk]), data).status_code == 302
    world.ent_a.refresh_from_db()
    assert world.ent_a.name == "甲企业" and world.ent_a.phone == "0379-1"  # the read-only name was kept


def test_history_hidden_from_those_who_may_not_change(world, client):
    html = page(client, reverse("web:organization_detail", args=[world.ent_a.pk]))
    assert 'id="history"' not in html


def test_reveal_id_number_for_admin_is_logged(world, client):
    login(client, world.users.admin)
    html = page(client, reverse("web:person_detail", args=[world.person_a.pk]))
    assert world.person_a.masked_id_number in html and world.person_a.id_number not in html
    assert reverse("web:person_reveal", args=[world.person_a.pk]) in html
    response = client.post(reverse("web:person_reveal", args=[world.person_a.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200 and world.person_a.id_number in response.content.decode()
    assert SensitiveAccess.objects.filter(kind="id_number", object_id=world.person_a.pk, user=world.users.admin).count() == 1


def test_reveal_refused_for_staff(world, client):
    login(client, world.users.staff)
    html = page(client, reverse("web:person_detail", args=[world.person_a.pk]))
    assert reverse("web:person_reveal", args=[world.person_a.pk]) not in html
    response = client.post(reverse("web:person_reveal", args=[world.person_a.pk]))
    assert response.status_code == 403 and world.person_a.id_number not in response.content.decode()
    assert not SensitiveAccess.objects.filter(kind="id_number").exists()
    assert client.get(reverse("web:person_reveal", args=[world.person_a.pk])).status_code == 405


def test_expert_reveals_own_number(world, client):
    login(client, world.users.expert)
    response = client.post(reverse("web:person_reveal", args=[world.expert_person.pk]))
    assert response.status_code == 200 and world.expert_person.id_number in response.content.decode()


def test_chinese_by_default_english_after_set_language(world, client):
    html = page(client, reverse("web:home"))
    assert '<html lang="zh-hans">' in html and "机构" in html
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("web:organization_list")})
    assert response.status_code == 302
    html = page(client, reverse("web:organization_list"))
    assert '<html lang="en">' in html and "Organizations" in html
    assert "甲企业" in html  # data is shown as stored


def test_public_landing_counts(world, client):
    html = page(client, reverse("web:home"))
    counts = [int(x) for x in __import__("re").findall(r'class="stat-value">(\d+)<', html)]
    # published organizations 3, published platforms 1, valid high-tech enterprises 1 (乙企业's certificate runs to 2029-11-30)
    today = dt.date.today()
    hte = 1 if dt.date(2023, 12, 1) <= today <= dt.date(2029, 11, 30) else 0
    # then the programme apps' public figures (none of their records in this world)
    assert counts[:3] == [3, 1, hte] and not any(counts[3:])


def test_logged_in_overview_and_scope_label(world, client):
    login(client, world.users.district_a)
    html = page(client, reverse("web:home"))
    assert "涧西区" in html
    assert reverse("web:annual_list") in html


@pytest.mark.parametrize("who", ["admin", "staff", "district_a", "org_a", "expert", "anonymous"])
def test_every_page_renders_for_every_role(world, client, who):
    user = getattr(world.users, who)
    login(client, user)
    qual = Qualification.objects.get(organization=world.ent_b)
    public = [
        "web:home",
        "web:organization_list",
        "web:qualification_list",
        "web:platform_list",
        "web:area_list",
        "web:industry_list",
        "web:hitechfield_list",
        "web:cluster_list",
        "web:programme_list",
    ]
    for name in public:
        page(client, reverse(name))
    page(client, reverse("web:organization_detail", args=[world.ent_b.pk]))
    page(client, reverse("web:qualification_detail", args=[qual.pk]))
    page(client, reverse("web:platform_detail", args=[world.plat_a.pk]))
    page(client, reverse("web:area_detail", args=[world.a.pk]))
    if user is not None:
        for name in ("web:annual_list", "web:person_list", "web:account"):
            page(client, reverse(name))
        page(client, reverse("web:import_list"), status=403 if who == "expert" else 200)
        page(client, reverse("web:audit_log"), status=403)  # the audit administrator's (test_separation_of_duties)
        page(client, reverse("web:audit_reads"), status=403)
    if who in ("admin", "staff", "district_a"):
        for name in ("web:organization_add", "web:qualification_add", "web:annual_add", "web:platform_add", "web:person_add"):
            page(client, reverse(name))
        page(client, reverse("web:organization_edit", args=[world.ent_a.pk]))
        page(client, reverse("web:platform_edit", args=[world.plat_a.pk]))
        page(client, reverse("web:platform_status", args=[world.plat_a.pk]))
        page(client, reverse("web:person_detail", args=[world.person_a.pk]))
        page(client, reverse("web:person_edit", args=[world.person_a.pk]))


def test_platform_status_change_appears_in_history(world, client):
    login(client, world.users.district_a)
    url = reverse("web:platform_status", args=[world.plat_a.pk])
    assert client.post(url, {"status": "approved", "date": "2024-06-01", "document": "洛科〔2024〕1号"}).status_code == 302
    platform = Platform.objects.get(pk=world.plat_a.pk)
    assert platform.status == "approved" and platform.status_since == dt.date(2024, 6, 1)
    html = page(client, reverse("web:platform_detail", args=[world.plat_a.pk]))
    assert "洛科〔2024〕1号" in html and "2024-06-01" in html
    # another district's platform: 404 (unpublished) — nothing recorded
    assert (
        client.post(reverse("web:platform_status", args=[world.plat_b.pk]), {"status": "approved", "date": "2024-06-01"}).status_code == 404
    )


def test_platform_hosts_are_edited_by_name_or_code(world, client):
    login(client, world.users.staff)
    data = {
        "name": "新平台",
        "kind": "key_lab",
        "level": "municipal",
        "area": world.a.pk,
        "lead_host": world.ent_a.uscc,
        "partner_hosts": f"甲区高新企业\n{world.ent_b.uscc}",
        "is_published": "on",
    }
    response = client.post(reverse("web:platform_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    platform = Platform.objects.get(name="新平台")
    assert {(h.organization.name, h.role) for h in platform.host_links.all()} == {
        ("甲企业", "lead"),
        ("甲区高新企业", "partner"),
        ("乙企业", "partner"),
    }


def test_qualification_status_form(world, client):
    login(client, world.users.staff)
    qual = Qualification.objects.get(organization=world.ent_b)
    response = client.post(
        reverse("web:qualification_status", args=[qual.pk]), {"valid_to": "2026-11-30", "revoked_on": "2025-01-15", "note": "撤销"}
    )
    assert response.status_code == 302
    qual.refresh_from_db()
    assert qual.revoked_on == dt.date(2025, 1, 15)
    login(client, world.users.district_a)
    assert client.post(reverse("web:qualification_status", args=[qual.pk]), {"revoked_on": ""}).status_code == 403


def test_api_tokens_shown_once_and_revoked(world, client):
    login(client, world.users.org_a)
    response = client.post(reverse("web:account"), {"name": "脚本"})
    html = response.content.decode()
    token = ApiToken.objects.get(user=world.users.org_a)
    key = html.split('id="new-token">')[1].split("<")[0]
    assert ApiToken.authenticate(key) == token and not token.write_enabled
    assert key not in page(client, reverse("web:account"))
    other = ApiToken.issue(world.users.staff)[0]
    assert client.post(reverse("web:token_revoke", args=[other.pk])).status_code == 404
    assert client.post(reverse("web:token_revoke", args=[token.pk])).status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists() and ApiToken.objects.filter(pk=other.pk).exists()


def test_audit_log_for_the_audit_administrator(world, client):
    login(client, world.users.district_a)
    client.post(reverse("web:organization_edit", args=[world.ent_a.pk]), org_data(world, name="甲企业二", uscc=world.ent_a.uscc))
    login(client, world.users.admin)
    page(client, reverse("web:annual_list"))  # a logged read
    login(client, make_user("auditor", Role.AUDIT_ADMIN))
    html = page(client, reverse("web:audit_log") + "?user=district&action=update")
    assert "甲企业二" in html
    html = page(client, reverse("web:audit_reads") + "?kind=enterprise_financials")
    assert "enterprise_financials" in html


@pytest.mark.skipif(not HAS_EXPORTS, reason="heluo.core.exports is not there yet")
def test_export_is_the_filtered_list(world, client):
    import io

    import openpyxl

    login(client, world.users.district_a)
    assert "export=organizations" in page(client, reverse("web:organization_list"))
    response = client.get(reverse("web:organization_list") + f"?area={world.a.pk}&export=organizations")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    text = " ".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None)
    assert "甲企业" in text and "乙企业" not in text
    response = client.get(reverse("web:annual_list") + "?export=annual")
    text = " ".join(
        str(c.value)
        for ws in openpyxl.load_workbook(io.BytesIO(response.content)).worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    )
    assert "甲企业" in text and "乙企业" not in text


def test_export_needs_login_for_annual_data(world, client):
    response = client.get(reverse("web:annual_list") + "?export=annual")
    assert response.status_code == 302


def test_imports_page_renders_without_the_framework_or_with_it(world, client):
    login(client, world.users.staff)
    html = page(client, reverse("web:import_list"))
    assert ("<form" in html) if HAS_IMPORTS else ("not available" in html or "尚不可用" in html)


@pytest.mark.skipif(not HAS_IMPORTS, reason="heluo.core.imports is not there yet")
def test_import_job_page_polls_until_finished(world, client):
    from heluo.core.models import ImportJob

    login(client, world.users.staff)
    job = ImportJob.objects.create(
        kind="organizations", file_name="x.xlsx", user=world.users.staff, status="running", total_rows=10, done_rows=4
    )
    html = page(client, reverse("web:import_job", args=[job.pk]))
    assert 'hx-trigger="every 1s"' in html and "40%" in html
    job.status, job.done_rows = "failed", 10
    job.errors = [
        {
            "sheet": "机构",
            "row": 3,
            "column": "统一社会信用代码",
            "value": "X",
            "message_zh": "第18位校验码错误",
            "message_en": "character 18",
        }
    ]
    job.save()
    html = client.get(reverse("web:import_job", args=[job.pk]), headers={"HX-Request": "true"}).content.decode()
    assert "every 1s" not in html and "第18位校验码错误" in html and "<html" not in html
    login(client, world.users.district_a)
    page(client, reverse("web:import_job", args=[job.pk]), status=404)


@pytest.mark.skipif(not HAS_IMPORTS, reason="heluo.core.imports is not there yet")
def test_upload_starts_a_job_and_templates_download(world, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    from django.core.files.uploadedfile import SimpleUploadedFile

    from heluo.core.models import ImportJob

    login(client, world.users.staff)
    html = page(client, reverse("web:import_list"))
    assert reverse("web:import_template", args=["organizations"]) in html
    template = client.get(reverse("web:import_template", args=["organizations"]))
    assert template.status_code == 200 and template.content[:2] == b"PK"
    upload = SimpleUploadedFile("机构.xlsx", template.content)
    response = client.post(reverse("web:import_list"), {"kind": "organizations", "file": upload, "dry_run": "on"})
    assert response.status_code == 302
    job = ImportJob.objects.get(user=world.users.staff)
    assert job.dry_run and job.status in ("checked", "failed")
    html = page(client, response["Location"])
    assert "every 1s" not in html and "progress-bar" in html
    assert job.file_name in page(client, reverse("web:import_list"))
