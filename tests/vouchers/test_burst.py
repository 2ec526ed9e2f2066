"""The first-come-first-served race on PostgreSQL, through HTTP, with real parallel connections.

2,000 applications from 1,500 enterprises (250 of them apply three times, 50 are not eligible) against a
budget for 500 vouchers and a cap of two vouchers per enterprise; 150 requests are sent twice with the
same Idempotency-Key, the copy racing the original. Fired by a pool of client threads over HTTP at the
platform served by gunicorn with two worker processes of eight threads (as `heluo serve` runs on two cores) on
the test database, each thread with its own database connection. Then: exactly 500 issued,
nobody above the cap, every request answered, no retry issued twice, the decisions equal a replay of the
applications in their recorded order of arrival, the ledger invariants hold, and every voucher's change record
is sealed into a hash chain that verifies.

Skipped on SQLite, which serialises writers by locking the whole file: the race needs PostgreSQL.
"""

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal as D

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections
from django.utils import timezone

from heluo.core import audit_chain
from heluo.core.models import ApiToken, ObjectChange, Role, UserProfile, hash_token
from heluo.cultivation.models import EvaluationResult, EvaluationRun
from heluo.geo.models import Area
from heluo.orgs.models import Organization, Qualification
from heluo.vouchers import selectors
from heluo.vouchers.loader import load_programme
from heluo.vouchers.models import IdempotencyKey, Programme, Voucher

IS_PG = "postgresql" in settings.DATABASES["default"]["ENGINE"]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(not IS_PG, reason="the burst race needs PostgreSQL (set DATABASE_URL=postgres://…); SQLite serialises all writers"),
    pytest.mark.django_db(transaction=True),  # committed data: the server process must see it
]

ENTERPRISES, TRIPLE, INELIGIBLE, RETRIED = 1500, 250, 50, 150
FACE, VOUCHERS, CAP_VOUCHERS = D("10000.00"), 500, 2
THREADS = 32
WORKERS, WORKER_THREADS = 2, 8  # gunicorn worker processes and threads each, as `heluo serve` runs on two cores


@pytest.fixture(autouse=True)
def invariants_hold(transactional_db):
    yield
    for programme in Programme.objects.all():
        _, violations = selectors.check_programme(programme)
        assert not violations, [str(v) for v in violations[:20]]


def build_world():
    """1,500 enterprises with a user and a token each, bulk-created (no password hashing)."""
    city = Area.objects.create(code="419900", name_zh="测试市", name_en="Test City", kind="city")
    district = Area.objects.create(code="419901", name_zh="测试区", name_en="Test District", kind="district", parent=city)
    orgs = Organization.objects.bulk_create([Organization(name=f"压测企业{i:04d}", area=district) for i in range(ENTERPRISES)])
    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"burst{i:04d}", password="!") for i in range(ENTERPRISES)])
    UserProfile.objects.bulk_create([UserProfile(user=u, role=Role.ORG_USER, organization=o) for u, o in zip(users, orgs)])
    keys = [f"burst-key-{i:04d}-{random.getrandbits(64):016x}" for i in range(ENTERPRISES)]
    ApiToken.objects.bulk_create([ApiToken(user=u, prefix=k[:8], key_hash=hash_token(k), name="burst") for u, k in zip(users, keys)])
    # eligible: most by a stored tech-SME evaluation, some by a high-tech certificate; the last 50 by nothing
    run = EvaluationRun.objects.create(
        ruleset="tech-sme-2022", ruleset_version="2022.1", ruleset_hash="0" * 64, year=2025, as_of=timezone.localdate()
    )
    eligible = ENTERPRISES - INELIGIBLE
    EvaluationResult.objects.bulk_create([EvaluationResult(run=run, organization=o, result="pass") for o in orgs[: eligible - 100]])
    Qualification.objects.bulk_create(
        [Qualification(organization=o, kind="hte", valid_from=timezone.localdate()) for o in orgs[eligible - 100 : eligible]]
    )
    now = timezone.now()
    programme = load_programme(
        "example",
        year=2025,
        authority=city.code,
        code="burst-2025",
        overrides={
            "window": {
                "opens": (now - timezone.timedelta(minutes=5)).isoformat(),
                "closes": (now + timezone.timedelta(hours=1)).isoformat(),
            },
            "budget": str(FACE * VOUCHERS),
            "cap_per_enterprise": str(FACE * CAP_VOUCHERS),
            "eligible_rulesets": ["tech-sme-2022"],
            "eligible_qualifications": ["hte"],
            "startup_max_years": None,
        },
    )
    return programme, orgs, users, keys


