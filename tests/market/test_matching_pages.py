"""Suggestions (issue 12, matching) on the demand page and the API: they appear and explain themselves (shared terms
marked, filters matched), stay in the caller's scope, follow a changed achievement without a full rebuild, and
refuse hostile parameters with a reason."""

import pytest

from heluo.market.models import Achievement
from heluo.market.selectors import matching
from tests.helpers import login
from tests.market import demands_world

from .achievement_rows import make, taxonomy

market = demands_world.market  # the fixture


@pytest.fixture
def lib(market):
    matching.forget()
    world = market.world
    tax = taxonomy(world)
    rows = {
        "bearing": make(world, tax, status="published", title="轴承寿命预测模型", abstract="基于振动信号的轴承寿命预测与在线监测方案。"),
        "paint": make(
            world, tax, status="published", title="水性涂料配方", abstract="低气味水性涂料。", keywords="涂料", trl=3, cluster=None
        ),
        "draft": make(world, tax, status="draft", title="轴承寿命草稿", abstract="轴承寿命预测草稿。"),
    }
    yield tax, rows
    matching.forget()


def page(client, market, demand, user=None, **params):
    if user:
        login(client, user)
    r = client.get(f"/market/demands/{demand.pk}/", params)
    assert r.status_code == 200
    return r


def test_demand_page_suggests_and_explains(client, market, lib):
    tax, rows = lib
    r = page(client, market, market.d.a_public, market.users.staff)
    items = r.context["suggestions"]["achievements"]
    assert [i["s"].id for i in items][:1] == [rows["bearing"].pk]
    assert rows["draft"].pk not in [i["s"].id for i in items]
    html = r.content.decode()
    assert "<mark>轴承</mark>" in html or "<mark>轴承寿命</mark>" in html
    experts = r.context["suggestions"]["experts"]
    assert [i["s"].obj.person_id for i in experts] == [market.world.expert_person.pk]


def test_filters_narrow_and_are_reported(client, market, lib):
    tax, rows = lib
    r = page(client, market, market.d.a_public, market.users.staff, cluster=tax.cluster.pk, trl_min=5)
    items = r.context["suggestions"]["achievements"]
    assert [i["s"].id for i in items] == [rows["bearing"].pk]
    labels = dict(items[0]["filters"])
    assert set(labels) == {"Cluster", "TRL"} or len(labels) == 2
    r = page(client, market, market.d.a_public, trl_min="x", trl_max="99")
    assert r.context["suggestion_form"].errors


def test_marks_escape_data(client, market, lib):
    tax, rows = lib
    Achievement.objects.filter(pk=rows["bearing"].pk).update(title="<script>alert(1)</script>轴承寿命")
    html = page(client, market, market.d.a_public, market.users.staff).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_scope(client, market, lib):
    # the public gets no experts (the pool is not public); a district sees experts of its own area only
    r = page(client, market, market.d.a_public)
    assert r.context["suggestions"]["experts"] == []
    assert r.context["suggestions"]["achievements"]
    client.logout()
    r = page(client, market, market.d.a_public, market.users.district_a)
    assert r.context["suggestions"]["experts"] == []  # the expert's employer is in district B
    # a bureau-only demand's page is not another party's to see, nor its suggestions
    login(client, market.users.org_b)
    assert client.get(f"/market/demands/{market.d.a_bureau.pk}/").status_code == 404
    assert client.get(f"/api/v1/market/demands/{market.d.a_bureau.pk}/suggestions").status_code in (401, 404)


def test_changed_achievement_found_without_rebuild(market, lib):
    tax, rows = lib
    staff = market.users.staff
    assert matching.suggest(staff, "achievements", "水性涂料")
    kept = matching.kept_state("achievements")
    before = kept.rebuilds
    rows["paint"].title = "齿轮箱降噪"
    rows["paint"].save()  # an audited write: a new change record, a new stamp
    make(market.world, tax, status="published", title="齿轮箱故障诊断", abstract="齿轮箱。")
    found = {s.id for s in matching.suggest(staff, "achievements", "齿轮箱")}
    assert rows["paint"].pk in found and len(found) == 2
    assert matching.kept_state("achievements").rebuilds == before and matching.kept_state("achievements").upserts >= 2
    rows["paint"].status = "withdrawn"
    rows["paint"].save()
    assert rows["paint"].pk not in {s.id for s in matching.suggest(staff, "achievements", "齿轮箱")}


def test_api(client, market, lib, token_for):
    tax, rows = lib
    url = f"/api/v1/market/demands/{market.d.a_public.pk}/suggestions"
    r = client.get(url)
    assert r.status_code == 200, r.content
    first = r.json()[0]
    assert first["id"] == rows["bearing"].pk and first["terms"] and first["spans"][0]["field"] in ("title", "abstract", "keywords")
    assert client.get(url, {"kind": "experts"}).json() == []
    auth = token_for(market.users.staff)
    assert len(client.get(url, {"kind": "experts"}, headers=auth).json()) == 1
    r = client.get(url, {"cluster": tax.cluster.code, "trl_min": 5}, headers=auth)
    assert [i["id"] for i in r.json()] == [rows["bearing"].pk] and set(r.json()[0]["filters"]) == {"cluster", "maturity"}
    for bad in ({"limit": 100000}, {"limit": "x"}, {"trl_min": 0}, {"kind": "enterprises"}, {"cluster": "nope"}):
        r = client.get(url, bad)
        assert r.status_code == 422, (bad, r.status_code)


def test_enterprises_for_an_achievement(client, market, lib, token_for):
    tax, rows = lib
    w = market.world
    w.ent_b.clusters.add(tax.cluster)
    url = f"/market/achievements/{rows['bearing'].pk}/"
    # the public and another enterprise get no panel: enterprises are not public
    assert "suggestions" not in client.get(url).context
    login(client, market.users.org_b)
    assert "suggestions" not in client.get(url).context
    client.logout()
    login(client, market.users.staff)
    r = client.get(url)
    items = r.context["suggestions"]["enterprises"]
    names = [i["s"].label for i in items]
    # both have published public demands on bearings (轴承寿命预测…); 乙 is also in the bearing cluster
    assert names[:2] == ["乙企业", "甲企业"] and "甲区高新企业" not in names
    assert any(dict(i["fields"]) for i in items)
    html = r.content.decode()
    # a bureau-only or matched-parties demand's text is never indexed: not in the explanation
    assert "仅科技局可见需求" not in html and "对接方可见需求" not in html
    api = f"/api/v1/market/achievements/{rows['bearing'].pk}/suggestions"
    assert client.get(api).status_code == 403
    r = client.get(api, {"cluster": tax.cluster.code}, headers=token_for(market.users.staff))
    assert [i["label"] for i in r.json()] == ["乙企业"], r.json()
    # a district sees enterprises of its scope only (published ones and its own area's)
    hidden = matching.suggest(market.users.district_a, "enterprises", "轴承")
    assert w.hidden_b.pk not in {s.id for s in hidden}
