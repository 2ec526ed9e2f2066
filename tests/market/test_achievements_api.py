"""/api/v1/market/achievements: the same scoping, field rules and workflow as the pages, with the API's errors."""

import pytest

from heluo.market.models import Achievement, AchievementEvent
from tests.helpers import Api

from .achievement_rows import achievements

URL = "market/achievements"


@pytest.fixture
def lib(world):
    return achievements(world)


@pytest.fixture
def api(client, token_for):
    return lambda user=None: Api(client, token_for(user) if user else {})


def body(**kw):
    b = {
        "title": "一种轴承寿命预测方法",
        "abstract": "基于振动信号的寿命预测。",
        "keywords": ["轴承", "寿命预测"],
        "hitech_field": "8.4",
        "industry": "34",
        "cluster": "bearing",
        "trl": 5,
        "transfer_modes": ["license", "joint_development"],
        "negotiable": True,
        "contact_name": "李工",
        "contact_phone": "0379-1",
        "ip_rights": [{"kind": "invention", "number": "ZL2023100000011"}],
    }
    b.update(kw)
    return b


def test_anonymous_lists_published_only_without_private_contacts(world, lib, api):
    r = api().get(URL)
    assert r.status_code == 200
    items = r.json()["items"]
    assert {i["title"] for i in items} == {"published成果", "乙区已发布成果"}
    assert all(i["contact_phone"] is None and i["contact_name"] is None for i in items)
    assert api().get(f"{URL}/{lib.draft.pk}").status_code == 404
    assert api().get(f"{URL}/{lib.published.pk}/events").status_code == 401


def test_scoped_lists(world, lib, api):
    def seen(user):
        return {i["id"] for i in api(user).get(URL, limit=500).json()["items"]}

    assert seen(world.users.staff) == set(Achievement.objects.values_list("pk", flat=True))
    assert lib.draft.pk in seen(world.users.org_a) and lib.b_draft.pk not in seen(world.users.org_a)
    assert lib.submitted.pk in seen(world.users.district_a) and lib.draft.pk not in seen(world.users.district_a)
    assert seen(world.users.expert) == {lib.published.pk, lib.b_published.pk}
    own = api(world.users.org_a).get(f"{URL}/{lib.published.pk}").json()
    assert own["contact_phone"] == "0379-12345678"


def test_filters_and_bad_filters(world, lib, api):
    r = api(world.users.staff).get(URL, hitech_field="4")
    assert {i["title"] for i in r.json()["items"]} == {"乙区已发布成果"}
    assert api(world.users.staff).get(URL, area="410311", status="draft").json()["count"] == 1
    assert api().get(URL, trl_min=12).status_code == 422
    assert api().get(URL, hitech_field="nope").status_code == 422


def test_create_update_and_workflow(world, lib, api):
    org = api(world.users.org_a)
    r = org.post(URL, body())
    assert r.status_code == 201, r.content
    a = r.json()
    assert a["status"] == "draft" and a["organization"]["id"] == world.ent_a.pk
    assert a["keywords"] == ["轴承", "寿命预测"] and a["ip_rights"][0]["number"] == "ZL2023100000011"
    assert "submit" in a["actions"]
    r = org.patch(f"{URL}/{a['id']}", {"trl": 6})
    assert r.status_code == 200 and r.json()["trl"] == 6
    r = org.post(f"{URL}/{a['id']}/transitions", {"action": "submit"})
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    # submitted: the enterprise may no longer change it
    assert org.patch(f"{URL}/{a['id']}", {"trl": 7}).status_code == 403
    r = org.post(f"{URL}/{a['id']}/transitions", {"action": "publish"})
    assert r.status_code == 403 and r.json()["detail"][0]["code"] == "not_allowed"  # the bureau's step, whatever the state
    r = org.post(f"{URL}/{a['id']}/transitions", {"action": "submit"})
    assert r.status_code == 409 and r.json()["detail"][0]["code"] == "wrong_state"
    assert api(world.users.district_a).post(f"{URL}/{a['id']}/transitions", {"action": "review"}).status_code == 200
    r = api(world.users.district_a).post(f"{URL}/{a['id']}/transitions", {"action": "publish"})
    assert r.status_code == 403 and r.json()["detail"][0]["code"] == "not_allowed"
    r = api(world.users.staff).post(f"{URL}/{a['id']}/transitions", {"action": "return"})
    assert r.status_code == 422 and r.json()["detail"][0]["zh"]
    assert api(world.users.staff).post(f"{URL}/{a['id']}/transitions", {"action": "publish"}).status_code == 200
    assert api().get(f"{URL}/{a['id']}").json()["status"] == "published"
    events = api(world.users.org_a).get(f"{URL}/{a['id']}/events").json()
    assert [e["transition"] for e in events] == ["submit", "review", "publish"]
    assert AchievementEvent.objects.filter(achievement_id=a["id"], via="api").count() == 3


def test_hostile_input(world, lib, api):
    org = api(world.users.org_a)
    for bad in (
        {"trl": 0},
        {"trl": 10},
        {"trl": "九"},
        {"title": "x" * 201},
        {"price": -1, "negotiable": False},
        {"price": "1e30", "negotiable": False},
        {"transfer_modes": ["steal"]},
        {"hitech_field": "99"},
        {"ip_rights": [{"kind": "nonsense", "number": "1"}]},
        {"ip_rights": [{"kind": "invention", "number": ""}]},
        {"organization": world.ent_b.pk},
        {"keywords": ["k"] * 21},
    ):
        r = org.post(URL, body(**bad))
        assert r.status_code in (403, 422), (bad, r.status_code, r.content)
        assert r.json()["detail"]
    assert api().post(URL, body()).status_code == 401
    assert Achievement.objects.filter(title="一种轴承寿命预测方法").count() == 0


def test_attachment_upload_checked(world, lib, api, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    from django.core.files.uploadedfile import SimpleUploadedFile

    org = api(world.users.org_a)
    url = f"/api/v1/{URL}/{lib.draft.pk}/attachments"
    r = org.client.post(url, {"file": SimpleUploadedFile("报告.pdf", b"%PDF-1.4 x")}, headers=org.headers)
    assert r.status_code == 201, r.content
    r = org.client.post(url, {"file": SimpleUploadedFile("报告.pdf", b"MZ\x90\x00")}, headers=org.headers)
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "attachment_content"
    assert api().get(f"{URL}/{lib.draft.pk}/attachments").status_code == 404


def test_list_queries_do_not_grow_with_rows(world, lib, api, django_assert_max_num_queries):
    from .achievement_rows import make

    for i in range(30):
        make(world, lib.tax, title=f"批量{i}", status="published")
    client = api(world.users.org_a)
    with django_assert_max_num_queries(12):
        r = client.get(URL, limit=100)
    assert r.json()["count"] == 36
