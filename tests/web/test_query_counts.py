"""No page and no API list issues a query per row.

Every page bench/pages.py measures (every page without URL arguments, found in the URL conf, and the pool and
voucher programme pages) and every API list (every GET without a path parameter, from the OpenAPI schema) is
requested as each kind of demo account on the small demo, then again after the demo has grown (a second batch of
enterprises, annual data, qualifications, platforms and people; the pools refreshed). None may issue more queries
at the larger size (fewer is fine: the audit log's first page may show fewer kinds of record), and no query may
repeat once per row. Queries are counted; time is not measured.
"""

import importlib.util
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from heluo.core.models import ApiToken

BENCH = Path(__file__).resolve().parents[2] / "bench" / "pages.py"
# one account of each kind (heluo.demo.accounts), and the public
ROLES = (None, "admin", "staff", "finance", "jianxi", "org", "provider", "expert", "sysadmin", "secadmin", "auditor")
# A query that runs once per row of a list repeats its shape at least as often as a page has rows.
MOST_REPEATS = 5
# The annual report is a document about each of the plan's indicators, and reads each one's observation history
# on its own: its queries follow the plan's indicators, not the records (the growth check still holds for it).
PER_INDICATOR = {"/plan/report/", "/plan/report/print/"}


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_pages", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(bench, clients):
    """{(path, role): (status, queries, most repeats of one query, that query)} of every page and API list."""
    pages, _skipped = bench.pages()
    apis = [(name, path) for name, path, _paginated in bench.api_lists()]
    found = {}
    for role, (client, headers) in clients.items():
        for _name, path in pages:
            client.get(path)  # the first request of a session writes it; the next are the page's own queries
            found[(path, role)] = bench.captured(client, path, {})
        for _name, path in apis:
            found[(path, role)] = bench.captured(client, path, headers)
    return found


def grow():
    """A second batch of the demo's registry (another seed: new names and codes), and the pools refreshed for it."""
    from heluo.core.registry import periodic_jobs
    from heluo.demo import generator

    generator.generate("small", 7, log=lambda *a: None)
    (job,) = [j for j in periodic_jobs() if j.name == "cultivation-pools"]
    job.run()


@pytest.mark.slow
def test_no_page_or_api_list_issues_a_query_per_row(client, django_user_model):
    from heluo.orgs.models import Organization

    bench = load_bench()
    call_command("load_reference", city="luoyang", verbosity=0)
    call_command("demo", "--no-serve", "--size", "small", stdout=io.StringIO())
    clients = {}
    for username in ROLES:
        web = client if username is None else type(client)()
        headers = {}
        if username is not None:
            user = django_user_model.objects.get(username=username)
            web.force_login(user)
            headers = {"Authorization": f"Bearer {ApiToken.issue(user, name='test')[1]}"}
        clients[username or "(public)"] = (web, headers)

    before = measure(bench, clients)
    organizations = Organization.objects.count()
    grow()
    assert Organization.objects.count() > 1.8 * organizations
    after = measure(bench, clients)

    answered = [key for key, (status, *_rest) in before.items() if status == 200 and after[key][0] == 200]
    assert len(answered) > 300  # the pages and lists were found and answered
    # One more query is a prefetch that an empty list skipped and a filled one runs (seen on PostgreSQL, where the
    # second batch's ids give an enterprise its first person); a query per row shows as repeats, checked below.
    grew = {key: (before[key][1], after[key][1]) for key in answered if after[key][1] > before[key][1] + 1}
    assert not grew, f"queries that grow with the rows (before, after): {grew}"
    repeated = {
        key: f"{after[key][2]} × {after[key][3][:200]}" for key in answered if after[key][2] > MOST_REPEATS and key[0] not in PER_INDICATOR
    }
    assert not repeated, f"a query per row: {repeated}"
