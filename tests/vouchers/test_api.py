"""Innovation vouchers: the life cycle through the API, every ledger invariant, caps, expiry, idempotency,
permissions per role and bilingual refusals. Runs on SQLite and on PostgreSQL (DATABASE_URL); after every
test the ledger invariants of every programme in the database are checked."""

import datetime as dt
import io
import json
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django.utils import timezone

from heluo.api.router import api
from heluo.core import audit_chain
from heluo.core.audit import history_for
from heluo.core.jobs import JobFailed, run_periodic_job
from heluo.core.models import ObjectChange, Role
from heluo.cultivation.models import EvaluationResult, EvaluationRun
from heluo.geo.models import Area
from heluo.orgs.models import Organization, Qualification
from heluo.vouchers import selectors, services
from heluo.vouchers.engine import ledger
from heluo.vouchers.loader import PROGRAMME_DIR, load_programme
from heluo.vouchers.models import BudgetCounter, Programme, Provider, ProviderService, Redemption, Voucher, VoucherEvent
from heluo.vouchers.services import Refused

from ..conftest import make_user
from .conftest import Api, sha

urlpatterns = [path("api/v1/", api.urls)]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.usefixtures("invariants_hold")]


EVIDENCE = [
    {"name": "合同.pdf", "sha256": sha("contract")},
    {"name": "发票.pdf", "sha256": sha("invoice")},
    {"name": "验收报告.pdf", "sha256": sha("acceptance")},
]


def make_programme(world, code="t-2025", **overrides):
    now = timezone.now()
    config = {
        "window": {"opens": (now - dt.timedelta(hours=1)).isoformat(), "closes": (now + dt.timedelta(hours=1)).isoformat()},
        "budget": "100000.00",
        "cap_per_enterprise": "40000.00",
        "eligible_rulesets": ["tech-sme-2022"],
        "eligible_qualifications": ["hte"],
        "startup_max_years": None,
        **overrides,
    }
    return load_programme("example", year=2025, authority=world.city.code, code=code, overrides=config)


@pytest.fixture
def vw(world, client, token_for):
    """The registry world plus: a programme (budget 100,000; cap 40,000 per enterprise), ent_a eligible by a
    stored tech-SME evaluation, ent_b by a high-tech certificate, an approved provider and users."""
    run = EvaluationRun.objects.create(
        ruleset="tech-sme-2022", ruleset_version="2022.1", ruleset_hash="0" * 64, year=2025, as_of=dt.date(2025, 5, 1)
    )
    EvaluationResult.objects.create(run=run, organization=world.ent_a, result="pass")
    EvaluationResult.objects.create(run=run, organization=world.ent_a2, result="fail")
    Qualification.objects.create(organization=world.ent_b, kind="hte", certificate_no="GR-T", valid_from=dt.date(2020, 1, 1))
    prov_org = Organization.objects.create(name="检测服务公司", kind="service_agency", area=world.a)
    other_org = Organization.objects.create(name="另一服务机构", kind="service_agency", area=world.b)
    provider = Provider.objects.create(organization=prov_org, authority=world.city, status="approved")
    ProviderService.objects.create(provider=provider, category="rd_services", name="委托研发", price=D("80000"))
    ProviderService.objects.create(provider=provider, category="testing", name="材料检测", price=D("20000"), unit="批次")
    other = Provider.objects.create(organization=other_org, authority=world.city, status="approved")
    ProviderService.objects.create(provider=other, category="ip_services", name="专利代理", price=D("5000"))
    users = world.users
    users.org_b = make_user("org_b", Role.ORG_USER, organization=world.ent_b)
    users.org_a2 = make_user("org_a2", Role.ORG_USER, organization=world.ent_a2)
    users.prov = make_user("prov", Role.ORG_USER, organization=prov_org)
    users.other_prov = make_user("other_prov", Role.ORG_USER, organization=other_org)
    world.programme = make_programme(world)
    world.provider, world.other_provider = provider, other
    world.as_ = lambda user: Api(client, token_for(user) if user is not None else None)
    return world


def apply(vw, user, amount="20000", vtype="rd", key=None, programme=None):
    headers = {"Idempotency-Key": key} if key else {}
    body = {"programme": (programme or vw.programme).pk, "voucher_type": vtype, "amount": amount}
    return vw.as_(user).post("vouchers/applications", body, headers)


def committed(programme):
    return BudgetCounter.objects.get(programme=programme, voucher_type=None).committed


# --- the pure ledger ----------------------------------------------------------------------------------

LIMITS = ledger.Limits(budget=D("100"), enterprise_cap=D("60"), type_budgets={1: D("80"), 2: None}, type_caps={1: D("50"), 2: D("50")})


def E(i, voucher, kind, amount="0", type_id=1, ent=7):
    return ledger.Event(i, voucher, type_id, ent, kind, D(amount))


