"""A NUL character in a path or a page's query string is a 400 with its reason, on either database (PostgreSQL
cannot hold one: without the check such a request reached the database and failed there)."""

import pytest

from heluo.core.middleware import NUL


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/areas/a%00b",
        "/api/v1/industries/a%00b",
        "/api/v1/hitech-fields/%00",
        "/api/v1/talent-programmes/%00",
        "/api/v1/plan/indicators/%00/observations",
        "/api/v1/cultivation/pools/%00/members",
    ],
)
def test_api_path_with_nul_is_refused(client, url):
    r = client.get(url)
    assert r.status_code == 400
    assert r.json() == {"detail": NUL}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/%00", "/orgs/?q=a%00b", "/orgs/?a%00=1"])
def test_page_with_nul_is_refused(client, url):
    r = client.get(url)
    assert r.status_code == 400
    assert NUL in r.content.decode()


@pytest.mark.django_db
def test_api_query_string_keeps_its_422(client):
    r = client.get("/api/v1/areas/?q=a%00b")
    assert r.status_code in (401, 404, 422)  # the parser names the parameter; never a 500
