#!/usr/bin/env python
"""Benchmark: the first-come-first-served burst of voucher applications, on PostgreSQL, through HTTP.

Recreates a throwaway PostgreSQL database, migrates it, creates N enterprises with a user and an API token
each (bulk inserts), loads two copies of the labelled example programme with a budget for V vouchers and a
cap of two vouchers per enterprise, starts the platform with `heluo serve` (waitress) in a subprocess, then:

* baseline: the same applications sent one after another by a single client, against the first programme;
* burst: all of them at once from a pool of client threads (each with its own keep-alive connection, all
  released together like a window opening), against the second programme; some requests are retried with
  the same Idempotency-Key while the original is still running.

Prints applications per second, p50/p99 latency, answers by status, vouchers issued against the budget, and
the invariant check (ledger replay, counters, caps, order of arrival) of each programme.

    .venv/bin/python bench/voucher_burst.py                                   # 2,000 applications, 1,500 enterprises, 500 vouchers
    .venv/bin/python bench/voucher_burst.py --applications 400 --enterprises 300 --vouchers 100
    .venv/bin/python bench/voucher_burst.py --servers 2                       # two `heluo serve` processes
    PG_URL=postgres://postgres@127.0.0.1:5432/heluo_bench_vouchers  (default) names the database to recreate
"""

import argparse
import http.client
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/heluo_bench_vouchers")
HELUO = [sys.executable, "-c", "from heluo.cli import main; main()"]


def recreate_pg(url):
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def django_setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heluo.settings")
    import django

    django.setup()


def setup_worker(args, out: Path):
    """In the benchmark database: reference data, enterprises, users, tokens, two programmes."""
    django_setup()
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from heluo.core.models import ApiToken, Role, UserProfile, hash_token
    from heluo.core.setup import ensure_database
    from heluo.cultivation.models import EvaluationResult, EvaluationRun
    from heluo.geo.models import Area
    from heluo.orgs.models import Organization
    from heluo.vouchers.loader import load_programme

    ensure_database()
    t = time.perf_counter()
    city = Area.objects.filter(kind=Area.Kind.CITY).order_by("code").first()
    districts = list(Area.objects.filter(parent=city).values_list("pk", flat=True)) or [city.pk]
    n = args.enterprises
    orgs = Organization.objects.bulk_create(
        [Organization(name=f"基准申领企业{i:05d}", area_id=districts[i % len(districts)], is_synthetic=True) for i in range(n)],
        batch_size=5000,
    )
    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"bench-voucher-{i:05d}", password="!") for i in range(n)], batch_size=5000)
    UserProfile.objects.bulk_create([UserProfile(user=u, role=Role.ORG_USER, organization=o) for u, o in zip(users, orgs)], batch_size=5000)
    keys = [secrets.token_hex(20) for _ in range(n)]
    ApiToken.objects.bulk_create(
        [ApiToken(user=u, prefix=k[:8], key_hash=hash_token(k), name="bench") for u, k in zip(users, keys)], batch_size=5000
    )
    run = EvaluationRun.objects.create(
        ruleset="tech-sme-2022", ruleset_version="bench", ruleset_hash="0" * 64, year=timezone.localdate().year, as_of=timezone.localdate()
    )
    EvaluationResult.objects.bulk_create(
        [EvaluationResult(run=run, organization=o, result="pass") for o in orgs[: n - args.ineligible]], batch_size=5000
    )
    now = timezone.now()
    face = Decimal(args.face)
    programmes = {}
    for label in ("baseline", "burst"):
        p = load_programme(
            "example",
            code=f"bench-{label}",
            overrides={
                "window": {
                    "opens": (now - timezone.timedelta(minutes=1)).isoformat(),
                    "closes": (now + timezone.timedelta(hours=6)).isoformat(),
                },
                "budget": str(face * args.vouchers),
                "cap_per_enterprise": str(face * 2),
                "eligible_rulesets": ["tech-sme-2022"],
                "eligible_qualifications": [],
                "startup_max_years": None,
            },
        )
        programmes[label] = p.pk
    out.write_text(json.dumps({"keys": keys, "programmes": programmes, "setup_s": time.perf_counter() - t}))


