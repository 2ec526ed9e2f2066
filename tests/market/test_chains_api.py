"""/api/v1/market/chains: the list, a chain's links with counts, a link's records within the caller's scope; 403 for
anyone but staff, 404 for what does not exist, bounded parameters."""

import pytest

from tests.helpers import Api
from tests.market.test_chains_selectors import make_chain_world


@pytest.fixture
def chain_world(world):
    return make_chain_world(world)


def api(client, token_for, user):
    return Api(client, token_for(user) if user else {})


def test_the_list_gives_each_chain_with_its_totals(client, token_for, chain_world):
    response = api(client, token_for, chain_world.users.staff).get("market/chains")
    assert response.status_code == 200
    (chain,) = response.json()
    assert (chain["cluster"], chain["name_zh"], chain["link_count"], chain["gap_count"]) == ("bearings", "轴承", 3, 2)
    assert chain["counts"] == {"enterprise": 3, "platform": 1, "talent": 1, "achievement": 0, "demand": 0}
    assert chain["example_zh"] == "示例" and chain["source"]["section"] == "专栏六"


def test_the_detail_gives_links_by_stage_with_counts_and_gaps(client, token_for, chain_world):
    body = api(client, token_for, chain_world.users.district_a).get("market/chains/bearings").json()
    links = {link["code"]: link for link in body["links"]}
    assert [link["code"] for link in body["links"]] == ["steel", "precision", "smart"]
    # all staff see the city's counts
    assert links["precision"]["counts"] == {"enterprise": 2, "platform": 1, "talent": 1, "achievement": 0, "demand": 0}
    assert links["steel"]["gap"] and {"kind": "enterprise", "count": 0, "threshold": 2} in links["steel"]["gap_reasons"]
    assert links["steel"]["industries"] == ["31"] and body["rules"]["kinds"]["platform"]["weight"] == 3


def test_records_keep_to_the_callers_scope(client, token_for, chain_world):
    w = chain_world
    url = "market/chains/bearings/links/precision/records"
    staff = api(client, token_for, w.users.staff).get(url).json()
    assert staff["count"] == 2 and {i["name"] for i in staff["items"]} == {"甲企业", "乙未公开企业"}
    district = api(client, token_for, w.users.district_a).get(url).json()
    assert district == {"items": [{"id": w.ent_a.pk, "name": "甲企业", "area": "410305", "why": ["industry:34"]}], "count": 1}
    in_b = api(client, token_for, w.users.staff).get(url, district="410311", kind="enterprise").json()
    assert [i["name"] for i in in_b["items"]] == ["乙未公开企业"]
    paged = api(client, token_for, w.users.staff).get(url, limit=1, offset=1).json()
    assert paged["count"] == 2 and len(paged["items"]) == 1


@pytest.mark.parametrize("role", ["org_a", "expert"])
def test_anyone_but_staff_is_refused(client, token_for, chain_world, role):
    assert api(client, token_for, getattr(chain_world.users, role)).get("market/chains").status_code == 403
    assert api(client, token_for, getattr(chain_world.users, role)).get("market/chains/bearings").status_code == 403


def test_the_public_must_authenticate(client, chain_world):
    assert Api(client).get("market/chains").status_code == 401


@pytest.mark.parametrize(
    "path, params, status",
    [
        ("market/chains/shipbuilding", {}, 404),
        ("market/chains/bearings/links/nowhere/records", {}, 404),
        ("market/chains/bearings/links/precision/records", {"kind": "spaceship"}, 404),
        ("market/chains/bearings/links/precision/records", {"district": "999999"}, 404),
        ("market/chains/bearings/links/precision/records", {"limit": 501}, 422),
        ("market/chains/bearings/links/precision/records", {"offset": -1}, 422),
    ],
)
def test_what_does_not_exist_is_404_and_bounds_are_422(client, token_for, chain_world, path, params, status):
    assert api(client, token_for, chain_world.users.staff).get(path, **params).status_code == status