def test_ledger_derives_balances_of_a_full_life():
    events = [
        E(1, 1, "applied"),
        E(2, 1, "issued", "50"),
        E(3, 1, "contracted"),
        E(4, 1, "delivered"),
        E(5, 1, "redemption_submitted", "40"),
        E(6, 1, "verified", "40"),
        E(7, 1, "settled", "15"),
        E(8, 1, "settled", "25"),
        E(9, 2, "applied", ent=8),
        E(10, 2, "issued", "30", ent=8),
        E(11, 2, "expired", "30", ent=8),
        E(12, 3, "applied", ent=9),
        E(13, 3, "rejected", ent=9),
    ]
    b, bad = ledger.replay(events, LIMITS)
    assert bad == []
    assert (b.issued, b.returned, b.released, b.committed, b.redeemed, b.settled) == (D(80), D(30), D(10), D(40), D(40), D(40))
    assert b.vouchers[1].status == "settled" and b.vouchers[2].status == "expired" and b.vouchers[3].status == "rejected"
    assert b.by_enterprise[7] == D(40) and b.by_enterprise[8] == 0


@pytest.mark.parametrize(
    "invariant, events",
    [
        (
            "budget",
            [
                E(1, 1, "applied"),
                E(2, 1, "issued", "50"),
                E(3, 2, "applied", type_id=2, ent=8),
                E(4, 2, "issued", "50", type_id=2, ent=8),
                E(5, 3, "applied", type_id=2, ent=9),
                E(6, 3, "issued", "10", type_id=2, ent=9),
                E(7, 3, "cancelled", "10", type_id=2, ent=9),
            ],
        ),
        ("type_budget", [E(1, 1, "applied"), E(2, 1, "issued", "50"), E(3, 2, "applied", ent=8), E(4, 2, "issued", "40", ent=8)]),
        (
            "enterprise_cap",
            [E(1, 1, "applied"), E(2, 1, "issued", "40"), E(3, 2, "applied", type_id=2), E(4, 2, "issued", "30", type_id=2)],
        ),
        ("voucher_cap", [E(1, 1, "applied"), E(2, 1, "issued", "51")]),
        ("lifecycle", [E(1, 1, "applied"), E(2, 1, "issued", "10"), E(3, 1, "issued", "10")]),  # issued twice
        (
            "lifecycle",
            [
                E(1, 1, "applied"),
                E(2, 1, "issued", "10"),
                E(3, 1, "contracted"),
                E(4, 1, "delivered"),
                E(5, 1, "redemption_submitted", "10"),
                E(6, 1, "verified", "10"),
                E(7, 1, "verified", "10"),
            ],
        ),  # redeemed twice
        (
            "lifecycle",
            [
                E(1, 1, "applied"),
                E(2, 1, "issued", "10"),
                E(3, 1, "contracted"),
                E(4, 1, "delivered"),
                E(5, 1, "redemption_submitted", "10"),
                E(6, 1, "verified", "10"),
                E(7, 1, "expired", "10"),
            ],
        ),  # expired after redemption
        (
            "redeemed_le_face",
            [
                E(1, 1, "applied"),
                E(2, 1, "issued", "10"),
                E(3, 1, "contracted"),
                E(4, 1, "delivered"),
                E(5, 1, "redemption_submitted", "10"),
                E(6, 1, "verified", "12"),
            ],
        ),
        (
            "settled_le_redeemed",
            [
                E(1, 1, "applied"),
                E(2, 1, "issued", "10"),
                E(3, 1, "contracted"),
                E(4, 1, "delivered"),
                E(5, 1, "redemption_submitted", "8"),
                E(6, 1, "verified", "8"),
                E(7, 1, "settled", "5"),
                E(8, 1, "settled", "5"),
            ],
        ),
        ("returned_eq_face", [E(1, 1, "applied"), E(2, 1, "issued", "10"), E(3, 1, "expired", "7")]),
    ],
)
def test_ledger_reports_each_broken_invariant(invariant, events):
    _, bad = ledger.replay(events, LIMITS)
    assert invariant in {v.invariant for v in bad}, [str(v) for v in bad]
    assert all(v.zh and v.en for v in bad)


def test_ledger_compares_counters_and_stored_vouchers():
    events = [E(1, 1, "applied"), E(2, 1, "issued", "10")]
    _, bad = ledger.check(
        events,
        LIMITS,
        programme_counter=D("10"),
        type_counters={1: D("10")},
        enterprise_counters={7: D("10")},
        stored={1: ("issued", D("10"), D("0"), D("0"))},
    )
    assert bad == []
    _, bad = ledger.check(
        events,
        LIMITS,
        programme_counter=D("9"),
        type_counters={1: D("10")},
        enterprise_counters={},
        stored={1: ("contracted", D("10"), D("0"), D("0"))},
    )
    assert {v.invariant for v in bad} == {"counter", "stored_state"}


# --- the life of a voucher through the API ------------------------------------------------------------


