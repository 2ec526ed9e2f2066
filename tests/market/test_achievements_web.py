"""The achievement pages: public pages show published ones only (and no private contacts), the list's filters, the
edit form's field rules and bounds, the workflow's buttons, uploads, the catalogue (Word and Excel) and the home page."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from heluo.market.models import Achievement
from heluo.orgs.forms import organization_label
from tests.helpers import login

from .achievement_rows import achievements


@pytest.fixture
def lib(world):
    return achievements(world)


def test_public_pages_show_published_only(world, lib, client):
    r = client.get("/market/achievements/")
    assert r.status_code == 200
    text = r.content.decode()
    assert "published成果" in text and "乙区已发布成果" in text and "draft成果" not in text and "submitted成果" not in text
    r = client.get(f"/market/achievements/{lib.published.pk}/")
    assert r.status_code == 200 and "0379-12345678" not in r.content.decode()
    for a in (lib.draft, lib.submitted, lib.reviewed, lib.withdrawn):
        assert client.get(f"/market/achievements/{a.pk}/").status_code == 404
    lib.published.contact_public = True
    lib.published.save()
    assert "0379-12345678" in client.get(f"/market/achievements/{lib.published.pk}/").content.decode()


def test_home_page_counts_and_links(world, lib, client):
    r = client.get("/market/")
    assert r.status_code == 200 and "/market/achievements/" in r.content.decode()
    login(client, world.users.staff)
    r = client.get("/market/")
    assert r.context["to_review"] == 3 and r.context["counts"]["published"] == 2


def test_list_filters_and_bad_filters(world, lib, client):
    login(client, world.users.staff)
    r = client.get("/market/achievements/", {"q": "乙区"})
    assert {a.title for a in r.context["page"].object_list} == {"乙区已发布成果", "乙区草稿", "乙区已提交"}
    assert client.get("/market/achievements/", {"trl_min": "99"}).status_code == 400


def form_data(world, **kw):
    data = {
        "title": "网页登记的成果",
        "organization": f"（#{world.ent_a.pk}）",
        "abstract": "摘要",
        "keywords": "甲、乙",
        "trl": "4",
        "modes": ["transfer"],
        "negotiable": "on",
        "contact_name": "赵工",
        "contact_phone": "123",
        "ip-TOTAL_FORMS": "1",
        "ip-INITIAL_FORMS": "0",
        "ip-MIN_NUM_FORMS": "0",
        "ip-MAX_NUM_FORMS": "50",
        "ip-0-kind": "invention",
        "ip-0-number": "ZL2024000001",
        "ip-0-title": "",
    }
    data.update(kw)
    return data


def test_register_edit_submit_by_enterprise(world, lib, client):
    login(client, world.users.org_a)
    assert f'value="{organization_label(world.ent_a)}"' in client.get("/market/achievements/new/").content.decode()  # its own
    r = client.post("/market/achievements/new/", form_data(world))
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    a = Achievement.objects.get(title="网页登记的成果")
    assert a.organization == world.ent_a and a.transfer_modes == "transfer" and a.ip_rights.get().number == "ZL2024000001"
    r = client.post(f"/market/achievements/{a.pk}/submit/")
    a.refresh_from_db()
    assert a.status == "submitted"
    assert client.get(f"/market/achievements/{a.pk}/edit/").status_code == 403
    r = client.post(f"/market/achievements/{a.pk}/publish/", follow=True)
    a.refresh_from_db()
    assert a.status == "submitted" and "只有市科技局工作人员可以发布" in r.content.decode()


@pytest.mark.parametrize(
    "bad", [{"trl": "10"}, {"trl": "x"}, {"title": "长" * 201}, {"price": "-5", "negotiable": ""}, {"modes": ["steal"]}]
)
def test_bad_form_input_is_4xx_with_reason(world, lib, client, bad):
    login(client, world.users.org_a)
    r = client.post("/market/achievements/new/", form_data(world, **bad))
    assert r.status_code == 422 and r.context["form"].errors
    assert not Achievement.objects.filter(title="网页登记的成果").exists()


def test_enterprise_cannot_register_for_another(world, lib, client):
    login(client, world.users.org_a)
    r = client.post("/market/achievements/new/", form_data(world, organization=f"（#{world.ent_b.pk}）"))
    assert r.status_code == 422
    assert not Achievement.objects.filter(title="网页登记的成果").exists()


def test_expert_and_public_cannot_register(world, lib, client):
    assert client.get("/market/achievements/new/").status_code == 302  # to sign-in
    login(client, world.users.expert)
    assert client.get("/market/achievements/new/").status_code == 403


def test_upload_refused_with_reason(world, lib, client, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    login(client, world.users.org_a)
    url = f"/market/achievements/{lib.draft.pk}/attach/"
    r = client.post(url, {"file": SimpleUploadedFile("x.exe", b"MZ")}, follow=True)
    assert "附件须为" in r.content.decode()
    client.post(url, {"file": SimpleUploadedFile("报告.pdf", b"%PDF-1.7 x")})
    att = lib.draft.attachments.get()
    assert client.get(f"/market/achievement-files/{att.pk}/").status_code == 200
    client.logout()
    assert client.get(f"/market/achievement-files/{att.pk}/").status_code == 404


def test_catalogue_word_and_excel(world, lib, client):
    lib.b_published.contact_public = True
    lib.b_published.title = "=cmd|' /C calc'!A0"
    lib.b_published.save()
    r = client.get("/market/achievements/catalogue/", {"format": "xlsx"})
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    header = rows.index([h for h in rows if h and h[0] == "序号"][0])
    body = rows[header + 1 :]
    assert {r[1] for r in body} == {"published成果", "=cmd|' /C calc'!A0"}
    assert all(isinstance(v, str) for r in body for v in r if v is not None)
    published = next(r for r in body if r[1] == "published成果")
    assert "0379-12345678" not in published and "面议" in published and "ZL202310000001.X" in published[9]
    assert "0379-12345678" in next(r for r in body if r[1] != "published成果")[12]  # made public by its owner
    formula_row = header + 1 + next(i for i, r in enumerate(body, 1) if r[1].startswith("="))
    assert ws.cell(row=formula_row, column=2).data_type == "s"  # text, never a live formula

    r = client.get("/market/achievements/catalogue/", {"format": "docx", "hitech_field": lib.tax.field.pk})
    assert r.status_code == 200
    doc = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "科技成果目录" in text and "published成果" in text and "calc" not in text and "draft成果" not in text
    assert "0379-12345678" not in text and "技术领域：先进制造与自动化" in text
    assert client.get("/market/achievements/catalogue/", {"format": "pdf"}).status_code == 400
    assert client.get("/market/achievements/catalogue/", {"published_from": "not a date"}).status_code == 400


def test_catalogue_survives_control_characters(world, lib, client):
    lib.published.abstract = "摘要\x0b含控制字符\x01"
    lib.published.save()
    for fmt in ("docx", "xlsx"):
        r = client.get("/market/achievements/catalogue/", {"format": fmt})
        assert r.status_code == 200
    doc = Document(
        io.BytesIO(r.content) if fmt == "docx" else io.BytesIO(client.get("/market/achievements/catalogue/", {"format": "docx"}).content)
    )
    assert "摘要含控制字符" in "\n".join(p.text for p in doc.paragraphs)


def test_catalogue_command_for_a_period(world, lib, tmp_path):
    import datetime as dt

    from django.core.management import call_command
    from django.core.management.base import CommandError

    old = lib.b_published
    old.published_at = old.published_at - dt.timedelta(days=400)
    old.save()
    out = io.StringIO()
    start = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    call_command("achievement_catalogue", "--from", start, "--output", str(tmp_path / "q.docx"), stdout=out)
    assert "1 项成果" in out.getvalue()
    text = "\n".join(p.text for p in Document(str(tmp_path / "q.docx")).paragraphs)
    assert "published成果" in text and "乙区已发布成果" not in text and f"发布时间：{start}" in text
    call_command("achievement_catalogue", "--field", "4", "--output", str(tmp_path / "f.xlsx"), stdout=io.StringIO())
    ws = openpyxl.load_workbook(tmp_path / "f.xlsx").active
    assert "乙区已发布成果" in [c.value for c in ws["B"]]
    with pytest.raises(CommandError):
        call_command("achievement_catalogue", "--field", "99", "--output", str(tmp_path / "x.docx"))


@pytest.mark.parametrize(
    "who, sees, hidden",
    [
        (None, ["/market/achievements/", "/market/demands/"], ["/market/contracts/", "/market/chains/", "/market/campaigns/"]),
        ("org_a", ["/market/contracts/", "/market/campaigns/"], ["/market/chains/"]),
        ("staff", ["/market/contracts/", "/market/campaigns/", "/market/chains/", "/market/chains/map/"], []),
    ],
)
def test_the_market_home_leads_each_role_to_the_parts_it_may_open(world, client, who, sees, hidden):
    login(client, getattr(world.users, who) if who else None)
    page = client.get("/market/").content.decode()
    for path in sees:
        assert f'href="{path}"' in page
        assert client.get(path).status_code in (200, 302), path  # the map sends to the list while no chain is loaded
    for path in hidden:
        assert f'href="{path}"' not in page
