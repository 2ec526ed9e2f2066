#!/usr/bin/env python
"""Benchmark: the first-come-first-served burst of voucher applications, on PostgreSQL, through HTTP.

First the anchor: `pgbench` (TPC-B, 16 clients, 10 s) on a scratch database of the same server, so the figures
below can be read as a ratio to what this machine's PostgreSQL does in the same minute.

Then recreates a throwaway PostgreSQL database, migrates it, creates N enterprises with a user and an API token
each (bulk inserts), loads two copies of the labelled example programme with a budget for V vouchers and a
cap of two vouchers per enterprise, starts the platform with `heluo serve` in a subprocess, then:

* floor: as many GETs of the sign-in page (no query, no write) from the burst's clients: the most this server and
  client answer on this machine, whatever the application does;
* baseline: the same applications sent one after another by a single client, against the first programme;
* burst: all of them at once from a pool of client threads (each with its own keep-alive connection, all
  released together like a window opening), against the second programme; some requests are retried with
  the same Idempotency-Key while the original is still running.

Prints applications per second (every request, retries too) and as a ratio to pgbench's transactions per second,
p50/p99 latency, answers by status, the CPU time per application of the server's processes and of its database
sessions, vouchers issued against the budget, and the invariant check (ledger replay, counters, caps, order of
arrival, the audit chain) of each programme. Figures only: nothing here asserts a time.

    .venv/bin/python bench/voucher_burst.py                                   # 2,000 applications, 1,500 enterprises, 500 vouchers
    .venv/bin/python bench/voucher_burst.py --applications 400 --enterprises 300 --vouchers 100
    .venv/bin/python bench/voucher_burst.py --no-baseline --serve --workers 4 --worker-class sync   # the rest to `heluo serve`
    PG_URL=postgres://postgres@127.0.0.1:5432/heluo_bench_vouchers  (default) names the database to recreate
    (pgbench's scratch database is that name with _pgbench appended; pgbench must be on PATH)
"""

import argparse
import http.client
import json
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/heluo_bench_vouchers")
HELUO = [sys.executable, "-c", "from heluo.cli import main; main()"]
# The floor: the cheapest page there is (no query, no write), through the same server from the same clients.
FLOOR = "/login/"


def recreate_pg(url):
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def pgbench(url, clients=16, jobs=2, seconds=10):
    """TPC-B transactions per second of `pgbench` on a scratch database next to the benchmark's (scale 1)."""
    if shutil.which("pgbench") is None:
        sys.exit("pgbench is not on PATH (Debian: apt-get install postgresql-client)")
    scratch = f"{url}_pgbench"
    recreate_pg(scratch)
    parts = urlsplit(scratch)
    conn = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    env = dict(os.environ, **({"PGPASSWORD": parts.password} if parts.password else {}))
    name = parts.path.lstrip("/")
    subprocess.run(["pgbench", *conn, "-i", "-q", name], env=env, check=True, capture_output=True)
    out = subprocess.run(
        ["pgbench", *conn, "-c", str(clients), "-j", str(jobs), "-T", str(seconds), name],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    drop_pg(scratch)
    return float(re.search(r"tps = ([\d.]+)", out).group(1))


def drop_pg(url):
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pids) -> dict[int, float]:
    """User + system CPU time of each live process (Linux /proc; empty elsewhere)."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return seconds


def process_tree(root) -> list[int]:
    """`root` and every process below it (the gunicorn workers, the job worker)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def database_sessions(url) -> list[int]:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        return [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [name])]


