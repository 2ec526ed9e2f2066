"""Achievements and technology demands on the industry chains (selectors.chain_sources): published ones attach to
their links by cluster, industry, field and keyword and count for all staff, weighed by the city's rules; the link
lists, every export and the API keep to restrict(user, VIEW), so a confidential demand's title reaches no one who
may not see it; the kept counts follow changes of achievements, demands and their organizations."""

import json
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from heluo.core.models import Role
from heluo.core.permissions import VIEW
from heluo.market.models import Achievement, Demand, IndustryChain
from heluo.market.selectors import chains as sel
from heluo.taxonomy.models import Industry
from tests.conftest import make_world
from tests.helpers import Api, login, make_user
from tests.market.test_chains_engine import DATA
from tests.market.test_chains_selectors import keys, make_chain_world
from tests.market.test_chains_web import json_block, workbook

SECRET = "绝密轴承钢冶炼工艺需求"
LINKS = ("steel", "precision", "smart")
MODELS = {"achievement": Achievement, "demand": Demand}


def achievement(org, title, status="published", **kw):
    kw.setdefault("abstract", "成果摘要")
    return Achievement.objects.create(title=title, trl=6, organization=org, status=status, **kw)


def demand(enterprise, title, confidentiality="public", status="published", **kw):
    kw.setdefault("problem", "需要解决的问题")
    return Demand.objects.create(
        enterprise=enterprise, title=title, cooperation_mode="joint_development", confidentiality=confidentiality, status=status, **kw
    )


def make_market_world(world):
    """The chain world under the city's rules file, with achievements and demands: each link gets some by another
    rule; the unpublished ones, one outside the cluster and one of the cluster on no link do not count there."""
    w = make_chain_world(world)
    IndustryChain.objects.update(rules=json.loads((DATA / "rules.json").read_text()))
    w.chain.refresh_from_db()
    i31, i34 = Industry.objects.get(code="31"), Industry.objects.get(code="34")
    w.ach = SimpleNamespace(
        by_industry=achievement(w.ent_a, "高速主轴单元", cluster=w.bearings, industry=i34),  # precision
        by_abstract=achievement(w.ent_a2, "超精加工", abstract="用于精密轴承的超精加工方法"),  # precision
        by_keywords=achievement(w.ent_b, "渗碳工艺", keywords="轴承钢、热处理"),  # steel
        unplaced=achievement(w.ent_a, "轴承检测方法", cluster=w.bearings),
        no_cluster=achievement(w.ent_a, "风机主轴", industry=i34),  # 34 spans clusters: not without bearings
        submitted=achievement(w.ent_a, "未发布的精密轴承成果", status="submitted", cluster=w.bearings, industry=i34),
    )
    w.dem = SimpleNamespace(
        public=demand(w.ent_b, "智能轴承状态监测需求"),  # smart
        secret=demand(w.ent_b, SECRET, "bureau", cluster=w.bearings, industry=i31),  # steel, district B, bureau only
        matched=demand(w.ent_a, "精密轴承寿命预测", "matched"),  # precision, district A
        draft=demand(w.ent_a, "草稿精密轴承需求", status="draft", cluster=w.bearings, industry=i34),
    )
    w.users.district_b = make_user("district_b", Role.DISTRICT_STAFF, areas=[w.b])
    w.users.org_b = make_user("org_b", Role.ORG_USER, organization=w.ent_b)
    return w


@pytest.fixture
def market_world(world):
    return make_market_world(world)