def test_full_life_cycle_through_the_api(vw):
    r = apply(vw, vw.users.org_a, "30000")
    assert r.status_code == 201, r.content
    v = r.json()
    assert v["status"] == "issued" and v["face_value"] == "30000.00" and v["seq"] == 1 and v["number"] == "t-2025-000001"
    assert v["expires_on"] == (timezone.localdate() + dt.timedelta(days=180)).isoformat()
    vid = v["id"]

    ent, prov, staff = vw.as_(vw.users.org_a), vw.as_(vw.users.prov), vw.as_(vw.users.staff)
    assert prov.get(f"vouchers/{vid}").status_code == 404  # not contracted with it yet
    r = ent.post(f"vouchers/{vid}/contract", {"provider": vw.provider.pk, "contract_no": "HT-2025-01", "contract_value": "50000"})
    assert r.status_code == 200, r.content
    assert r.json()["payable_limit"] == "25000.00"  # 50% of the contract value, below the face value
    assert prov.get(f"vouchers/{vid}").status_code == 200
    assert prov.post(f"vouchers/{vid}/delivery", {"note": "检测完成"}).json()["status"] == "delivered"
    r = prov.post(f"vouchers/{vid}/redemption", {"invoice_no": "FP001", "invoice_amount": "50000", "evidence": EVIDENCE})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "redemption_submitted" and r.json()["redemptions"][0]["amount"] == "25000.00"
    assert committed(vw.programme) == D("30000")

    r = staff.post(f"vouchers/{vid}/verify", {"accept": True})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "redeemed" and r.json()["redeemed_amount"] == "25000.00"
    assert committed(vw.programme) == D("25000")  # the unused 5,000 went back to the budget
    assert staff.post(f"vouchers/{vid}/settle", {"amount": "10000", "payment_ref": "ZF-1"}).json()["status"] == "redeemed"
    r = staff.post(f"vouchers/{vid}/settle", {"payment_ref": "ZF-2"})
    assert r.json()["status"] == "settled" and r.json()["settled_amount"] == "25000.00"

    events = ent.get(f"vouchers/{vid}").json()["events"]
    assert [e["kind"] for e in events] == [
        "applied",
        "issued",
        "contracted",
        "delivered",
        "redemption_submitted",
        "verified",
        "settled",
        "settled",
    ]
    assert [e["actor"] for e in events] == ["org_a", "org_a", "org_a", "prov", "prov", "staff", "staff", "staff"]
    assert events[5]["payload"]["released"] == "5000.00"

    bal = staff.get(f"vouchers/programmes/{vw.programme.pk}/balance").json()
    assert (bal["committed"], bal["redeemed"], bal["settled"], bal["available"]) == ("25000.00", "25000.00", "25000.00", "75000.00")
    assert bal["invariants_ok"] is True
    own = ent.get(f"vouchers/programmes/{vw.programme.pk}/balance").json()
    assert own["own_committed"] == "25000.00" and "violations" not in own
    record = vw.as_(None).get(f"vouchers/providers/{vw.provider.pk}").json()["record"]
    assert record["redeemed"] == 1 and record["redeemed_amount"] == "25000.00" and record["settled_amount"] == "25000.00"
    assert history_for(Voucher.objects.get(pk=vid)).count() >= 7  # every change in the change log


def test_budget_is_never_exceeded_and_refusal_is_bilingual_and_recorded(vw):
    Programme.objects.filter(pk=vw.programme.pk).update(cap_per_enterprise=D("60000"))  # the budget binds first here
    services.sync_counters(Programme.objects.get(pk=vw.programme.pk))
    for user in (vw.users.org_a, vw.users.org_a, vw.users.org_b, vw.users.org_b):
        assert apply(vw, user, "25000").status_code == 201
    r = apply(vw, vw.users.org_b, "10000")
    assert r.status_code == 409
    reason = r.json()["detail"][0]
    assert reason["code"] == "budget_exhausted" and "预算余额不足" in reason["zh"] and "Not enough budget" in reason["en"]
    assert reason["message"] == f"{reason['zh']} / {reason['en']}"
    refused = r.json()["application"]
    assert refused["status"] == "rejected" and refused["seq"] == 5 and refused["face_value"] == "0.00"
    assert committed(vw.programme) == vw.programme.budget
    assert Voucher.objects.filter(status="issued").count() == 4


def test_enterprise_cap(vw):
    assert apply(vw, vw.users.org_a, "20000").status_code == 201
    assert apply(vw, vw.users.org_a, "20000").status_code == 201
    r = apply(vw, vw.users.org_a, "0.01")
    assert r.status_code == 409 and r.json()["detail"][0]["code"] == "enterprise_cap"
    assert "40,000.00" in r.json()["detail"][0]["zh"]
    assert apply(vw, vw.users.org_b, "20000").status_code == 201  # another enterprise is not affected


def test_type_budget(vw):
    p = make_programme(
        vw,
        code="t-types",
        budget="100000",
        types=[
            {
                "code": "ip",
                "category": "ip_services",
                "name_zh": "知识产权服务券",
                "share_of_contract": "0.5",
                "cap_per_voucher": "20000",
                "budget": "30000",
            }
        ],
    )
    assert apply(vw, vw.users.org_a, "20000", "ip", programme=p).status_code == 201
    r = apply(vw, vw.users.org_b, "20000", "ip", programme=p)
    assert r.status_code == 409 and r.json()["detail"][0]["code"] == "type_budget_exhausted"


def test_type_budget_given_later_counts_what_the_type_already_holds(vw):
    assert apply(vw, vw.users.org_a, "20000", "rd").status_code == 201
    vw.programme.types.filter(code="rd").update(budget=D("30000"))
    services.sync_counters(vw.programme)
    assert BudgetCounter.objects.get(programme=vw.programme, voucher_type__code="rd").committed == D("20000")
    r = apply(vw, vw.users.org_b, "20000", "rd")
    assert r.status_code == 409 and r.json()["detail"][0]["code"] == "type_budget_exhausted"
    vw.programme.types.filter(code="rd").update(budget=None)
    services.sync_counters(vw.programme)
    assert apply(vw, vw.users.org_b, "20000", "rd").status_code == 201