def _serve(port, url, log):
    gunicorn = ["-m", "gunicorn", "heluo.wsgi:application", "-b", f"127.0.0.1:{port}", "-k", "gthread"]
    return subprocess.Popen(
        [sys.executable, *gunicorn, "-w", str(WORKERS), "--threads", str(WORKER_THREADS)],
        env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "heluo.settings", "HELUO_LOG_LEVEL": "ERROR"},
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


@pytest.fixture
def servers(transactional_db):
    """The platform served by gunicorn as `heluo serve` runs it, on the test database — not `heluo serve` itself,
    which would also load the configured city's reference data."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    log = tempfile.TemporaryFile()  # a file, not a pipe: a full pipe nobody reads would block the server's logging
    proc = _serve(port, url, log)
    try:
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    log.seek(0)
                    pytest.fail(f"the server did not start: {log.read().decode(errors='replace')[-2000:]}")
                time.sleep(0.2)
        yield [f"127.0.0.1:{port}"]
    finally:
        proc.terminate()  # our own child, by its handle: it stops its workers
        proc.wait(timeout=30)
        log.close()


def plan_requests(programme, keys):
    """(enterprise index, Idempotency-Key, body) × 2,000, in the order they are fired, plus 150 retries."""
    rng = random.Random(20250301)
    body = {"programme": programme.pk, "voucher_type": "rd", "amount": str(FACE)}
    triple = rng.sample(range(ENTERPRISES - INELIGIBLE), TRIPLE)
    # the triple appliers' extra applications come early, so their cap binds before the budget runs out
    early = [(e, f"app-{e}-{n}") for e in triple for n in (1, 2)]
    rest = [(e, f"app-{e}-0") for e in range(ENTERPRISES)]
    rng.shuffle(early)
    rng.shuffle(rest)
    reqs = early[:300] + rest[:300] + early[300:] + rest[300:]
    plan = [(e, k, body) for e, k in reqs]
    assert len(plan) == ENTERPRISES + 2 * TRIPLE == 2000
    for i in sorted(rng.sample(range(len(plan)), RETRIED), reverse=True):
        plan.insert(i + 1, plan[i])  # the retry right behind its original: they race
    return plan


def fire(netlocs, plan, keys, threads=THREADS):
    """Send every request from a pool of threads, each with its own keep-alive HTTP connection to one of
    the servers (threads spread evenly over them)."""
    local = threading.local()
    results = [None] * len(plan)
    slots = iter(range(threads))
    slot_lock = threading.Lock()

    def connection_():
        if getattr(local, "conn", None) is None:
            if not hasattr(local, "netloc"):
                with slot_lock:
                    local.netloc = netlocs[next(slots) % len(netlocs)]
            local.conn = http.client.HTTPConnection(local.netloc, timeout=60)
            opened.append(local.conn)
        return local.conn

    opened = []

    def send(i):
        e, idem, body = plan[i]
        headers = {"Authorization": f"Bearer {keys[e]}", "Idempotency-Key": idem, "Content-Type": "application/json"}
        for _attempt in range(3):
            try:
                conn = connection_()
                t = time.perf_counter()
                conn.request("POST", "/api/v1/vouchers/applications", body=json.dumps(body), headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                results[i] = (resp.status, json.loads(data), time.perf_counter() - t)
                return
            except (ConnectionError, http.client.HTTPException, OSError):
                local.conn.close()
                local.conn = None  # the same request again, same key: safe by design
        results[i] = (0, None, 0)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(send, range(len(plan))))
    for conn in opened:
        conn.close()
    return results


def test_two_thousand_concurrent_applications(servers):
    programme, orgs, users, keys = build_world()
    plan = plan_requests(programme, keys)
    t = time.perf_counter()
    results = fire(servers, plan, keys)
    elapsed = time.perf_counter() - t
    connections.close_all()

    # every request answered: issued, or refused with a bilingual reason
    statuses = Counter(r[0] for r in results)
    assert set(statuses) <= {201, 409, 422}, statuses
    for (e, _, _), (status, body, _) in zip(plan, results):
        if status == 201:
            assert body["status"] == "issued" and D(body["face_value"]) == FACE
        else:
            reason = body["detail"][0]
            assert reason["zh"] and reason["en"] and reason["message"] == f"{reason['zh']} / {reason['en']}"
            expected = {409: {"budget_exhausted", "enterprise_cap"}, 422: {"not_eligible"}}[status]
            assert reason["code"] in expected, reason
            assert (reason["code"] == "not_eligible") == (e >= ENTERPRISES - INELIGIBLE)

    # a retry gets the first answer, byte for byte, and never a second voucher
    by_key = {}
    for (e, key, _), (status, body, _) in zip(plan, results):
        by_key.setdefault((e, key), []).append((status, body))
    retried = [answers for answers in by_key.values() if len(answers) > 1]
    assert len(retried) == RETRIED
    assert all(a == answers[0] for answers in retried for a in answers)
    decided = {k for k, answers in by_key.items() if answers[0][0] in (201, 409)}
    vouchers = list(Voucher.objects.filter(programme=programme).order_by("seq"))
    assert len(vouchers) == len(decided) == IdempotencyKey.objects.filter(status_code__in=[201, 409]).count()

    # exactly what the budget allows, nobody above the cap
    issued = [v for v in vouchers if v.status == "issued"]
    assert len(issued) == VOUCHERS and sum(v.face_value for v in issued) == programme.budget
    per_enterprise = Counter(v.enterprise_id for v in issued)
    assert max(per_enterprise.values()) <= CAP_VOUCHERS
    reasons = Counter(v.reason_code for v in vouchers if v.status == "rejected")
    assert reasons["enterprise_cap"] > 0 and reasons["budget_exhausted"] > 0

    # order of arrival: seq is 1..n without gaps, and replaying the applications in that order gives
    # exactly the decisions taken (first come, first served; an enterprise's cap checked before the budget)
    assert [v.seq for v in vouchers] == list(range(1, len(vouchers) + 1))
    left, held = programme.budget, Counter()
    for v in vouchers:
        if held[v.enterprise_id] + v.requested_amount > programme.cap_per_enterprise:
            expect = "enterprise_cap"
        elif v.requested_amount > left:
            expect = "budget_exhausted"
        else:
            expect = ""
            left -= v.requested_amount
            held[v.enterprise_id] += v.requested_amount
        assert v.reason_code == expect, (v.seq, v.reason_code, expect)
    assert all(a.issued_at <= b.issued_at for a, b in zip(issued, issued[1:]))  # issued in the order of the lock

    # one change record per voucher, every one sealed into the chain, and the chain verifies
    created = ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(Voucher), action="create")
    assert sorted(created.values_list("object_id", flat=True)) == sorted(v.pk for v in vouchers)
    report = audit_chain.verify(ObjectChange)
    assert report.ok and report.unsealed == 0, report.problems

    latencies = sorted(r[2] for r in results)
    print(
        f"\n{len(results)} requests in {elapsed:.1f}s = {len(results) / elapsed:.0f}/s; "
        f"p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, p99 {latencies[int(len(latencies) * 0.99)] * 1000:.0f} ms; {dict(statuses)}"
    )