def cpu_used(before: dict, after: dict) -> float:
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


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

    from heluo.core import audit_chain
    from heluo.vouchers.models import IdempotencyKey, Programme, Voucher
    from heluo.vouchers.selectors import check_programme

    chains = {m._meta.db_table: audit_chain.verify(m) for m in audit_chain.chained_models()}
    result = {"audit": {table: {"problems": r.problems[:5], "unsealed": r.unsealed, "rows": r.checked} for table, r in chains.items()}}
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
            "budget_refusals": sum(1 for v in vouchers if v[4] == "budget_exhausted"),
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
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key, "Content-Type": "application/json"} if body else {}
        for _attempt in range(3):
            try:
                conn = getattr(local, "conn", None) or http.client.HTTPConnection("127.0.0.1", local.port, timeout=120)
                local.conn = conn
                t = time.perf_counter()
                conn.request(*(("POST", "/api/v1/vouchers/applications") if body else ("GET", FLOOR)), body=body, headers=headers)
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
    parser.add_argument("--serve", nargs=argparse.REMAINDER, default=[], help="the rest is passed to `heluo serve` (e.g. --workers 4)")
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--no-baseline", action="store_true", help="skip the one-client run")
    parser.add_argument("--no-floor", action="store_true", help=f"skip the floor: GET {FLOOR} from the burst's clients")
    parser.add_argument("--face", default="10000")
    parser.add_argument("--worker", choices=["setup", "check"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        (setup_worker if args.worker == "setup" else check_worker)(args, Path(args.out))
        return

    print(f"… pgbench: TPC-B, 16 clients, {args.pgbench_seconds} s", file=sys.stderr, flush=True)
    tps = pgbench(PG_URL, seconds=args.pgbench_seconds)
    workdir = Path(tempfile.mkdtemp(prefix="heluo-voucher-bench-"))
    env = dict(
        os.environ, DATABASE_URL=PG_URL, HELUO_VAR_DIR=str(workdir), DJANGO_SETTINGS_MODULE="heluo.settings", HELUO_LOG_LEVEL="ERROR"
    )  # no line per 409
    recreate_pg(PG_URL)
    print(f"… setting up {args.enterprises:,} enterprises on {PG_URL.rsplit('/', 1)[1]}", file=sys.stderr, flush=True)
    setup_file = workdir / "setup.json"
    subprocess.run([sys.executable, __file__, "--worker", "setup", "--out", str(setup_file), *sys.argv[1:]], env=env, cwd=ROOT, check=True)
    setup = json.loads(setup_file.read_text())

    port = free_port()
    log = open(workdir / "server.log", "w")
    server = subprocess.Popen([*HELUO, "serve", "--port", str(port), *args.serve], env=env, cwd=ROOT, stdout=log, stderr=log)
    cpu = {}
    try:
        wait_for(port, server)
        runs = {}
        if not args.no_floor:
            n = args.applications + args.retries
            print(f"… floor: {n:,} × GET {FLOOR} from {args.threads} clients", file=sys.stderr, flush=True)
            before = cpu_seconds(process_tree(server.pid))
            runs["floor"] = (n, args.threads, *fire([port], [(None, None, None)] * n, args.threads))
            cpu["floor"] = cpu_used(before, cpu_seconds(process_tree(server.pid))), 0.0
        for label, threads in (("baseline", 1), ("burst", args.threads))[1 if args.no_baseline else 0 :]:
            reqs = plan(args.applications, setup["keys"], setup["programmes"][label], args.retries, seed=7, ineligible=args.ineligible)
            print(f"… {label}: {len(reqs):,} requests from {threads} client(s)", file=sys.stderr, flush=True)
            before = cpu_seconds(process_tree(server.pid)), cpu_seconds(database_sessions(PG_URL))
            runs[label] = (len(reqs), threads, *fire([port], reqs, threads))
            after = cpu_seconds(process_tree(server.pid)), cpu_seconds(database_sessions(PG_URL))
            cpu[label] = cpu_used(before[0], after[0]), cpu_used(before[1], after[1])
    finally:
        server.terminate()  # our own child, by its handle: it stops its workers
        server.wait(timeout=30)
        log.close()
    check_file = workdir / "check.json"
    subprocess.run([sys.executable, __file__, "--worker", "check", "--out", str(check_file)], env=env, cwd=ROOT, check=True)
    checks = json.loads(check_file.read_text())

    print(f"\npgbench (TPC-B, scale 1, 16 clients, 2 threads, {args.pgbench_seconds} s): {tps:,.0f} transactions/s")
    print(
        f"\n{'run':<10}{'requests':>9}{'clients':>9}{'seconds':>9}{'apps/s':>8}{'× pgbench':>10}{'p50 ms':>8}{'p99 ms':>8}{'CPU ms/app':>18}  answers"
    )
    for label, (n, threads, results, seconds) in runs.items():
        lat = [r[1] for r in results if r[0]]
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(Counter(r[0] for r in results).items()))
        server_cpu, db_cpu = (c / n * 1000 for c in cpu[label])
        print(
            f"{label:<10}{n:>9,}{threads:>9}{seconds:>9.1f}{n / seconds:>8.0f}{n / seconds / tps:>10.2f}"
            f"{pct(lat, 0.5) * 1000:>8.0f}{pct(lat, 0.99) * 1000:>8.0f}{f'{server_cpu:.1f} + {db_cpu:.1f} db':>18}  {answers}"
        )
    print(f"\n{'run':<10}{'issued':>7}{'budget allows':>15}{'committed':>14}{'max/ent.':>9}{'arrival order':>15}{'invariants':>12}")
    ok = True
    for label in [label for label in runs if label != "floor"]:
        c = checks[label]
        allows = int(float(c["budget"]) // float(args.face))
        exact = c["issued"] == allows or not c["budget_refusals"]  # refused for want of budget only once it is all issued
        good = not c["violations"] and c["arrival_order_ok"] and c["seq_contiguous"] and exact and c["max_per_enterprise"] <= 2
        ok &= good
        print(
            f"{label:<10}{c['issued']:>7}{allows:>15}{c['committed']:>14}{c['max_per_enterprise']:>9}"
            f"{'replayed OK' if c['arrival_order_ok'] and c['seq_contiguous'] else 'MISMATCH':>15}{'hold' if good else 'VIOLATED':>12}"
        )
        for v in c["violations"]:
            print(f"    {v}")
    for table, a in checks["audit"].items():
        ok &= not a["problems"] and not a["unsealed"]
        print(f"audit chain {table}: {a['rows']:,} rows, {a['unsealed']} unsealed, {'verifies' if not a['problems'] else a['problems']}")
    lost = sum(
        1 for label, (_, _, results, _) in runs.items() for r in results if r[0] not in ((200,) if label == "floor" else (201, 409, 422))
    )
    print(
        f"\nunanswered or server errors: {lost}.  baseline = the same applications from one client, one after another;"
        f"\nburst = all at once from {args.threads} clients against `heluo serve {' '.join(args.serve)}`; floor = GET {FLOOR} (no"
        f" query, no write) from the same clients: what this server answers at most, whatever the application does."
        f"\napps/s: requests answered per second (a retry counts). CPU ms/app: the server's processes + its database"
        f" sessions, per request. setup {setup['setup_s']:.1f}s; "
        f"server log {workdir / 'server.log'}"
    )
    sys.exit(0 if ok and not lost else 1)


if __name__ == "__main__":
    main()
