"""The 产业技术地图 pages in Chinese: the chains, a chain's graph, a link's records within the user's scope, the
district map; the XLSX exports' contents; the bureau's manual attachments from the page; refusals."""

import io
import json
import re

import pytest
from openpyxl import load_workbook

from heluo.market.models import ChainAttachment
from tests.helpers import login
from tests.market.test_chains_selectors import make_chain_world


@pytest.fixture
def chain_world(world):
    return make_chain_world(world)


def page(client, user, url, status=200):
    response = login(client, user).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == status, response.content[:500]
    return response


def json_block(response, name):
    match = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', response.content.decode())
    return json.loads(match.group(1))


def workbook(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def test_the_chains_page_lists_each_chain_with_its_gaps(client, chain_world):
    text = page(client, chain_world.users.staff, "/market/chains/").content.decode()
    assert "产业技术地图" in text or "Industry technology maps" in text
    assert 'href="/market/chains/bearings/"' in text and "轴承" in text


def test_the_chain_page_draws_its_graph_from_json(client, chain_world):
    response = page(client, chain_world.users.district_a, "/market/chains/bearings/")
    graph = json_block(response, "chain-graph-data")
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert [n["id"] for n in graph["nodes"]] == ["steel", "precision", "smart"]
    assert nodes["precision"]["value"] == 4 and nodes["steel"]["gap"] and not nodes["precision"]["gap"]
    assert nodes["precision"]["url"] == "/market/chains/bearings/precision/"
    assert {"source": "steel", "target": "precision"} in graph["edges"]
    assert "vendor/echarts/echarts.min.js" in response.content.decode()


def test_the_chain_page_filters_by_district_and_kind(client, chain_world):
    graph = json_block(
        page(client, chain_world.users.staff, "/market/chains/bearings/?district=410311&kind=enterprise"), "chain-graph-data"
    )
    assert {n["id"]: n["value"] for n in graph["nodes"]} == {"steel": 0, "precision": 1, "smart": 1}
    # a district or kind that does not exist is ignored, never an error
    page(client, chain_world.users.staff, "/market/chains/bearings/?district=x%27%3E&kind=<b>")


def test_a_links_list_keeps_to_the_users_scope(client, chain_world):
    w = chain_world
    staff = page(client, w.users.staff, "/market/chains/bearings/precision/").content.decode()
    assert "甲企业" in staff and "乙未公开企业" in staff
    client.logout()
    district = page(client, w.users.district_a, "/market/chains/bearings/precision/").content.decode()
    assert "甲企业" in district and "乙未公开企业" not in district
    talents = page(client, w.users.district_a, "/market/chains/bearings/precision/?kind=talent").content.decode()
    assert "张三" in talents


def test_other_roles_are_refused_and_unknown_chains_are_404(client, chain_world):
    page(client, chain_world.users.org_a, "/market/chains/", 403)
    client.logout()
    page(client, chain_world.users.staff, "/market/chains/shipbuilding/", 404)
    page(client, chain_world.users.staff, "/market/chains/bearings/nowhere/", 404)


def test_the_chain_export_holds_its_links_and_districts(client, chain_world):
    book = workbook(page(client, chain_world.users.staff, "/market/chains/bearings/?export=xlsx"))
    links, districts = book.worksheets
    rows = [[c.value for c in row] for row in links.iter_rows()]
    header = rows.index(next(r for r in rows if r[1] == "环节代码" or r[1] == "Link code"))
    body = {r[1]: r for r in rows[header + 1 :]}
    assert body["precision"][4:7] == [2, 1, 1] and body["steel"][-1]
    assert any("示例" in str(r[0]) for r in rows[:header])
    by_district = {r[0].value: [c.value for c in r] for r in districts.iter_rows() if r[0].value in ("410305", "410311")}
    assert by_district["410305"][2:] == [0, 1, 0] and by_district["410311"][2:] == [0, 1, 1]


def test_the_link_export_is_the_users_list(client, chain_world):
    book = workbook(page(client, chain_world.users.district_a, "/market/chains/bearings/precision/?export=xlsx"))
    names = [row[0].value for row in book.active.iter_rows()]
    assert "甲企业" in names and "乙未公开企业" not in names


def test_the_map_colours_districts_by_attached_records(client, chain_world):
    response = page(client, chain_world.users.staff, "/market/chains/map/?cluster=bearings&link=precision&kind=enterprise")
    chart = json_block(response, "chain-map-data")
    assert {d["name"]: d["value"] for d in chart["data"]} == {"410305": 1, "410311": 1}
    assert chart["geojson"] == "/plan/map/luoyang.geojson"
    book = workbook(page(client, chain_world.users.staff, "/market/chains/map/?cluster=bearings&kind=platform&export=xlsx"))
    assert [[c.value for c in r] for r in book.active.iter_rows()][2:] == [["410305", "涧西区", "是", 1], ["410311", "洛龙区", "是", 0]]


def test_the_bureau_attaches_and_removes_an_enterprise_from_the_page(client, chain_world):
    w = chain_world
    login(client, w.users.staff)
    response = client.post("/market/chains/bearings/steel/attach/", {"organization": w.ent_b.uscc, "note": "供应轴承钢"}, follow=True)
    assert "乙企业" in response.content.decode()
    row = ChainAttachment.objects.get()
    assert (row.organization, row.created_by) == (w.ent_b, w.users.staff)
    assert "乙企业" in page(client, w.users.staff, "/market/chains/bearings/steel/").content.decode()
    response = client.post("/market/chains/bearings/steel/attach/", {"organization": "无此企业", "note": "x"}, follow=True)
    assert ChainAttachment.objects.count() == 1
    client.post(f"/market/chains/bearings/steel/detach/{row.pk}/")
    assert not ChainAttachment.objects.exists()


def test_district_staff_cannot_attach(client, chain_world):
    w = chain_world
    login(client, w.users.district_a)
    response = client.post("/market/chains/bearings/steel/attach/", {"organization": w.ent_a.uscc, "note": "x"})
    assert response.status_code == 403 and not ChainAttachment.objects.exists()


def test_the_cluster_filter_keeps_the_other_filters(client, chain_world):
    login(client, chain_world.users.staff)
    response = client.get("/market/chains/", {"cluster": "bearings", "district": "410305", "kind": "platform", "page": "9"})
    assert response.status_code == 302 and response["Location"] == "/market/chains/bearings/?district=410305&kind=platform"
    assert client.get("/market/chains/", {"cluster": "nowhere"}).status_code == 200


def test_a_links_page_names_its_rules(client, chain_world):
    text = page(client, chain_world.users.staff, "/market/chains/bearings/precision/").content.decode()
    assert "34 行业34" in text and "精密轴承" in text