def check_worker(args, out: Path):
    """The invariants of both programmes, plus the burst's own checks: caps and the order of arrival."""
    django_setup()
    from collections import Counter as C

    from heluo.vouchers.models import IdempotencyKey, Programme, Voucher
    from heluo.vouchers.selectors import check_programme

    result = {}
    for p in Programme.objects.filter(code__startswith="bench-"):
        balances, violations = check_programme(p)
        vouchers = list(
            Voucher.objects.filter(programme=p)
            .order_by("seq")
            .values_list("seq", "status", "enterprise_id", "requested_amount", "reason_code")
        )
        issued = [v for v in vouchers if v[1] == "issued"]
        per_ent = C(v[2] for v in issued)
        left, held, replay_ok = p.budget, C(), True
        for _seq, _status, ent, amount, reason in vouchers:  # first come, first served, replayed in the recorded order
            expect = "enterprise_cap" if held[ent] + amount > p.cap_per_enterprise else "budget_exhausted" if amount > left else ""
            if not expect:
                left -= amount
                held[ent] += amount
            replay_ok &= reason == expect
        result[p.code.removeprefix("bench-")] = {
            "budget": str(p.budget),
            "committed": str(balances.committed),
            "issued": len(issued),
            "applications": len(vouchers),
            "max_per_enterprise": max(per_ent.values(), default=0),
            "seq_contiguous": [v[0] for v in vouchers] == list(range(1, len(vouchers) + 1)),
            "arrival_order_ok": replay_ok,
            "violations": [str(v) for v in violations][:20],
            "stored_answers": IdempotencyKey.objects.filter(voucher__programme=p).count(),
        }
    out.write_text(json.dumps(result))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, proc, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server stopped: exit {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/vouchers/programmes")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    sys.exit("the server did not come up")


def plan(n_apps, keys, programme, retries, seed, ineligible=0):
    """(token, Idempotency-Key, body) per request; every enterprise applies once, some apply three times
    (their extra applications early, so the cap binds), and `retries` requests are sent twice in a row."""
    rng = random.Random(seed)
    n = len(keys)
    extra = max(0, n_apps - n)
    triple = rng.sample(range(n - ineligible), min(n - ineligible, (extra + 1) // 2))  # the ineligible ones are in the tail
    early = [(e, n_) for e in triple for n_ in (1, 2)][:extra]
    rest = [(e, 0) for e in range(n)][: n_apps - len(early)]
    rng.shuffle(early)
    rng.shuffle(rest)
    cut = len(early) // 2
    order = early[:cut] + rest[:cut] + early[cut:] + rest[cut:]
    body = json.dumps({"programme": programme, "voucher_type": "rd", "amount": "10000"})
    reqs = [(keys[e], f"{programme}-{e}-{k}", body) for e, k in order]
    for i in sorted(rng.sample(range(len(reqs)), min(retries, len(reqs))), reverse=True):
        reqs.insert(i + 1, reqs[i])
    return reqs


def fire(ports, reqs, threads):
    """Send the requests from `threads` clients, released together, client k to server k mod len(ports);
    returns [(status, seconds)] and the elapsed time."""
    local = threading.local()
    results = [None] * len(reqs)
    gate = threading.Barrier(threads) if threads > 1 else None
    started = threading.local()

    def send(i):
        if gate is not None and not getattr(started, "done", False):
            started.done = True
            gate.wait()  # the window opens for every client at once
        token, key, body = reqs[i]
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key, "Content-Type": "application/json"}
        for _attempt in range(3):
            try:
                conn = getattr(local, "conn", None) or http.client.HTTPConnection("127.0.0.1", local.port, timeout=120)
                local.conn = conn
                t = time.perf_counter()
                conn.request("POST", "/api/v1/vouchers/applications", body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                results[i] = (resp.status, time.perf_counter() - t)
                return
            except (OSError, http.client.HTTPException):
                if getattr(local, "conn", None) is not None:
                    local.conn.close()
                local.conn = None  # retried with the same key: safe by design
        results[i] = (0, 0.0)

    t = time.perf_counter()

    def worker(w):
        local.port = ports[w % len(ports)]
        for i in range(w, len(reqs), threads):  # an equal share each, so every client is busy from the first moment
            send(i)
        if getattr(local, "conn", None) is not None:
            local.conn.close()

    if threads == 1:
        worker(0)
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(worker, range(threads)))
    return results, time.perf_counter() - t


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))] if values else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=2000)
    parser.add_argument("--enterprises", type=int, default=1500)
    parser.add_argument("--vouchers", type=int, default=500, help="the budget, in vouchers of 10,000 yuan")
    parser.add_argument("--ineligible", type=int, default=50)
    parser.add_argument("--retries", type=int, default=150)
    parser.add_argument("--threads", type=int, default=64, help="parallel clients in the burst")
    parser.add_argument("--server-threads", type=int, default=8, help="waitress threads (heluo serve --threads)")
    parser.add_argument("--servers", type=int, default=1, help="heluo serve processes (clients spread over them, as behind a balancer)")
    parser.add_argument("--face", default="10000")
    parser.add_argument("--worker", choices=["setup", "check"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        (setup_worker if args.worker == "setup" else check_worker)(args, Path(args.out))
        return

    workdir = Path(tempfile.mkdtemp(prefix="heluo-voucher-bench-"))
    env = dict(
        os.environ, DATABASE_URL=PG_URL, HELUO_VAR_DIR=str(workdir), DJANGO_SETTINGS_MODULE="heluo.settings", HELUO_LOG_LEVEL="ERROR"
    )  # no line per 409
    recreate_pg(PG_URL)
    print(f"… setting up {args.enterprises:,} enterprises on {PG_URL.rsplit('/', 1)[1]}", file=sys.stderr, flush=True)
    setup_file = workdir / "setup.json"
    subprocess.run([sys.executable, __file__, "--worker", "setup", "--out", str(setup_file), *sys.argv[1:]], env=env, cwd=ROOT, check=True)
    setup = json.loads(setup_file.read_text())

    ports = [free_port() for _ in range(args.servers)]
    log = open(workdir / "server.log", "w")
    servers = [
        subprocess.Popen(
            [*HELUO, "serve", "--port", str(port), "--threads", str(args.server_threads)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        for port in ports
    ]
    try:
        for port, server in zip(ports, servers):
            wait_for(port, server)
        runs = {}
        for label, threads in (("baseline", 1), ("burst", args.threads)):
            reqs = plan(args.applications, setup["keys"], setup["programmes"][label], args.retries, seed=7, ineligible=args.ineligible)
            print(f"… {label}: {len(reqs):,} requests from {threads} client(s)", file=sys.stderr, flush=True)
            runs[label] = (len(reqs), threads, *fire(ports, reqs, threads))
    finally:
        for server in servers:
            server.terminate()  # our own children, by their handles
        for server in servers:
            server.wait(timeout=30)
        log.close()
    check_file = workdir / "check.json"
    subprocess.run([sys.executable, __file__, "--worker", "check", "--out", str(check_file)], env=env, cwd=ROOT, check=True)
    checks = json.loads(check_file.read_text())

    print(f"\n{'run':<10}{'requests':>9}{'clients':>9}{'seconds':>9}{'apps/s':>9}{'p50 ms':>9}{'p99 ms':>9}  answers")
    for label, (n, threads, results, seconds) in runs.items():
        lat = [r[1] for r in results if r[0]]
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(Counter(r[0] for r in results).items()))
        print(
            f"{label:<10}{n:>9,}{threads:>9}{seconds:>9.1f}{n / seconds:>9.0f}{pct(lat, 0.5) * 1000:>9.0f}{pct(lat, 0.99) * 1000:>9.0f}  {answers}"
        )
    print(f"\n{'run':<10}{'issued':>7}{'budget allows':>15}{'committed':>14}{'max/ent.':>9}{'arrival order':>15}{'invariants':>12}")
    ok = True
    for label in runs:
        c = checks[label]
        allows = int(float(c["budget"]) // float(args.face))
        good = (
            not c["violations"] and c["arrival_order_ok"] and c["seq_contiguous"] and c["issued"] <= allows and c["max_per_enterprise"] <= 2
        )
        ok &= good
        print(
            f"{label:<10}{c['issued']:>7}{allows:>15}{c['committed']:>14}{c['max_per_enterprise']:>9}"
            f"{'replayed OK' if c['arrival_order_ok'] and c['seq_contiguous'] else 'MISMATCH':>15}{'hold' if not c['violations'] else 'VIOLATED':>12}"
        )
        for v in c["violations"]:
            print(f"    {v}")
    lost = sum(1 for _, _, results, _ in runs.values() for r in results if r[0] not in (201, 409, 422))
    print(
        f"\nunanswered or server errors: {lost}.  baseline = the same applications from one client, one after another;"
        f"\nburst = all at once from {args.threads} clients against {args.servers} × {args.server_threads} waitress threads. setup {setup['setup_s']:.1f}s; "
        f"server log {workdir / 'server.log'}"
    )
    sys.exit(0 if ok and not lost else 1)


if __name__ == "__main__":
    main()