def test_published_achievements_and_demands_attach_to_their_links(market_world):
    w = market_world
    result = sel.result_for(w.users.staff, w.chain)
    assert result.kinds[-2:] == ("achievement", "demand")
    assert keys(result, "precision", "achievement") == {w.ach.by_industry.pk, w.ach.by_abstract.pk}
    assert keys(result, "steel", "achievement") == {w.ach.by_keywords.pk}
    assert keys(result, "smart", "achievement") == set()
    assert (keys(result, "steel", "demand"), keys(result, "precision", "demand")) == ({w.dem.secret.pk}, {w.dem.matched.pk})
    assert keys(result, "smart", "demand") == {w.dem.public.pk}
    why = {a.key: a.why for link in result.links.values() for a in link.records["achievement"]}
    assert why[w.ach.by_abstract.pk] == ("keyword:精密轴承",) and why[w.ach.by_keywords.pk] == ("keyword:轴承钢",)
    secret = result.links["steel"].records["demand"][0]
    assert (secret.area, secret.why) == ("410311", ("keyword:轴承钢", "industry:31"))  # the posting enterprise's area
    assert result.unplaced["achievement"] == 1 and result.unplaced["demand"] == 0


def test_the_city_rules_weigh_them_and_set_their_gaps(market_world):
    w = market_world
    rules = sel.rules_of(w.chain)
    assert (rules.kinds["achievement"].weight, rules.kinds["achievement"].gap_below, rules.kinds["demand"].gap_below) == (2, 1, 0)
    links = sel.result_for(w.users.staff, w.chain).links
    assert ("achievement", 0, 1) in links["smart"].gap_reasons
    assert not [r for link in links.values() for r in link.gap_reasons if r[0] == "demand"]  # gap_below 0: never a gap
    # enterprise 2/10·1, platform 1/2·3, talent 1/5·1, achievement 2/5·2, demand 1/3·1, over the weights (8)
    assert links["precision"].score == 37.9


def test_lists_are_what_restrict_gives_while_counts_are_the_citys(market_world):
    w = market_world
    result = sel.result_for(w.users.district_a, w.chain)
    assert result.links["steel"].counts["demand"] == 1  # the confidential demand is counted for every district
    for user in (w.users.staff, w.users.district_a, w.users.district_b):
        for kind, model in MODELS.items():
            visible = set(model.objects.restrict(user, VIEW).values_list("pk", flat=True))
            for link in LINKS:
                listed = {a.key for a in sel.link_records(user, result, link, kind)}
                assert listed == keys(result, link, kind) & visible, (user, kind, link)
    listed = lambda user, link: {a.key for a in sel.link_records(user, result, link, "demand")}  # noqa: E731
    assert listed(w.users.district_a, "steel") == set() and listed(w.users.district_b, "steel") == {w.dem.secret.pk}
    assert listed(w.users.district_a, "precision") == {w.dem.matched.pk}  # its own enterprise's, matched parties only
    assert listed(w.users.district_b, "precision") == set()
    in_a = sel.district_area_codes("410305")
    assert {a.key for a in sel.link_records(w.users.staff, result, "precision", "achievement", areas=in_a)} == {
        w.ach.by_industry.pk,
        w.ach.by_abstract.pk,  # ent_a2 sits in the zone within district A
    }


def cells(response) -> str:
    return " ".join(str(c.value) for sheet in workbook(response).worksheets for row in sheet.iter_rows() for c in row)


CHAIN_PAGES = [
    "/market/chains/",
    "/market/chains/bearings/",
    "/market/chains/bearings/?kind=demand&district=410311",
    "/market/chains/map/?cluster=bearings&link=steel&kind=demand",
    *[f"/market/chains/bearings/{link}/?kind=demand" for link in LINKS],
    *[f"/market/chains/bearings/{link}/?kind=demand&district=410311" for link in LINKS],
]


def test_a_confidential_demands_title_is_on_no_page_or_workbook_of_who_may_not_see_it(client, market_world):
    w = market_world
    login(client, w.users.district_a)
    for url in CHAIN_PAGES:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200 and SECRET not in response.content.decode(), url
        book = client.get(url + ("&" if "?" in url else "?") + "export=xlsx")
        assert book.status_code == 200 and SECRET not in cells(book), url
    for user in (w.users.org_a, w.users.org_b):  # enterprises, its owner too: the chain pages are the staff's
        login(client, user)
        for url in CHAIN_PAGES:
            response = client.get(url)
            assert response.status_code == 403 and SECRET not in response.content.decode(), url
    login(client, w.users.district_b)  # the posting enterprise's district sees it, with its link to the demand
    text = client.get("/market/chains/bearings/steel/?kind=demand").content.decode()
    assert SECRET in text and f'href="/market/demands/{w.dem.secret.pk}/"' in text
    assert SECRET in cells(client.get("/market/chains/bearings/steel/?kind=demand&export=xlsx"))