@pytest.mark.parametrize(
    "who, amount, vtype, field, code, status",
    [
        ("org_a", "100000.01", "rd", "amount", "above_voucher_cap", 422),
        ("org_a", "-5", "rd", "amount", "amount_invalid", 422),
        ("org_a", "1.001", "rd", "amount", "amount_invalid", 422),
        ("org_a", "1e30", "rd", "amount", "amount_invalid", 422),  # was a server error
        ("org_a", "1000000000000", "rd", "amount", "amount_invalid", 422),
        ("org_a", "100", "nope", "voucher_type", "unknown_type", 422),
        ("org_a2", "100", "rd", None, "not_eligible", 422),
    ],
)
def test_requests_refused_before_allocation(vw, who, amount, vtype, field, code, status):
    r = apply(vw, getattr(vw.users, who), amount, vtype)
    assert r.status_code == status, r.content
    reason = r.json()["detail"][0]
    assert (reason["field"], reason["code"]) == (field, code) and reason["zh"] and reason["en"]
    assert r.json()["application"] is None and not Voucher.objects.exists()


def test_a_contract_value_too_large_to_record_is_refused(vw):
    vid = apply(vw, vw.users.org_a, "30000").json()["id"]
    ent = vw.as_(vw.users.org_a)
    for value in ("1e30", 1e30, "1000000000000"):
        r = ent.post(f"vouchers/{vid}/contract", {"provider": vw.provider.pk, "contract_no": "HT-1", "contract_value": value})
        assert r.status_code == 422, (value, r.content)
        assert r.json()["detail"][0]["field"] == "contract_value"
    assert Voucher.objects.get(pk=vid).status == "issued"


