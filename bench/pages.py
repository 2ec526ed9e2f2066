#!/usr/bin/env python
"""Benchmark: server time and queries of every list page, the plan dashboard, the pool pages, the voucher bureau
pages and every API list, as each demo role, on the province demo (≈100,000 enterprises).

Pages come from the URL conf (every page that takes no URL argument, and the pages in SAMPLES with arguments
taken from the data); API lists from the OpenAPI schema (every GET without a path parameter). Each is requested
in-process with Django's test Client (server time: no network, no browser): once timed alone ("1st": it computes
the figures kept for the next requests, heluo.core.figures), once with its queries captured, then --repeat times
timed. Printed per page and role: p50 and p95 in ms, p50 as a ratio to the anchor (the sign-in page, measured in
the same run), the queries, the most repeated query shape ("rep": a query per row repeats once per row), and the
queries again at a smaller page (per_page=25 / limit=10: fewer there means the queries grow with the rows). Over
budget (300 ms a page, 200 ms an API list, at p50) and growing queries are flagged, never asserted.

    .venv/bin/python bench/pages.py                       # build bench/out/pages-province.sqlite3 (slow), measure
    .venv/bin/python bench/pages.py --reuse               # measure the database built before
    .venv/bin/python bench/pages.py --size city --only '^/cultivation' --roles staff,jianxi
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/heluo_pages .venv/bin/python bench/pages.py --reuse

Without DATABASE_URL the database is bench/out/pages-SIZE.sqlite3; with it, that database is dropped and built
again unless --reuse finds it. --json FILE keeps the figures for comparing runs.
"""

import argparse
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BUDGET_MS = {"page": 300, "api": 200}
ANONYMOUS = "(public)"
# Pages that are not lists (or that change state on a GET); everything else without URL arguments is requested.
SKIP = {"web:logout", "web:login", "set_language", "plan:report_download"}
# Pages with URL arguments the brief names: their arguments, read from the data once Django is set up.
SAMPLES = {
    "cultivation:pool": lambda: [{"code": c} for c in _pool_codes()],
    "vouchers:budget": lambda: [{"pk": pk} for pk in _programmes()],
    "vouchers:reconciliation": lambda: [{"pk": pk} for pk in _programmes()],
}


def _pool_codes():
    from heluo.cultivation.engine.pools import pools

    return list(pools())


def _programmes():
    from heluo.vouchers.models import Programme

    return list(Programme.objects.order_by("pk").values_list("pk", flat=True))


# --- the database -----------------------------------------------------------------------------------------


def database_url(size: str) -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{OUT / f'pages-{size}.sqlite3'}"


def _pg_admin(url):
    import psycopg

    return psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True), url.rsplit("/", 1)[1].split("?")[0]