def test_the_api_lists_a_confidential_demand_only_to_who_may_see_it(client, token_for, market_world):
    w = market_world
    url = "market/chains/bearings/links/steel/records"

    def get(user, **params):
        return Api(client, token_for(user)).get(url, kind="demand", **params)

    assert get(w.users.district_a).json() == {"items": [], "count": 0}
    assert get(w.users.district_a, district="410311").json() == {"items": [], "count": 0}
    for user in (w.users.org_a, w.users.org_b):
        response = get(user)
        assert response.status_code == 403 and SECRET not in response.content.decode()
    for user in (w.users.district_b, w.users.staff):
        assert get(user).json()["items"] == [
            {"id": w.dem.secret.pk, "name": SECRET, "area": "410311", "why": ["keyword:轴承钢", "industry:31"]}
        ]
    detail = Api(client, token_for(w.users.district_a)).get("market/chains/bearings").json()
    steel = next(link for link in detail["links"] if link["code"] == "steel")
    assert steel["counts"]["demand"] == 1 and SECRET not in json.dumps(detail, ensure_ascii=False)


def test_the_pages_show_the_new_kinds(client, market_world):
    w = market_world
    login(client, w.users.district_a)
    text = client.get("/market/chains/bearings/precision/?kind=achievement", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "高速主轴单元" in text and f'href="/market/achievements/{w.ach.by_industry.pk}/"' in text
    assert "未发布的精密轴承成果" not in text  # submitted: not on the chain, though district A may see it
    assert "kind=demand" in text  # a tab per kind
    chart = json_block(client.get("/market/chains/map/?cluster=bearings&kind=achievement"), "chain-map-data")
    assert {d["name"]: d["value"] for d in chart["data"]} == {"410305": 2, "410311": 1}
    chart = json_block(client.get("/market/chains/map/?cluster=bearings&kind=demand"), "chain-map-data")
    assert {d["name"]: d["value"] for d in chart["data"]} == {"410305": 1, "410311": 2}
    rows = [[c.value for c in r] for r in workbook(client.get("/market/chains/?export=xlsx")).active.iter_rows()]
    header = rows.index(next(r for r in rows if "环节代码" in r))
    body = {r[2]: r for r in rows[header + 1 :]}
    assert rows[header][8:10] == ["科技成果", "技术需求"] and body["precision"][8:10] == [2, 1]
    assert "科技成果 0，少于 1" in body["smart"][-1]


@pytest.fixture
def committed(transactional_db):
    cache.clear()
    yield make_market_world(make_world())
    cache.clear()


def test_kept_counts_follow_achievements_demands_and_their_organizations(committed, monkeypatch):
    w = committed
    computed = []
    compute = sel._compute_all
    monkeypatch.setattr(sel, "_compute_all", lambda: computed.append(1) or compute())
    sel.results(), sel.results()
    assert len(computed) == 1  # kept while nothing changes
    w.dem.draft.status = "published"
    w.dem.draft.save()
    assert w.dem.draft.pk in keys(sel.results()["bearings"], "precision", "demand") and len(computed) == 2
    w.ach.submitted.status = "published"
    w.ach.submitted.save()
    assert w.ach.submitted.pk in keys(sel.results()["bearings"], "precision", "achievement") and len(computed) == 3
    w.ent_b.area = w.a
    w.ent_b.save()
    moved = {a.key: a.area for a in sel.results()["bearings"].links["steel"].records["achievement"]}
    assert moved == {w.ach.by_keywords.pk: "410305"}