def test_window_and_roles(vw):
    Programme.objects.filter(pk=vw.programme.pk).update(
        window_opens=timezone.now() + dt.timedelta(days=1), window_closes=timezone.now() + dt.timedelta(days=2)
    )
    r = apply(vw, vw.users.org_a)
    assert (
        r.status_code == 409 and r.json()["detail"][0]["code"] == "window_closed" and "申领窗口未开放" in r.json()["detail"][0]["message"]
    )
    for user in (vw.users.district_a, vw.users.staff, vw.users.expert):
        assert apply(vw, user).status_code == 403
    assert apply(vw, None).status_code == 401
    r = vw.as_(vw.users.org_a).post("vouchers/applications", {"programme": 99999, "voucher_type": "rd", "amount": "1"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "programme"


# --- idempotency --------------------------------------------------------------------------------------


def test_retry_with_same_key_returns_first_answer(vw):
    first = apply(vw, vw.users.org_a, "20000", key="k-1")
    again = apply(vw, vw.users.org_a, "20000", key="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Voucher.objects.count() == 1 and committed(vw.programme) == D("20000")
    # the stored answer is the first one, even after the voucher moved on
    services.cancel(vw.users.org_a, Voucher.objects.get(), reason="不需要了")
    assert apply(vw, vw.users.org_a, "20000", key="k-1").json()["status"] == "issued"
    r = apply(vw, vw.users.org_a, "30000", key="k-1")
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "idempotency_key_reused"
    assert apply(vw, vw.users.org_b, "20000", key="k-1").status_code == 201  # keys are per user


def test_an_application_is_a_handful_of_statements(vw, django_capture_on_commit_callbacks):
    """Counted, not timed: one application through the API, from the token to the seal of its change record. On
    PostgreSQL: the token with its user, profile and enterprise, the programme with the type, the key's row,
    eligibility, the voucher's id, the enterprise's counter, the programme's counter (one UPDATE), everything else in
    one statement; then the seal (the chain, the unsealed rows, the chain's head, their links)."""
    api = vw.as_(vw.users.org_a)
    body = {"programme": vw.programme.pk, "voucher_type": "rd", "amount": "10000"}
    assert api.post("vouchers/applications", body, {"Idempotency-Key": "first"}).status_code == 201  # last_used written
    audit_chain.seal()  # the set-up's change records: the chain has a head
    for key, expected_status, statements in (("second", 201, {"postgresql": 12, "sqlite": 14}), ("second", 201, None)):
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            response = api.post("vouchers/applications", body, {"Idempotency-Key": key})
        assert response.status_code == expected_status
        sql = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
        if statements is None:  # the retry: the key's row taken, the stored answer and its voucher read
            assert len(sql) == 5, "\n".join(sql)
        else:
            assert len(sql) == statements[connection.vendor], "\n".join(sql)
            assert not any("FOR UPDATE" in s for s in sql)  # the counters are locked by their UPDATEs
    assert ObjectChange.objects.filter(chain_seq__isnull=True).count() == 0


def test_retry_of_a_refusal_returns_the_same_refusal(vw):
    Programme.objects.filter(pk=vw.programme.pk).update(budget=D("10000"))
    services.sync_counters(Programme.objects.get(pk=vw.programme.pk))
    first = apply(vw, vw.users.org_a, "20000", key="r-1")
    assert first.status_code == 409
    again = apply(vw, vw.users.org_a, "20000", key="r-1")
    assert again.status_code == 409 and again.json() == first.json()
    assert Voucher.objects.count() == 1


# --- expiry, cancellation and budget return -----------------------------------------------------------


def test_expiry_returns_the_amount_to_the_budget(vw):
    Programme.objects.filter(pk=vw.programme.pk).update(budget=D("20000"))
    services.sync_counters(Programme.objects.get(pk=vw.programme.pk))
    vid = apply(vw, vw.users.org_a, "20000").json()["id"]
    assert apply(vw, vw.users.org_b, "20000").status_code == 409
    v = Voucher.objects.get(pk=vid)
    assert services.expire_due(None, today=v.expires_on) == 0  # valid through its last day
    assert services.expire_due(None, today=v.expires_on + dt.timedelta(days=1)) == 1
    assert services.expire_due(None, today=v.expires_on + dt.timedelta(days=1)) == 0  # idempotent
    v.refresh_from_db()
    assert v.status == "expired" and committed(vw.programme) == 0
    ev = v.events.last()
    assert (ev.kind, ev.amount, ev.actor_name) == ("expired", D("20000"), "system")
    assert apply(vw, vw.users.org_b, "20000").status_code == 201  # the budget is free again
    r = vw.as_(vw.users.org_a).post(f"vouchers/{vid}/contract", {"provider": vw.provider.pk, "contract_no": "X", "contract_value": "1000"})
    assert r.status_code == 409 and r.json()["detail"][0]["code"] == "wrong_state"


def test_expired_voucher_cannot_be_claimed(vw):
    vid = apply(vw, vw.users.org_a, "20000").json()["id"]
    services.sign_contract(vw.users.org_a, vid, provider=vw.provider, contract_no="HT", contract_value="40000")
    services.deliver(vw.users.prov, vid)
    Voucher.objects.filter(pk=vid).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    r = vw.as_(vw.users.prov).post(f"vouchers/{vid}/redemption", {"invoice_no": "F1", "invoice_amount": "40000", "evidence": EVIDENCE})
    assert r.status_code == 409 and r.json()["detail"][0]["code"] == "expired"
    assert services.expire_due(None) == 1 and committed(vw.programme) == 0


def test_cancel_returns_the_amount(vw):
    vid = apply(vw, vw.users.org_a, "20000").json()["id"]
    assert vw.as_(vw.users.org_b).post(f"vouchers/{vid}/cancel", {"reason": "x"}).status_code == 404
    r = vw.as_(vw.users.org_a).post(f"vouchers/{vid}/cancel", {"reason": "项目取消"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert committed(vw.programme) == 0
    assert vw.as_(vw.users.org_a).post(f"vouchers/{vid}/cancel", {"reason": "again"}).status_code == 409


# --- redemption rules ---------------------------------------------------------------------------------


@pytest.fixture
def delivered(vw):
    vid = apply(vw, vw.users.org_a, "20000").json()["id"]
    services.sign_contract(
        vw.users.org_a, vid, provider=vw.provider, contract_no="HT-1", contract_value="60000"
    )  # pays min(20,000, 30,000)
    services.deliver(vw.users.org_a, vid)
    return vid


def test_redemption_limits(vw, delivered):
    prov = vw.as_(vw.users.prov)
    r = prov.post(
        f"vouchers/{delivered}/redemption", {"invoice_no": "F1", "invoice_amount": "60000", "amount": "20000.01", "evidence": EVIDENCE}
    )
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "above_payable"
    r = prov.post(
        f"vouchers/{delivered}/redemption", {"invoice_no": "F1", "invoice_amount": "60000", "evidence": [{"name": "x", "sha256": "abc"}]}
    )
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "evidence_invalid"
    other = vw.as_(vw.users.other_prov)
    assert (
        other.post(f"vouchers/{delivered}/redemption", {"invoice_no": "F1", "invoice_amount": "1", "evidence": EVIDENCE}).status_code == 404
    )
    assert (
        vw.as_(vw.users.org_a)
        .post(f"vouchers/{delivered}/redemption", {"invoice_no": "F1", "invoice_amount": "60000", "evidence": EVIDENCE})
        .status_code
        == 403
    )
    assert (
        prov.post(f"vouchers/{delivered}/redemption", {"invoice_no": "F1", "invoice_amount": "60000", "evidence": EVIDENCE}).status_code
        == 200
    )
    # refused, corrected, claimed again; verified once only
    staff = vw.as_(vw.users.staff)
    assert staff.post(f"vouchers/{delivered}/verify", {"accept": False}).status_code == 422  # a reason is required
    assert staff.post(f"vouchers/{delivered}/verify", {"accept": False, "reason": "发票抬头不符"}).json()["status"] == "delivered"
    assert (
        prov.post(f"vouchers/{delivered}/redemption", {"invoice_no": "F2", "invoice_amount": "60000", "evidence": EVIDENCE}).status_code
        == 200
    )
    assert vw.as_(vw.users.org_a).post(f"vouchers/{delivered}/verify", {}).status_code == 403
    assert staff.post(f"vouchers/{delivered}/verify", {"amount": "25000"}).status_code == 422
    assert staff.post(f"vouchers/{delivered}/verify", {}).status_code == 200
    r = staff.post(f"vouchers/{delivered}/verify", {})
    assert r.status_code == 409 and r.json()["detail"][0]["code"] == "wrong_state"
    r = staff.post(f"vouchers/{delivered}/settle", {"amount": "20000.01"})
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "above_redeemed"


def test_invoice_is_redeemed_once(vw, delivered):
    services.submit_redemption(vw.users.prov, delivered, invoice_no="F9", invoice_amount="60000", evidence=EVIDENCE)
    services.verify(vw.users.staff, delivered)
    second = apply(vw, vw.users.org_b, "10000").json()["id"]
    services.sign_contract(vw.users.org_b, second, provider=vw.provider, contract_no="HT-2", contract_value="60000")
    services.deliver(vw.users.org_b, second)
    with pytest.raises(Refused) as e:
        services.submit_redemption(vw.users.prov, second, invoice_no="F9", invoice_amount="60000", evidence=EVIDENCE)
    assert e.value.reason_code == "invoice_reused"


def test_database_refuses_a_second_accepted_redemption_and_a_counter_overrun(vw, delivered):
    red = services.submit_redemption(vw.users.prov, delivered, invoice_no="F1", invoice_amount="60000", evidence=EVIDENCE)
    services.verify(vw.users.staff, delivered)
    dup = Redemption(
        voucher_id=delivered,
        provider=vw.provider,
        status="accepted",
        contract_no="x",
        contract_value=1,
        invoice_no="other",
        invoice_amount=1,
        amount=1,
        accepted_amount=1,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        dup.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetCounter.objects.filter(programme=vw.programme, voucher_type=None).update(committed=vw.programme.budget + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Voucher.objects.filter(pk=delivered).update(settled_amount=D("30000"))  # settled ≤ redeemed
    assert red.pk


def test_events_are_append_only(vw):
    apply(vw, vw.users.org_a)
    ev = VoucherEvent.objects.first()
    with pytest.raises(ValueError):
        ev.save()
    with pytest.raises(ValueError):
        ev.delete()
    if connection.vendor == "postgresql":  # the trigger refuses even raw SQL
        from django.db import DatabaseError

        with pytest.raises(DatabaseError), transaction.atomic():
            VoucherEvent.objects.filter(pk=ev.pk).update(amount=D("1"))


# --- providers ----------------------------------------------------------------------------------------


def test_provider_joins_is_reviewed_and_suspended(vw):
    org = Organization.objects.create(name="知识产权代理所", kind="service_agency", area=vw.b)
    user = make_user("ip_agent", Role.ORG_USER, organization=org)
    body = {"contact": "王经理", "services": [{"category": "ip_services", "name": "发明专利申请代理", "price": "6000", "unit": "件"}]}
    r = vw.as_(user).post("vouchers/providers", body)
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    assert r.json()["status"] == "applied" and r.json()["authority"] == vw.city.code
    assert vw.as_(user).post("vouchers/providers", body).status_code == 409
    assert pid not in [p["id"] for p in vw.as_(None).get("vouchers/providers").json()["items"]]  # not public until approved
    assert vw.as_(user).post(f"vouchers/providers/{pid}/review", {"decision": "approve"}).status_code == 403
    staff = vw.as_(vw.users.staff)
    assert staff.post(f"vouchers/providers/{pid}/review", {"decision": "approve"}).json()["status"] == "approved"
    assert pid in [p["id"] for p in vw.as_(None).get("vouchers/providers").json()["items"]]

    vid = apply(vw, vw.users.org_a, "10000", "ip").json()["id"]
    assert staff.post(f"vouchers/providers/{pid}/review", {"decision": "suspend"}).status_code == 422  # reason required
    assert staff.post(f"vouchers/providers/{pid}/review", {"decision": "suspend", "reason": "材料造假嫌疑"}).json()["status"] == "suspended"
    r = vw.as_(vw.users.org_a).post(f"vouchers/{vid}/contract", {"provider": pid, "contract_no": "Z1", "contract_value": "20000"})
    assert r.status_code == 409 and r.json()["detail"][0]["code"] == "provider_not_approved"
    staff.post(f"vouchers/providers/{pid}/review", {"decision": "reinstate", "reason": "核查无误"})
    r = vw.as_(vw.users.org_a).post(
        f"vouchers/{vid}/contract", {"provider": vw.provider.pk, "contract_no": "Z1", "contract_value": "20000"}
    )
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "provider_no_service"  # no IP services there
    assert (
        vw.as_(vw.users.org_a)
        .post(f"vouchers/{vid}/contract", {"provider": pid, "contract_no": "Z1", "contract_value": "20000"})
        .status_code
        == 200
    )


def test_contract_only_with_a_provider_of_the_programmes_authority(vw):
    vid = apply(vw, vw.users.org_a, "10000").json()["id"]
    Provider.objects.filter(pk=vw.provider.pk).update(authority=vw.a)  # admitted by another authority
    r = vw.as_(vw.users.org_a).post(f"vouchers/{vid}/contract", {"provider": vw.provider.pk, "contract_no": "Z", "contract_value": "20000"})
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "provider_other_authority"
    r = vw.as_(vw.users.org_a).post(f"vouchers/{vid}/contract", {"provider": 999999, "contract_no": "Z", "contract_value": "20000"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "provider"


def test_read_only_token_cannot_apply(vw, client):
    from heluo.core.models import ApiToken

    _, key = ApiToken.issue(vw.users.org_a, write_enabled=False)
    r = Api(client, {"Authorization": f"Bearer {key}"}).post(
        "vouchers/applications", {"programme": vw.programme.pk, "voucher_type": "rd", "amount": "1"}
    )
    assert r.status_code == 403 and not Voucher.objects.exists()


# --- scope --------------------------------------------------------------------------------------------


def test_each_role_sees_its_own_vouchers(vw):
    a = apply(vw, vw.users.org_a).json()["id"]
    b = apply(vw, vw.users.org_b).json()["id"]
    services.sign_contract(vw.users.org_b, b, provider=vw.provider, contract_no="HT-B", contract_value="50000")

    def seen(user):
        r = vw.as_(user).get("vouchers")
        assert r.status_code == 200, r.content
        return sorted(v["id"] for v in r.json()["items"])

    assert seen(vw.users.admin) == seen(vw.users.staff) == sorted([a, b])
    assert seen(vw.users.org_a) == [a]
    assert seen(vw.users.org_b) == [b]
    assert seen(vw.users.prov) == [b]  # contracted with it
    assert seen(vw.users.other_prov) == []
    assert seen(vw.users.district_a) == [a]  # enterprise a is in district A
    assert seen(vw.users.expert) == []
    assert vw.as_(None).get("vouchers").status_code == 401
    assert vw.as_(vw.users.org_b).get(f"vouchers/{a}").status_code == 404
    assert vw.as_(vw.users.district_a).post(f"vouchers/{a}/cancel", {"reason": "x"}).status_code == 403
    assert vw.as_(vw.users.org_a).get(f"vouchers/programmes/{vw.programme.pk}/reconciliation").status_code == 403
    assert vw.as_(vw.users.org_a).get("vouchers/").status_code == 200  # the trailing-slash form too


# --- review mode --------------------------------------------------------------------------------------


def test_review_mode_issues_by_score_until_the_budget_is_used(vw):
    p = make_programme(vw, code="t-review", allocation_mode="review", budget="50000", cap_per_enterprise=None)
    ids = [apply(vw, u, "20000", programme=p).json() for u in (vw.users.org_a, vw.users.org_b, vw.users.org_a)]
    assert [v["status"] for v in ids] == ["applied"] * 3 and committed(p) == 0
    staff = vw.as_(vw.users.staff)
    for v, score in zip(ids, (70, 90, 80)):
        assert staff.post(f"vouchers/{v['id']}/review", {"score": score}).status_code == 200
    assert services.issue_ranked(vw.users.staff, p) == {"issued": 2, "rejected": 1}
    got = {v.pk: v.status for v in Voucher.objects.filter(programme=p)}
    assert [got[v["id"]] for v in ids] == ["rejected", "issued", "issued"]
    assert committed(p) == D("40000")


# --- reconciliation, configuration, eligibility -------------------------------------------------------


def test_daily_reconciliation_report_and_command(vw, delivered):
    services.submit_redemption(vw.users.prov, delivered, invoice_no="F1", invoice_amount="60000", evidence=EVIDENCE)
    services.verify(vw.users.staff, delivered, amount="15000")
    report = selectors.reconcile(vw.programme)
    assert report["ok"] and all(i["ok"] for i in report["invariants"])
    assert report["closing"]["committed"] == "15000.00" and report["opening"]["committed"] == "0.00"
    assert report["movements"]["issued"] == {"count": 1, "amount": "20000.00"}
    assert {i["code"] for i in report["invariants"]} == set(ledger.INVARIANTS)
    out = io.StringIO()
    call_command("vouchers", "reconcile", "--programme", vw.programme.code, stdout=out)
    assert "全部不变量成立 / all invariants hold" in out.getvalue()
    r = vw.as_(vw.users.staff).get(f"vouchers/programmes/{vw.programme.pk}/reconciliation")
    assert r.status_code == 200 and r.json()["ok"] is True


def test_reconcile_command_fails_on_a_broken_invariant(vw):
    apply(vw, vw.users.org_a)
    BudgetCounter.objects.filter(programme=vw.programme, voucher_type=None).update(committed=D("1"))  # a tampered counter
    out = io.StringIO()
    with pytest.raises(SystemExit) as e:
        call_command("vouchers", "reconcile", stdout=out)
    assert e.value.code == 1 and "[FAIL]" in out.getvalue()
    BudgetCounter.objects.filter(programme=vw.programme, voucher_type=None).update(committed=D("20000"))  # repaired for the final check


def test_expiry_and_reconciliation_as_daily_jobs(vw):
    vid = apply(vw, vw.users.org_a, "20000").json()["id"]
    Voucher.objects.filter(pk=vid).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    assert run_periodic_job.call("vouchers-expire") == {"expired": 1}
    assert Voucher.objects.get(pk=vid).events.last().actor_name == "system"
    assert run_periodic_job.call("vouchers-reconcile") == {"ok": True, "programmes": 1, "broken": []}
    counter = BudgetCounter.objects.filter(programme=vw.programme, voucher_type=None)
    committed = counter.get().committed
    counter.update(committed=committed + 1)  # a tampered counter: the job fails, naming the programme
    with pytest.raises(JobFailed, match=vw.programme.code):
        run_periodic_job.call("vouchers-reconcile")
    counter.update(committed=committed)  # repaired for the final check


def test_example_configuration_is_labelled(world):
    raw = json.loads((PROGRAMME_DIR / "example.json").read_text(encoding="utf-8"))
    assert "示例" in raw["EXAMPLE"] and "Example" in raw["EXAMPLE"] and "[NF]" in raw["EXAMPLE"]
    out = io.StringIO()
    call_command("vouchers", "load", "--year", "2030", stdout=out)
    p = Programme.objects.get(code="example-2030")
    assert p.is_example and "[NF]" in p.note_zh and "[NF]" in p.note_en and "示例" in p.name_zh
    assert p.authority == world.city and "EXAMPLE" in out.getvalue()
    assert BudgetCounter.objects.filter(programme=p).count() == 3  # the programme and the two types with a budget
    load_programme("example", year=2030)  # loading again updates, never duplicates
    assert Programme.objects.filter(code="example-2030").count() == 1


def test_eligibility_rules(vw):
    p = vw.programme
    assert selectors.eligibility(p, vw.ent_a).basis[0].startswith("ruleset:tech-sme-2022")
    assert selectors.eligibility(p, vw.ent_b).basis == ["qualification:hte"]
    assert selectors.eligibility(p, vw.ent_a2).refusal.reason_code == "not_eligible"
    assert selectors.eligibility(p, vw.provider.organization).refusal.reason_code == "not_enterprise"
    # a later failing run replaces the earlier pass
    run = EvaluationRun.objects.create(
        ruleset="tech-sme-2022", ruleset_version="2022.1", ruleset_hash="1" * 64, year=2025, as_of=dt.date(2025, 6, 1)
    )
    EvaluationResult.objects.create(run=run, organization=vw.ent_a, result="fail")
    assert not selectors.eligibility(p, vw.ent_a).ok
    p.startup_max_years = 20
    assert selectors.eligibility(p, vw.ent_a).basis == ["startup"]  # founded 2015
    other_city = type(vw.city).objects.create(code="410400", name_zh="平顶山市", name_en="Pingdingshan", kind="city")
    outsider = Organization.objects.create(name="外市企业", area=other_city)
    assert selectors.eligibility(p, outsider).refusal.reason_code == "outside_area"
    Programme.objects.filter(pk=p.pk).update(eligible_rulesets=[], eligible_qualifications=[], startup_max_years=None)
    p.refresh_from_db()
    assert selectors.eligibility(p, vw.ent_a2).basis == ["open"]


def test_budget_cannot_drop_below_committed(vw):
    apply(vw, vw.users.org_a, "20000")
    p = Programme.objects.get(pk=vw.programme.pk)
    p.budget = D("10000")
    with pytest.raises(Refused):
        services.programme_save(vw.users.staff, p)
    assert Programme.objects.get(pk=p.pk).budget == D("100000")


# --- found in review ----------------------------------------------------------------------------------


def test_the_bureau_never_issues_more_than_was_applied_for(vw):
    p = make_programme(vw, code="t-review2", allocation_mode="review", budget="50000", cap_per_enterprise=None)
    vid = apply(vw, vw.users.org_a, "1000", programme=p).json()["id"]
    with pytest.raises(Refused) as e:
        services.issue(vw.users.staff, vid, face_value="5000")
    assert e.value.reason_code == "above_requested"
    assert services.issue(vw.users.staff, vid, face_value="800").face_value == D("800.00")  # less is allowed


def test_after_delivery_only_the_bureau_cancels(vw, delivered):
    with pytest.raises(PermissionDenied):
        services.cancel(vw.users.org_a, delivered, reason="不想要了")
    assert services.cancel(vw.users.staff, delivered, reason="服务未按约定完成，双方同意撤销").status == "cancelled"


def test_a_payment_reference_is_recorded_once(vw, delivered):
    services.submit_redemption(
        vw.users.prov, delivered, invoice_no="FP-9", invoice_amount="60000", evidence=[{"name": "合同.pdf", "sha256": "a" * 64}]
    )
    services.verify(vw.users.staff, delivered)
    services.settle(vw.users.staff, delivered, amount="5000", payment_ref="ZF-7")
    with pytest.raises(Refused) as e:
        services.settle(vw.users.staff, delivered, amount="5000", payment_ref="ZF-7")
    assert e.value.reason_code == "duplicate_payment" and Voucher.objects.get(pk=delivered).settled_amount == D("5000.00")


def test_public_balance_comes_from_counters_and_matches_the_ledger(vw, client):
    apply(vw, vw.users.org_a, "20000")
    anonymous = client.get(f"/api/v1/vouchers/programmes/{vw.programme.pk}/balance").json()
    bureau = selectors.programme_balance(vw.users.staff, vw.programme)
    for key in ("budget", "issued", "committed", "available", "redeemed", "settled"):
        assert anonymous[key] == bureau[key], key
    assert "violations" not in anonymous and "vouchers" not in anonymous


def test_providers_join_this_citys_bureau_only(vw):
    other_city = Area.objects.create(code="410400", name_zh="平顶山市", name_en="Pingdingshan", kind="city")
    r = vw.as_(vw.users.org_a2).post(
        "vouchers/providers", {"authority": other_city.code, "services": [{"category": "testing", "name": "检测", "price": "100"}]}
    )
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "not_our_authority"


def test_a_provider_does_not_see_the_enterprises_application_details(vw, delivered):
    provider_view = selectors.voucher_events(vw.users.prov, Voucher.objects.get(pk=delivered))
    applied = next(e for e in provider_view if e.kind == "applied")
    assert "eligibility" not in applied.payload and "requested" not in applied.payload
    own_view = selectors.voucher_events(vw.users.org_a, Voucher.objects.get(pk=delivered))
    assert "eligibility" in next(e for e in own_view if e.kind == "applied").payload
