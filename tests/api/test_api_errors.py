"""The API's error answers where the fuzzer (test_schemathesis.py) found them missing: bad query input is a 422,
never a 500; a path that names no operation is the API's JSON 404; and every operation's document declares the
errors it can answer."""

import pytest

from tests.helpers import Api

pytestmark = pytest.mark.urls("heluo.urls")  # the site's URLs: the JSON 404 stands behind the API's own


def test_a_blank_code_filter_filters_nothing(world, as_):
    # was a 500: ?area= (a blank code) reached `.pk` of no row
    staff = as_(world.users.staff)
    everything = staff.get("organizations").json()["count"]
    for params in ({"area": ""}, {"industry": ""}, {"area": ["", "410305"]}):
        r = staff.get("organizations", **params)
        assert r.status_code == 200, (params, r.content)
    assert staff.get("organizations", area="").json()["count"] == everything
    assert {o["area"]["code"] for o in staff.get("organizations", area=["", "410305"]).json()["items"]} <= {"410305", "410371"}


def test_an_offset_past_the_databases_integers_is_a_422(world, as_):
    # was a 500 on PostgreSQL (bigint out of range) and a 409 on SQLite (an overflow taken for a conflict)
    r = as_(world.users.admin).get("organizations", offset=10**21)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "offset"


def test_a_date_parameter_is_an_iso_date(world, as_):
    # pydantic read ?valid_on=0 as the Unix time 0 (1970-01-01)
    api = as_(None)
    r = api.get("qualifications", valid_on="0")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "valid_on"
    assert "YYYY-MM-DD" in r.json()["detail"][0]["message"]
    assert api.get("qualifications", valid_on="2024-06-01").status_code == 200


def test_a_path_naming_no_operation_is_a_json_404(world, client, token_for):
    api = Api(client, token_for(world.users.admin))
    for r in (api.get("organizations/abc"), api.delete("people/x%0Ay"), api.post("no-such-thing", {})):
        assert r.status_code == 404 and r["Content-Type"].startswith("application/json")
        assert r.json() == {"detail": "未找到 / Not found."}


def test_every_operation_documents_its_errors(client, db):
    doc = client.get("/api/v1/openapi.json").json()
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert "401" in codes, (method, path)
            if [p for p in operation.get("parameters", []) if p["in"] != "header"] or "requestBody" in operation:
                assert "422" in codes, (method, path, codes)
            if "{" in path:
                assert "404" in codes, (method, path, codes)
            if method != "get":
                assert {"403", "409"} <= codes or path.startswith("/api/v1/partner/"), (method, path, codes)
    invalid = doc["paths"]["/api/v1/organizations"]["get"]["responses"]["422"]["content"]["application/json"]["schema"]
    assert invalid == {"$ref": "#/components/schemas/Invalid"}


def test_the_nul_character_is_refused_before_the_database(world, as_):
    # was a 500 on PostgreSQL, which cannot hold U+0000 (found in a query parameter and in a body's area code)
    staff = as_(world.users.staff)
    r = staff.get("organizations", q="a\x00b")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "q" and "U+0000" in r.json()["detail"][0]["message"]
    r = staff.post("organizations", {"name": "新企业", "area": "\x00410305"})
    assert r.status_code == 400
    assert staff.get("organizations", q="ab").status_code == 200