def database_exists(url: str) -> bool:
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).exists()
    conn, name = _pg_admin(url)
    with conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def drop_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    conn, name = _pg_admin(url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def build(url: str, size: str) -> None:
    """`heluo demo --no-serve --size SIZE` into the scratch database, as a user would build it."""
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"… building the {size} demo in {url} (once; --reuse keeps it)", file=sys.stderr, flush=True)
    started = time.monotonic()
    env = dict(os.environ, DATABASE_URL=url)
    subprocess.run([sys.executable, "-m", "heluo.cli", "demo", "--no-serve", "--size", size], env=env, cwd=ROOT, check=True)
    if not url.startswith("sqlite:"):  # what autovacuum does within minutes of a bulk load (SQLite: heluo.core.setup)
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    print(f"… built in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)


# --- what to request --------------------------------------------------------------------------------------


def _walk(patterns, prefix="", namespace=None):
    from django.urls import URLResolver

    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        else:
            yield prefix + str(p.pattern), (f"{namespace}:{p.name}" if namespace else p.name), p


def pages() -> list[tuple[str, str]]:
    """(URL name, path) of every page to request, and the names left out because they take arguments."""
    from django.urls import get_resolver, reverse

    found, skipped = [], []
    for route, name, pattern in _walk(get_resolver().url_patterns):
        if not name or name in SKIP or route.startswith(("api/", "i18n/")):
            continue
        if route.startswith("admin/") and not name.endswith(("_changelist", ":index")):
            continue  # the admin site's lists only
        if not pattern.pattern.converters and "(?P<" not in route:
            found.append((name, reverse(name)))
        elif name in SAMPLES:
            found += [(name, reverse(name, kwargs=kw)) for kw in SAMPLES[name]()]
        else:
            skipped.append(name)
    return sorted(set(found), key=lambda x: x[1]), sorted(set(skipped))


def api_lists() -> list[tuple[str, str, bool]]:
    """(operation, path, paginated) of every GET without a path parameter, from the OpenAPI schema."""
    from heluo.api.router import api

    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    found = []
    for path, ops in schema["paths"].items():
        op = ops.get("get")
        if op is None or "{" in path:
            continue
        params = {p["name"] for p in op.get("parameters", [])}
        found.append((op.get("operationId", path), path, "limit" in params))
    return sorted(found, key=lambda x: x[1])


# --- measuring --------------------------------------------------------------------------------------------

# The session and an API token's last use are written at most once a minute (heluo.core.signin, heluo.api.auth),
# whichever request comes then: not the page's own queries.
BOOKKEEPING = re.compile(r'"django_session"|SAVEPOINT|^UPDATE "core_apitoken"')
_LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b|%s")
_LISTS = re.compile(r"\((?:\s*\?\s*,)+\s*\?\s*\)")


def shape(sql: str) -> str:
    """The query with its literals and IN lists blanked: a query per row repeats one shape."""
    return _LISTS.sub("(…)", _LITERALS.sub("?", sql))


def captured(client, path, headers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, headers=headers)
    sqls = [q["sql"] for q in ctx.captured_queries if not BOOKKEEPING.search(q["sql"])]
    shapes = Counter(shape(sql) for sql in sqls)
    top, rep = shapes.most_common(1)[0] if shapes else ("", 0)
    return response.status_code, len(sqls), rep, top


def timed(client, path, headers, n) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
    return times


def p95(times):
    return sorted(times)[max(0, round(0.95 * len(times)) - 1)]


def measure(kind, name, path, role, client, headers, repeat, smaller):
    first = timed(client, path, headers, 1)[0]  # fills what the next requests find (a session, kept figures)
    status, queries, rep, top = captured(client, path, headers)
    row = {"kind": kind, "name": name, "path": path, "role": role, "status": status, "queries": queries, "rep": rep, "first": first}
    if status != 200:
        return row
    times = timed(client, path, headers, repeat)
    row.update(p50=statistics.median(times), p95=p95(times), top=top[:300])
    print(f"   {path} {row['p50']:.0f} ms, {queries} queries", file=sys.stderr, flush=True)
    if smaller:
        sep = "&" if "?" in path else "?"
        row["queries_small"] = captured(client, f"{path}{sep}{smaller}", headers)[1]
    return row


def clients(roles):
    """{role: (web client, API headers)}: each demo account signed in, with a fresh API token."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from heluo.core.models import ApiToken
    from heluo.demo.accounts import PASSWORD

    ApiToken.objects.filter(name="bench-pages").delete()
    found = {}
    for role in roles:
        client = Client()
        if role == ANONYMOUS:
            found[role] = (client, {})
            continue
        user = get_user_model().objects.filter(username=role).first()
        if user is None or not client.login(username=role, password=PASSWORD):
            print(f"… no demo account {role!r}: left out", file=sys.stderr)
            continue
        _, key = ApiToken.issue(user, name="bench-pages")
        found[role] = (client, {"Authorization": f"Bearer {key}"})
    return found


def run(args):
    os.environ["DATABASE_URL"] = database_url(args.size)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heluo.settings")
    import django

    django.setup()
    from heluo.core.setup import ensure_database

    ensure_database()  # a reused database gets the migrations added since it was built
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    from heluo.demo.accounts import USERNAMES

    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # 403s and 404s are expected, and listed
    setup_test_environment()  # the test Client's host, and DEBUG off as in production
    settings.AXES_ENABLED = False  # the test Client signs in without a request, which django-axes refuses
    settings.HELUO_2FA_ROLES = []

    only = re.compile(args.only) if args.only else None
    roles = [ANONYMOUS, *USERNAMES] if not args.roles else args.roles.split(",")
    signed_in = clients(roles)
    page_list, skipped = pages()
    api_list = api_lists()
    anchor_client = signed_in.get(ANONYMOUS, (None,))[0]
    from django.test import Client

    anchor = statistics.median(timed(anchor_client or Client(), "/login/", {}, max(20, args.repeat)))
    rows = []
    for role, (client, headers) in signed_in.items():
        print(f"… {role}", file=sys.stderr, flush=True)
        for name, path in page_list:
            if not only or only.search(path):
                smaller = None if name.startswith("admin:") else "per_page=25"  # the admin reads per_page as a filter
                rows.append(measure("page", name, path, role, client, {}, args.repeat, smaller))
        for name, path, paginated in api_list:
            if not only or only.search(path):
                rows.append(measure("api", name, path, role, client, headers, args.repeat, "limit=10" if paginated else None))
    report(rows, anchor, connection.vendor, args, skipped)
    if args.json:
        Path(args.json).write_text(json.dumps({"anchor_ms": anchor, "vendor": connection.vendor, "rows": rows}, indent=1))


def report(rows, anchor, vendor, args, skipped):
    print(f"\n{vendor}, {args.size} demo, {args.repeat} timed requests each; anchor (GET /login/, anonymous) p50 {anchor:.1f} ms")
    print(f"budget: pages {BUDGET_MS['page']} ms, API lists {BUDGET_MS['api']} ms (p50); 'qs': queries at a smaller page (25 rows, API 10)")
    print("'1st': the role's first request, which computes the figures kept for the next ones (heluo.core.figures)")
    print(
        f"\n{'path':<46} {'role':<9} {'st':>3} {'1st ms':>8} {'p50 ms':>8} {'p95 ms':>8} {'×anchor':>8} {'queries':>7} {'rep':>4} {'qs':>4}  flags"
    )
    over = grows = 0
    for r in sorted(rows, key=lambda r: (r["kind"] == "api", r["path"], r["role"])):
        if r["status"] != 200:
            if args.all_status:
                print(f"{r['path']:<46} {r['role']:<9} {r['status']:>3}")
            continue
        flags = []
        if r["p50"] > BUDGET_MS[r["kind"]]:
            flags.append("OVER")
            over += 1
        if "queries_small" in r and r["queries_small"] < r["queries"]:
            flags.append("GROWS")
            grows += 1
        if r["rep"] >= 10:
            flags.append("REPEATS")
        small = r.get("queries_small", "")
        print(
            f"{r['path']:<46} {r['role']:<9} {r['status']:>3} {r['first']:>8.1f} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['p50'] / anchor:>8.1f}"
            f" {r['queries']:>7} {r['rep']:>4} {small!s:>4}  {' '.join(flags)}"
        )
    ok = [r for r in rows if r["status"] == 200]
    print(f"\n{len(ok)} page × role answers; {over} over budget, {grows} with queries growing with the rows")
    if args.verbose:
        for r in ok:
            if r["rep"] >= 10:
                print(f"\n{r['path']} as {r['role']}: {r['rep']} × {r['top']}")
    if skipped:
        print(f"not requested (they take URL arguments): {', '.join(skipped)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=["small", "city", "province"], default="province")
    parser.add_argument("--reuse", action="store_true", help="measure the database built before, if there is one")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page and role (default 5)")
    parser.add_argument("--roles", default="", help=f"comma-separated demo usernames, {ANONYMOUS!r} for the public (default: all)")
    parser.add_argument("--only", default="", help="a regular expression: only the paths it matches")
    parser.add_argument("--json", default="", help="also write the figures to this file")
    parser.add_argument("--all-status", action="store_true", help="also list the answers that are not 200 (403, redirects …)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the repeated query of each flagged page")
    args = parser.parse_args()
    url = database_url(args.size)
    if not (args.reuse and database_exists(url)):
        drop_database(url)
        build(url, args.size)
    run(args)


if __name__ == "__main__":
    main()
