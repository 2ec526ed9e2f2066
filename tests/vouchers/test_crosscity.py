"""Across cities: the signed partner API (signature, replay, clock window), the issuing side's services
(lock, redeem, release through the normal ledger), our providers' side (PartnerRedemption), the settlement
statement's arithmetic — on one database (SQLite or PostgreSQL) — and two Heluo instances on this machine
(two ports, two databases) redeeming each other's vouchers over HTTP."""

import datetime as dt
import hashlib
import hmac
import io
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal as D

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import path
from django.utils import timezone

from heluo.api.router import api
from heluo.core.codes import make_uscc
from heluo.core.models import Role
from heluo.geo.models import Area
from heluo.orgs.models import Organization
from heluo.vouchers import selectors, services
from heluo.vouchers.engine import signing
from heluo.vouchers.loader import load_programme
from heluo.vouchers.models import (
    PartnerCity,
    PartnerNonce,
    PartnerRedemption,
    Programme,
    Provider,
    ProviderService,
    Redemption,
    VoucherEvent,
)
from heluo.vouchers.selectors import partners
from heluo.vouchers.services import Refused, crosscity, partner_uses

from ..conftest import make_user
from .conftest import sha

urlpatterns = [path("api/v1/", api.urls)]
IS_PG = "postgresql" in settings.DATABASES["default"]["ENGINE"]
SECRET = "xcity-test-secret-" + "0123456789abcdef" * 2
P_CODE, P_NAME = "410400", "平顶山市"
PATH = "/api/v1/partner/vouchers/"


EVIDENCE = [
    {"name": "合同.pdf", "sha256": sha("contract")},
    {"name": "发票.pdf", "sha256": sha("invoice")},
    {"name": "验收报告.pdf", "sha256": sha("acceptance")},
]


def bilingual(body, code=None):
    reason = body["detail"][0]
    assert reason["zh"] and reason["en"] and reason["message"] == f"{reason['zh']} / {reason['en']}"
    assert any("\u4e00" <= c <= "\u9fff" for c in reason["zh"])
    if code:
        assert reason["code"] == code, reason
    return reason


# --- one database: our city (the conftest world, its city as the authority) and partner city P --------


@pytest.fixture
def xw(world, db):
    """Our programme (open to every enterprise of the city), two issued vouchers of ent_a and ent_b, our
    approved provider with a user, the bureau, and partner city P (通兑)."""
    now = timezone.now()
    world.programme = load_programme(
        "example",
        year=2025,
        authority=world.city.code,
        code="xc-2025",
        overrides={
            "window": {"opens": (now - dt.timedelta(hours=1)).isoformat(), "closes": (now + dt.timedelta(hours=1)).isoformat()},
            "budget": "100000.00",
            "cap_per_enterprise": "40000.00",
            "eligible_rulesets": [],
            "eligible_qualifications": [],
            "startup_max_years": None,
        },
    )
    rd = world.programme.types.get(code="rd")
    users = world.users
    users.org_b = make_user("org_b", Role.ORG_USER, organization=world.ent_b)
    world.voucher = services.apply(users.org_a, world.programme, voucher_type=rd, amount="20000").voucher
    world.voucher_b = services.apply(users.org_b, world.programme, voucher_type=rd, amount="10000").voucher
    assert world.voucher.status == world.voucher_b.status == "issued"
    prov_org = Organization.objects.create(
        name="本市检测公司", kind="service_agency", area=world.a, uscc=make_uscc("9", "1", "410305", "MA0000P1")
    )
    world.provider = Provider.objects.create(organization=prov_org, authority=world.city, status="approved")
    ProviderService.objects.create(provider=world.provider, category="rd_services", name="委托研发", price=D("80000"))
    users.prov = make_user("prov", Role.ORG_USER, organization=prov_org)
    world.partner = crosscity.configure_partner(P_CODE, P_NAME, "http://127.0.0.1:9", SECRET, model="tongdui", terms="季度结算 / quarterly")
    world.p_provider = {"uscc": make_uscc("9", "1", "410402", "MA0000Q1"), "name": "平顶山研发服务中心", "service": "委托研发"}
    yield world
    for programme in Programme.objects.all():  # the ledger holds whatever the partner did
        _, violations = selectors.check_programme(programme)
        assert not violations, [str(v) for v in violations]


def signed_headers(path_, raw, *, code=P_CODE, secret=SECRET, ts=None, nonce=None):
    ts = str(int(time.time()) if ts is None else ts)
    nonce = nonce or secrets.token_urlsafe(18)
    mac = hmac.new(secret.encode(), signing.canonical_request("POST", path_, code, ts, nonce, raw), hashlib.sha256).hexdigest()
    return {"X-Heluo-Partner": code, "X-Heluo-Timestamp": ts, "X-Heluo-Nonce": nonce, "X-Heluo-Signature": mac}


def call(client, action, body, *, headers=None, send_to=None, raw=None, **sign):
    raw = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
    headers = headers if headers is not None else signed_headers(PATH + action, raw, **sign)
    return client.generic("POST", send_to or PATH + action, raw, content_type="application/json", headers=headers)


def ref(xw, voucher=None):
    v = voucher or xw.voucher
    return {"number": v.number, "enterprise_uscc": v.enterprise.uscc}


# --- signing ------------------------------------------------------------------------------------------


def test_canonical_form_is_pinned():
    body = b'{"a":1}'
    expected = f"HELUO-HMAC-SHA256\nPOST\n/api/v1/partner/vouchers/verify\n410400\n1700000000\nabcdefghijklmnop\n{hashlib.sha256(body).hexdigest()}".encode()
    assert (
        signing.canonical_request("post", "/api/v1/partner/vouchers/verify", "410400", "1700000000", "abcdefghijklmnop", body) == expected
    )


@pytest.mark.urls(__name__)
def test_signed_verify_answers_only_what_the_partner_needs_and_signs_the_answer(xw, client):
    raw = json.dumps(ref(xw)).encode()
    headers = signed_headers(PATH + "verify", raw)
    r = call(client, "verify", None, raw=raw, headers=headers)
    assert r.status_code == 200, r.content
    v = r.json()["voucher"]
    assert v["number"] == xw.voucher.number and v["status"] == "issued" and v["usable"] is True
    assert v["face_value"] == "20000.00" and v["payable"] == "20000.00" and v["enterprise"] == {"name": xw.ent_a.name}
    assert v["locked_by_you"] is False and "contract_no" not in v and "uscc" not in json.dumps(v["enterprise"])
    # the answer is signed for this request (its nonce), and any change to it shows
    assert crosscity.response_is_authentic(xw.partner, 200, PATH + "verify", headers["X-Heluo-Nonce"], r.headers, r.content)
    assert not crosscity.response_is_authentic(xw.partner, 200, PATH + "verify", "another-nonce-0000", r.headers, r.content)
    assert not crosscity.response_is_authentic(xw.partner, 200, PATH + "verify", headers["X-Heluo-Nonce"], r.headers, r.content + b" ")


@pytest.mark.urls(__name__)
def test_tampering_is_refused_401_bilingual(xw, client):
    raw = json.dumps(ref(xw)).encode()
    # body changed after signing
    h = signed_headers(PATH + "verify", raw)
    bilingual(call(client, "verify", None, raw=raw.replace(b"}", b', "x": 1}'), headers=h).json(), "bad_signature")
    # signed for one path, sent to another
    h = signed_headers(PATH + "verify", raw)
    r = call(client, "lock", None, raw=raw, headers=h)
    assert r.status_code == 401 and bilingual(r.json(), "bad_signature")
    # timestamp changed after signing (still inside the window)
    h = signed_headers(PATH + "verify", raw)
    h["X-Heluo-Timestamp"] = str(int(h["X-Heluo-Timestamp"]) - 5)
    assert call(client, "verify", None, raw=raw, headers=h).status_code == 401
    # wrong secret, unknown partner, missing headers, a malformed nonce
    assert call(client, "verify", None, raw=raw, secret="another-secret-" + "x" * 32).status_code == 401
    r = call(client, "verify", None, raw=raw, code="999999")
    assert r.status_code == 401 and bilingual(r.json(), "unknown_partner")
    r = client.post(PATH + "verify", raw, content_type="application/json")
    assert r.status_code == 401 and bilingual(r.json(), "signature_missing")
    assert call(client, "verify", None, raw=raw, nonce="short").status_code == 401
    # a bad signature is 401 even when the body is not valid either (authentication comes first)
    assert call(client, "verify", None, raw=b"{not json", headers=signed_headers(PATH + "verify", b"{}")).status_code == 401
    # an inactive partner is refused like an unknown one
    PartnerCity.objects.filter(pk=xw.partner.pk).update(active=False)
    r = call(client, "verify", None, raw=raw)
    assert r.status_code == 401 and bilingual(r.json(), "unknown_partner")
    assert not PartnerNonce.objects.exists()  # nothing unauthenticated was recorded


@pytest.mark.urls(__name__)
def test_replay_is_409_and_a_bad_signature_burns_no_nonce(xw, client):
    raw = json.dumps(ref(xw)).encode()
    nonce = secrets.token_urlsafe(18)
    forged = signed_headers(PATH + "verify", raw, nonce=nonce, secret="forger-" + "y" * 32)
    assert call(client, "verify", None, raw=raw, headers=forged).status_code == 401
    h = signed_headers(PATH + "verify", raw, nonce=nonce)
    assert call(client, "verify", None, raw=raw, headers=h).status_code == 200  # the forger did not burn it
    r = call(client, "verify", None, raw=raw, headers=h)
    assert r.status_code == 409 and bilingual(r.json(), "replayed_nonce")
    # a replay of a lock changes nothing either
    body = {**ref(xw), "provider": xw.p_provider, "contract_no": "PDS-1", "contract_value": "30000"}
    raw = json.dumps(body).encode()
    h = signed_headers(PATH + "lock", raw)
    assert call(client, "lock", None, raw=raw, headers=h).status_code == 200
    events = VoucherEvent.objects.count()
    assert call(client, "lock", None, raw=raw, headers=h).status_code == 409
    assert VoucherEvent.objects.count() == events


@pytest.mark.urls(__name__)
def test_clock_window(xw, client, settings):
    raw = json.dumps(ref(xw)).encode()
    now = int(time.time())
    for ts in (now - 330, now + 330):  # margins: a loaded machine takes seconds between calls
        r = call(client, "verify", None, raw=raw, ts=ts)
        assert r.status_code == 401 and bilingual(r.json(), "stale_timestamp")
    assert call(client, "verify", None, raw=raw, ts=now - 270).status_code == 200
    settings.HELUO_PARTNER_CLOCK_SKEW_SECONDS = 30
    assert call(client, "verify", None, raw=raw, ts=now - 60).status_code == 401
    settings.HELUO_PARTNER_CLOCK_SKEW_SECONDS = 900
    assert call(client, "verify", None, raw=raw, ts=now - 600).status_code == 200
    # nonces older than twice the window are purged; recent ones are kept
    PartnerNonce.objects.create(partner=xw.partner, nonce="old-nonce-0000000000", received_at=timezone.now() - dt.timedelta(hours=2))
    assert call(client, "verify", None, raw=raw).status_code == 200
    assert not PartnerNonce.objects.filter(nonce="old-nonce-0000000000").exists() and PartnerNonce.objects.count() == 3


# --- the issuing side ---------------------------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_lock_redeem_verify_settle_through_the_api_and_the_ledger(xw, client):
    v = xw.voucher
    # unknown number, another holder's USCC: the same 404
    for body in ({"number": "nope-000001", "enterprise_uscc": xw.ent_a.uscc}, {"number": v.number, "enterprise_uscc": xw.ent_b.uscc}):
        r = call(client, "verify", body)
        assert r.status_code == 404 and bilingual(r.json(), "not_found")
    lock = {**ref(xw), "provider": xw.p_provider, "contract_no": "PDS-2025-001", "contract_value": "30000.00"}
    r = call(client, "lock", lock)
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["voucher"]["locked_by_you"] and data["voucher"]["payable"] == "15000.00" and data["lock"]["reference"].startswith("lock:")
    v.refresh_from_db()
    assert v.status == "contracted" and v.contract_no == "PDS-2025-001" and v.payable_limit == D("15000.00")
    # the partner's provider is a Provider admitted by the partner city, in an Area of kind city with the partner's code
    area = Area.objects.get(code=P_CODE)
    assert area.kind == "city" and xw.partner.area_id == area.pk == PartnerCity.objects.get(pk=xw.partner.pk).area_id
    assert v.provider.authority_id == area.pk and v.provider.organization.uscc == xw.p_provider["uscc"] and v.provider.status == "approved"
    assert v.provider.organization.area_id == area.pk and not v.provider.organization.is_published
    ev = VoucherEvent.objects.filter(voucher=v, kind="contracted").get()
    assert ev.via == f"partner:{P_CODE}" and ev.actor_name == "system"
    # a retry of the same lock answers the lock; another contract or provider is refused
    again = call(client, "lock", lock)
    assert again.status_code == 200 and again.json()["replayed"] and again.json()["lock"] == data["lock"]
    assert VoucherEvent.objects.filter(voucher=v, kind="contracted").count() == 1
    r = call(client, "lock", {**lock, "contract_no": "OTHER"})
    assert r.status_code == 409 and bilingual(r.json(), "wrong_state")
    # redeem: above what the voucher pays → 422; then the claim, idempotent by the partner's reference
    claim = {**ref(xw), "invoice_no": "PDS-INV-1", "invoice_amount": "30000.00", "evidence": EVIDENCE, "partner_reference": "410300:PR1"}
    r = call(client, "redeem", {**claim, "amount": "15000.01"})
    assert r.status_code == 422 and bilingual(r.json(), "above_payable")
    v.refresh_from_db()
    assert v.status == "contracted"  # the refused claim rolled its delivery back too
    r = call(client, "redeem", claim)
    assert r.status_code == 200, r.content
    red = Redemption.objects.get(voucher=v)
    assert (
        red.channel == "partner"
        and red.partner_authority_id == area.pk
        and red.partner_reference == "410300:PR1"
        and red.amount == D("15000.00")
    )
    assert r.json()["redemption"]["reference"] == f"redemption:{red.pk}" and r.json()["voucher"]["status"] == "redemption_submitted"
    assert call(client, "redeem", claim).json()["replayed"] is True and Redemption.objects.filter(voucher=v).count() == 1
    # the bureau verifies and settles it as any redemption
    services.verify(xw.users.admin, v, amount="14000")
    services.settle(xw.users.admin, v, amount="4000", payment_ref="PAY-1")
    r = call(client, "verify", {**ref(xw), "partner_reference": "410300:PR1"})
    seen = r.json()["voucher"]
    assert (
        seen["status"] == "redeemed" and seen["redemption"]["status"] == "accepted" and seen["redemption"]["accepted_amount"] == "14000.00"
    )
    assert seen["settled_amount"] == "4000.00" and seen["redemption"]["decided_at"]


def test_release_withdraws_a_pending_claim_but_not_a_contract(xw):
    p, v = xw.partner, xw.voucher
    with crosscity.acting_for(p):
        crosscity.partner_lock(p, v.number, xw.ent_a.uscc, xw.p_provider, "C-1", "10000")
        with pytest.raises(Refused) as e:
            crosscity.partner_release(p, v.number, xw.ent_a.uscc, "R-1")
        assert e.value.status == 409 and e.value.reason_code == "contract_recorded"
        crosscity.partner_redeem(
            p, v.number, xw.ent_a.uscc, invoice_no="I-1", invoice_amount="10000", evidence=EVIDENCE, partner_reference="R-1"
        )
        out = crosscity.partner_release(p, v.number, xw.ent_a.uscc, "R-1")
    assert out["withdrawn"] and out["redemption"]["status"] == "rejected" and out["voucher"]["status"] == "delivered"
    # claimed again under the same reference: a new claim (the withdrawn one stays on record)
    crosscity.partner_redeem(
        p, v.number, xw.ent_a.uscc, invoice_no="I-2", invoice_amount="10000", evidence=EVIDENCE, partner_reference="R-1"
    )
    assert list(Redemption.objects.filter(voucher=v).order_by("id").values_list("status", flat=True)) == ["rejected", "submitted"]


def test_partner_rules(xw):
    p, v = xw.partner, xw.voucher
    # another partner's lock is not yours: 409 for redeem; our local provider's voucher the same
    other = crosscity.configure_partner("410500", "安阳市", "http://127.0.0.1:9", SECRET, model="tongdui")
    crosscity.partner_lock(p, v.number, xw.ent_a.uscc, xw.p_provider, "C-1", "10000")
    with pytest.raises(Refused) as e:
        crosscity.partner_redeem(
            other, v.number, xw.ent_a.uscc, invoice_no="I", invoice_amount="1", evidence=EVIDENCE, partner_reference="x"
        )
    assert e.value.reason_code == "not_locked_by_partner" and e.value.status == 409
    assert "contract_no" not in crosscity.partner_verify(other, v.number, xw.ent_a.uscc)["voucher"]
    # 通用: the partner may lock (the contract is on record) but its provider does not redeem
    PartnerCity.objects.filter(pk=p.pk).update(redemption_model="tongyong")
    p.refresh_from_db()
    with pytest.raises(Refused) as e:
        crosscity.partner_redeem(p, v.number, xw.ent_a.uscc, invoice_no="I", invoice_amount="1", evidence=EVIDENCE, partner_reference="x")
    assert e.value.reason_code == "model_tongyong"
    # an invalid USCC of the partner's provider is 422; its own enterprise cannot be its provider
    good = xw.p_provider["uscc"]
    with pytest.raises(Refused) as e:
        crosscity.partner_lock(
            p, xw.voucher_b.number, xw.ent_b.uscc, {**xw.p_provider, "uscc": good[:-1] + ("1" if good[-1] == "0" else "0")}, "C-2", "100"
        )
    assert e.value.status == 422 and e.value.reason_code == "provider_uscc"
    with pytest.raises(Refused) as e:
        crosscity.partner_lock(p, xw.voucher_b.number, xw.ent_b.uscc, {"uscc": xw.ent_b.uscc, "name": "x"}, "C-2", "100")
    assert e.value.reason_code == "provider_not_partners"  # one of our organizations is never a partner's provider
    # a provider of an authority that is no active partner is still refused by sign_contract (unchanged rule)
    PartnerCity.objects.filter(pk=p.pk).update(active=False)
    with pytest.raises(Refused) as e:
        services.sign_contract(
            xw.users.admin,
            xw.voucher_b,
            provider=Provider.objects.get(organization__uscc=xw.p_provider["uscc"]),
            contract_no="C-3",
            contract_value="100",
        )
    assert e.value.reason_code == "provider_other_authority"
    # our own issuing area can never be configured as a partner
    with pytest.raises(Refused) as e:
        crosscity.configure_partner(xw.city.code, "x", "http://127.0.0.1:9", SECRET, model="tongdui")
    assert e.value.reason_code == "partner_area_is_ours"


# --- our providers' side (the partner's platform answered by a stub) ----------------------------------


class StubClient:
    """Answers as the partner's platform would (see the two-instance test for the real one)."""

    def __init__(self, answers):
        self.answers, self.calls = answers, []

    def _answer(self, name, *args, **kwargs):
        self.calls.append((name, args, kwargs))
        answer = self.answers[name]
        if isinstance(answer, Exception):
            raise answer
        return answer(*args, **kwargs) if callable(answer) else answer


for _name in ("verify", "lock", "redeem", "release"):
    setattr(StubClient, _name, lambda self, *a, _n=_name, **k: self._answer(_n, *a, **k))

P_VOUCHER = {
    "number": "pds-2025-000007",
    "status": "contracted",
    "face_value": "30000.00",
    "enterprise": {"name": "平顶山企业"},
    "locked_by_you": True,
    "contract_no": "LY-1",
    "lock_reference": "lock:77",
}
P_USCC = make_uscc("9", "1", "410402", "MA0000E1")


def test_use_and_redeem_a_partner_voucher(xw):
    prov, p = xw.users.prov, xw.partner
    stub = StubClient({"lock": (200, {"voucher": P_VOUCHER, "lock": {"reference": "lock:77"}})})
    pr = partner_uses.use_partner_voucher(
        prov, p, number=P_VOUCHER["number"], enterprise_uscc=P_USCC, contract_no="LY-1", contract_value="60000", client=stub
    )
    assert (
        pr.status == "locked"
        and pr.partner_reference == "lock:77"
        and pr.face_value == D("30000.00")
        and pr.enterprise_name == "平顶山企业"
    )
    sent = stub.calls[0][1]
    assert sent[2]["uscc"] == xw.provider.organization.uscc and sent[1] == P_USCC
    # idempotent: the same contract again is the same row, without a call; another provider here is refused
    assert (
        partner_uses.use_partner_voucher(
            prov, p, number=P_VOUCHER["number"], enterprise_uscc=P_USCC, contract_no="LY-1", contract_value="60000", client=stub
        ).pk
        == pr.pk
    )
    assert len(stub.calls) == 1
    with pytest.raises(Refused) as e:
        partner_uses.use_partner_voucher(
            prov, p, number=P_VOUCHER["number"], enterprise_uscc=P_USCC, contract_no="LY-2", contract_value="1", client=stub
        )
    assert e.value.reason_code == "in_use_here"
    # only the provider's own user claims; the claim carries our reference
    stub.answers["redeem"] = (200, {"redemption": {"reference": "redemption:5", "amount": "30000.00", "status": "submitted"}})
    with pytest.raises(Exception):  # noqa: B017 -- refused in whatever form
        partner_uses.redeem_partner_voucher(xw.users.org_a, pr, invoice_no="F1", invoice_amount="60000", evidence=EVIDENCE, client=stub)
    pr = partner_uses.redeem_partner_voucher(prov, pr, invoice_no="F1", invoice_amount="60000", evidence=EVIDENCE, client=stub)
    assert pr.status == "submitted" and pr.amount == D("30000.00") and pr.partner_reference == "redemption:5"
    assert stub.calls[-1][2]["partner_reference"] == partners.our_reference(pr) == f"{xw.city.code}:PR{pr.pk}"
    # the partner's bureau accepted 28,000 and paid 10,000: refresh learns it
    decided = timezone.now().replace(microsecond=0)
    stub.answers["verify"] = (
        200,
        {
            "voucher": {
                **P_VOUCHER,
                "status": "redeemed",
                "settled_amount": "10000.00",
                "provider_uscc": xw.provider.organization.uscc,
                "redemption": {
                    "reference": "redemption:5",
                    "partner_reference": partners.our_reference(pr),
                    "status": "accepted",
                    "accepted_amount": "28000.00",
                    "decided_at": decided.isoformat(),
                },
            }
        },
    )
    pr = partner_uses.refresh_partner_use(pr, stub)
    assert (
        pr.status == "redeemed" and pr.accepted_amount == D("28000.00") and pr.settled_amount == D("10000.00") and pr.redeemed_at == decided
    )


def test_partner_refusal_and_unreachable(xw):
    prov, p = xw.users.prov, xw.partner
    refused = {
        "detail": [
            {"field": None, "code": "wrong_state", "zh": "创新券当前状态为“已过期”", "en": "The voucher is expired.", "message": "…"}
        ]
    }
    stub = StubClient({"lock": (409, refused)})
    with pytest.raises(Refused) as e:
        partner_uses.use_partner_voucher(prov, p, number="pds-1", enterprise_uscc=P_USCC, contract_no="C", contract_value="1", client=stub)
    assert e.value.status == 409 and e.value.zh.startswith(P_NAME) and "expired" in e.value.en
    assert PartnerRedemption.objects.get().status == "rejected"  # not live: the voucher may be tried again
    stub.answers["lock"] = partner_uses.PartnerError("partner_unreachable", "无法连接", "cannot be reached")
    with pytest.raises(Refused) as e:
        partner_uses.use_partner_voucher(prov, p, number="pds-1", enterprise_uscc=P_USCC, contract_no="C", contract_value="1", client=stub)
    assert e.value.status == 502
    pr = PartnerRedemption.objects.get(status="locked")
    assert pr.partner_reference == "" and pr.last_response["error"] == "partner_unreachable"
    # the answer was lost: the retry asks again and is confirmed
    stub.answers["lock"] = (200, {"voucher": {**P_VOUCHER, "number": "pds-1"}, "lock": {"reference": "lock:9"}})
    assert (
        partner_uses.use_partner_voucher(
            prov, p, number="pds-1", enterprise_uscc=P_USCC, contract_no="C", contract_value="1", client=stub
        ).partner_reference
        == "lock:9"
    )
    # the real client: nothing listens on the partner's address → 502, no exception leaks
    with pytest.raises(Refused) as e:
        partner_uses.PartnerClient(p, timeout=2).verify("x", "y")
    assert e.value.status == 502 and e.value.reason_code == "partner_unreachable"


# --- the settlement statement -------------------------------------------------------------------------


def test_statement_arithmetic(xw):
    p, admin = xw.partner, xw.users.admin
    tz = timezone.get_current_timezone()
    day = dt.date(2025, 6, 30)

    def at(d, h=12):
        return timezone.make_aware(dt.datetime.combine(d, dt.time(h)), tz)

    # our two vouchers redeemed at P's providers: 14,000 (paid 4,000 in the period, 1,000 after it) and 9,000 outside the period
    for v, contract, accepted, ref_ in ((xw.voucher, "40000", "14000", "P:1"), (xw.voucher_b, "20000", "9000", "P:2")):
        uscc = v.enterprise.uscc
        crosscity.partner_lock(p, v.number, uscc, xw.p_provider, f"C-{v.pk}", contract)
        crosscity.partner_redeem(
            p, v.number, uscc, invoice_no=f"I-{v.pk}", invoice_amount=contract, evidence=EVIDENCE, partner_reference=ref_
        )
        services.verify(admin, v, amount=accepted)
    Redemption.objects.filter(voucher=xw.voucher).update(decided_at=at(day, 23))  # the last evening of the period counts
    Redemption.objects.filter(voucher=xw.voucher_b).update(decided_at=at(day + dt.timedelta(days=1), 0))  # the next day does not
    services.settle(admin, xw.voucher, amount="4000", paid_on=day)
    services.settle(admin, xw.voucher, amount="1000", paid_on=day + dt.timedelta(days=3))
    # P's vouchers redeemed at our provider: 6,000.50 (paid 6,000.50) and 2,500 (paid nothing) in the period, 700 before it
    for n, (amount, paid, when) in enumerate(
        (
            (D("6000.50"), D("6000.50"), at(day - dt.timedelta(days=10))),
            (D("2500.00"), D("0"), at(dt.date(2025, 4, 1), 0)),
            (D("700.00"), D("700.00"), at(dt.date(2025, 3, 31), 23)),
        )
    ):
        PartnerRedemption.objects.create(
            partner=p,
            provider=xw.provider,
            voucher_number=f"pds-{n}",
            status="redeemed",
            accepted_amount=amount,
            amount=amount,
            settled_amount=paid,
            redeemed_at=when,
            partner_reference=f"redemption:{n}",
        )
    st = partners.settlement_statement(p, dt.date(2025, 4, 1), day)
    assert (
        st["we_owe"]["count"] == 1
        and st["we_owe"]["total"] == "14000.00"
        and st["we_owe"]["paid"] == "4000.00"
        and st["we_owe"]["outstanding"] == "10000.00"
    )
    line = st["we_owe"]["lines"][0]
    red = Redemption.objects.get(voucher=xw.voucher)
    assert line["voucher"] == xw.voucher.number and line["reference"] == f"redemption:{red.pk}" and line["partner_reference"] == "P:1"
    assert line["provider"]["uscc"] == xw.p_provider["uscc"] and line["enterprise"]["uscc"] == xw.ent_a.uscc
    assert st["partner_owes"]["count"] == 2 and st["partner_owes"]["total"] == "8500.50" and st["partner_owes"]["paid"] == "6000.50"
    assert st["partner_owes"]["outstanding"] == "2500.00"
    assert st["net"] == "-5499.50" and st["net_outstanding"] == "-7500.00"  # we owe P on balance
    assert (
        st["partner"]["redemption_model"] == "tongdui"
        and st["partner"]["settlement_terms"] == "季度结算 / quarterly"
        and st["us"] == xw.city.code
    )
    with pytest.raises(Refused):
        partners.settlement_statement(p, day, dt.date(2025, 1, 1))
    # the command prints the same statement
    out = io.StringIO()
    call_command(
        "vouchers", "partner-statement", "--partner", P_CODE, "--from", "2025-04-01", "--to", day.isoformat(), "--json", stdout=out
    )
    again = json.loads(out.getvalue())
    assert again["we_owe"] == st["we_owe"] and again["partner_owes"] == st["partner_owes"]
    out = io.StringIO()
    call_command("vouchers", "partner-statement", "--partner", P_CODE, "--from", "2025-04-01", "--to", day.isoformat(), stdout=out)
    assert "-5499.50" in out.getvalue() and xw.voucher.number in out.getvalue()


@pytest.mark.urls(__name__)
def test_provider_and_bureau_endpoints(xw, client, token_for):
    prov, admin = token_for(xw.users.prov), token_for(xw.users.admin)

    def get(p, h, **q):
        return client.get(f"/api/v1/{p}", q, headers=h)

    assert [p["code"] for p in get("vouchers/partners", prov).json()] == [P_CODE]
    assert "shared_secret" not in get("vouchers/partners", prov).content.decode()
    # the partner cannot be reached (nothing listens at its address): 502, bilingual, a use recorded as unconfirmed
    body = {"partner": P_CODE, "number": "pds-1", "enterprise_uscc": P_USCC, "contract_no": "C-1", "contract_value": "100"}
    r = client.post("/api/v1/vouchers/partner-uses", body, content_type="application/json", headers=prov)
    assert r.status_code == 502 and bilingual(r.json(), "partner_unreachable")
    [use] = get("vouchers/partner-uses", prov).json()["items"]
    assert use["status"] == "locked" and use["partner_reference"] == "" and use["reference"] == f"{xw.city.code}:PR{use['id']}"
    assert get("vouchers/partner-uses", token_for(xw.users.org_a)).json()["count"] == 0  # another organization sees none
    r = client.post("/api/v1/vouchers/partner-uses", {**body, "partner": "nope"}, content_type="application/json", headers=prov)
    assert r.status_code == 404 and bilingual(r.json(), "unknown_partner")
    # the statement: the bureau only
    r = get(f"vouchers/partners/{P_CODE}/statement", admin, start="2025-01-01", end="2025-12-31")
    assert r.status_code == 200 and r.json()["net"] == "0.00" and r.json()["partner"]["code"] == P_CODE
    assert get(f"vouchers/partners/{P_CODE}/statement", prov, start="2025-01-01", end="2025-12-31").status_code == 403
    r = get("vouchers/partners/nope/statement", admin, start="2025-01-01", end="2025-12-31")
    assert r.status_code == 404 and bilingual(r.json(), "unknown_partner")


def test_partner_add_command(db, monkeypatch, settings):
    Area.objects.create(code="419900", name_zh="测试市", name_en="Test City", kind="city")
    settings.HELUO_HOME_AREA = "419900"  # our city comes from the configuration (core: home_city)
    monkeypatch.setenv("XC_SECRET", SECRET)
    out = io.StringIO()
    call_command(
        "vouchers",
        "partner",
        "add",
        "--code",
        "419800",
        "--name",
        "伙伴市",
        "--base-url",
        "https://kj.example.gov.cn",
        "--secret-env",
        "XC_SECRET",
        "--model",
        "tongyong",
        "--terms",
        "按年结算",
        stdout=out,
    )
    p = PartnerCity.objects.get(code="419800")
    assert p.redemption_model == "tongyong" and p.shared_secret == SECRET and p.area.code == "419800" and p.area.kind == "city"
    assert SECRET not in out.getvalue() and "we are 419900" in out.getvalue()
    call_command(
        "vouchers",
        "partner",
        "add",
        "--code",
        "419800",
        "--name",
        "伙伴市",
        "--base-url",
        "https://kj.example.gov.cn",
        "--secret-ref",
        "XC_SECRET",
        "--model",
        "tongdui",
        "--our-code",
        "LY",
        stdout=io.StringIO(),
    )
    p.refresh_from_db()
    assert p.shared_secret == "env:XC_SECRET" and crosscity.secret_of(p) == SECRET.encode() and partners.home_code(p) == "LY"
    from heluo.core.models import ObjectChange

    assert SECRET not in json.dumps(list(ObjectChange.objects.values("prechange_data", "postchange_data")), ensure_ascii=False)
    with pytest.raises(Exception):  # noqa: B017 -- refused in whatever form
        call_command(
            "vouchers",
            "partner",
            "add",
            "--code",
            "419800",
            "--name",
            "x",
            "--base-url",
            "ftp://x",
            "--secret-env",
            "XC_SECRET",
            "--model",
            "tongdui",
        )


# --- two Heluo instances on this machine ---------------------------------------------------------------

MIGRATE = "import django; django.setup(); from django.core.management import call_command; call_command('migrate', interactive=False, verbosity=0)"

SETUP = r"""
import datetime as dt, json, os
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)  # nothing left to do on a clone; kept so the script stands alone
from django.contrib.auth import get_user_model
from django.utils import timezone
from heluo.core.codes import make_uscc
from heluo.core.models import ApiToken, Role, UserProfile
from heluo.geo.models import Area
from heluo.orgs.models import Organization
from heluo.vouchers.loader import load_programme
from heluo.vouchers.models import Provider, ProviderService

code, name, tag = os.environ["XC_CITY_CODE"], os.environ["XC_CITY_NAME"], os.environ["XC_TAG"]
city = Area.objects.create(code=code, name_zh=name, name_en=name, kind="city")
district = Area.objects.create(code=code[:4] + "02", name_zh=name + "一区", name_en=name + " district", kind="district", parent=city)
ent = Organization.objects.create(name=name + "创新企业", uscc=make_uscc("9", "1", district.code, "MA0" + tag + "0001"), area=district)
prov_org = Organization.objects.create(name=name + "研发服务中心", kind="service_agency", uscc=make_uscc("9", "1", district.code, "MA0" + tag + "0002"), area=district)
provider = Provider.objects.create(organization=prov_org, authority=city, status="approved")
ProviderService.objects.create(provider=provider, category="rd_services", name="委托研发", price=100000)
tokens = {}
for username, role, org in (("bureau", Role.BUREAU_ADMIN, None), ("finance", Role.BUREAU_STAFF, None), ("ent", Role.ORG_USER, ent), ("prov", Role.ORG_USER, prov_org)):
    user = get_user_model().objects.create_user(username)
    UserProfile.objects.create(user=user, role=role, organization=org)
    tokens[username] = ApiToken.issue(user, name="xcity")[1]
now = timezone.now()
p = load_programme("example", year=now.year, authority=code, code="xc-" + tag.lower(), overrides={
    "window": {"opens": (now - dt.timedelta(hours=1)).isoformat(), "closes": (now + dt.timedelta(hours=2)).isoformat()},
    "eligible_rulesets": [], "eligible_qualifications": [], "startup_max_years": None})
print(json.dumps({"programme": p.pk, "tokens": tokens, "enterprise_uscc": ent.uscc, "provider_uscc": prov_org.uscc}))
"""

CHECK = r"""
import io, json, os
from django.core.management import call_command
from heluo.vouchers import selectors
from heluo.vouchers.models import PartnerRedemption, Programme, Provider, Redemption, Voucher, VoucherEvent
out = {"violations": [str(v) for p in Programme.objects.all() for v in selectors.check_programme(p)[1]],
       "vouchers": {v.number: {"status": v.status, "redeemed": str(v.redeemed_amount), "settled": str(v.settled_amount),
                               "provider_authority": v.provider.authority.code if v.provider_id else None,
                               "events": list(v.events.order_by("id").values_list("kind", "via"))} for v in Voucher.objects.select_related("provider__authority")},
       "redemptions": list(Redemption.objects.values("voucher__number", "channel", "partner_authority__code", "partner_reference", "status", "accepted_amount")),
       "partner_uses": list(PartnerRedemption.objects.values("voucher_number", "status", "accepted_amount", "settled_amount", "partner_reference", "partner__code"))}
statement = io.StringIO()  # the command, as a bureau would run it
call_command("vouchers", "partner-statement", "--partner", os.environ["XC_PARTNER"], "--from", os.environ["XC_FROM"], "--to", os.environ["XC_TO"], "--json", stdout=statement)
out["statement"] = json.loads(statement.getvalue())
print(json.dumps(out, default=str))
"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _heluo():
    return [os.path.join(os.path.dirname(sys.executable), "heluo")]


def _run(cmd, env, timeout=120):
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{cmd[:3]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _http(port, method, p, token=None, body=None):
    data = None if body is None else json.dumps(body, default=str).encode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/{p}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


class Instance:
    def __init__(self, tag, city_code, city_name, url, var_dir):
        self.tag, self.code, self.name, self.port = tag, city_code, city_name, _free_port()
        var_dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HELUO_", "DATABASE_URL", "PYTEST"))}
        self.env = {
            **env,
            "DATABASE_URL": url,
            "HELUO_VAR_DIR": str(var_dir),
            "DJANGO_SETTINGS_MODULE": "heluo.settings",
            "HELUO_LOG_LEVEL": "ERROR",
            "HELUO_CITY": f"xcity-{tag.lower()}",  # no reference data of its own: the setup creates the city
            "HELUO_HOME_AREA": city_code,
            "XC_CITY_CODE": city_code,
            "XC_CITY_NAME": city_name,
            "XC_TAG": tag,
            "XC_SECRET": SECRET,
            "no_proxy": "*",
        }
        self.log, self.proc = var_dir / "serve.log", None

    def setup(self):
        self.info = json.loads(_run([sys.executable, "-c", SETUP], self.env).strip().splitlines()[-1])
        return self

    def heluo(self, *args, **env):
        return _run(_heluo() + list(args), {**self.env, **env})

    def serve(self):
        self.proc = subprocess.Popen(
            _heluo() + ["serve", "--port", str(self.port), "--threads", "4"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "wb"),
        )

    def wait(self, deadline):
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    pytest.fail(f"instance {self.tag} did not start: {self.log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.2)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # our own child, by its handle
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def api(self, method, p, who=None, body=None):
        return _http(self.port, method, p, self.info["tokens"][who] if who else None, body)


def _pg_admin():
    import psycopg

    db = settings.DATABASES["default"]
    params = dict(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
    )

    def url(name):
        return f"postgres://{urllib.parse.quote(params['user'])}{':' + urllib.parse.quote(params['password']) if params['password'] else ''}@{params['host']}:{params['port']}/{name}"

    return (lambda: psycopg.connect(dbname="postgres", autocommit=True, **params)), url


@pytest.fixture
def two_instances(tmp_path):
    """A (洛阳市 410300) and B (平顶山市 410400): each its own database (SQLite files, or PostgreSQL databases
    heluo_xcity_a / heluo_xcity_b created and dropped here) and its own `heluo serve` on its own port."""
    names = {"A": "heluo_xcity_a", "B": "heluo_xcity_b"}
    if IS_PG:
        connect, url = _pg_admin()
        with connect() as c:
            for name in names.values():
                c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            c.execute(f"CREATE DATABASE {names['A']}")
        urls = {t: url(n) for t, n in names.items()}
    else:
        urls = {t: f"sqlite:///{tmp_path / t.lower() / 'heluo.sqlite3'}" for t in names}
    a = Instance("A", "410300", "洛阳市", urls["A"], tmp_path / "a")
    b = Instance("B", "410400", "平顶山市", urls["B"], tmp_path / "b")
    try:
        # migrate once, then B starts as a copy of the empty schema (half the work on a 2-core machine)
        _run([sys.executable, "-c", MIGRATE], a.env)
        if IS_PG:
            with connect() as c:
                c.execute(f"CREATE DATABASE {names['B']} TEMPLATE {names['A']}")
        else:
            shutil.copyfile(tmp_path / "a" / "heluo.sqlite3", tmp_path / "b" / "heluo.sqlite3")
        with ThreadPoolExecutor(2) as pool:  # from here on, two separate databases
            list(pool.map(Instance.setup, (a, b)))
            # each is the other's partner, with the same shared secret (read from the environment, never printed)
            list(
                pool.map(
                    lambda args: args[0].heluo(*args[1]),
                    (
                        (
                            a,
                            [
                                "vouchers",
                                "partner",
                                "add",
                                "--code",
                                b.code,
                                "--name",
                                b.name,
                                "--base-url",
                                f"http://127.0.0.1:{b.port}",
                                "--secret-env",
                                "XC_SECRET",
                                "--model",
                                "tongdui",
                                "--terms",
                                "按季度结算 / quarterly",
                            ],
                        ),
                        (
                            b,
                            [
                                "vouchers",
                                "partner",
                                "add",
                                "--code",
                                a.code,
                                "--name",
                                a.name,
                                "--base-url",
                                f"http://127.0.0.1:{a.port}",
                                "--secret-env",
                                "XC_SECRET",
                                "--model",
                                "tongdui",
                                "--our-code",
                                b.code,
                                "--terms",
                                "按季度结算 / quarterly",
                            ],
                        ),
                    ),
                )
            )
        a.serve()
        b.serve()
        deadline = time.time() + 45
        a.wait(deadline)
        b.wait(deadline)
        yield a, b
    finally:
        a.stop()
        b.stop()
        if IS_PG:
            with connect() as c:
                for name in names.values():
                    c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _use_and_redeem(holder, provider_side, contract_value, invoice_no):
    """provider_side's provider takes holder's voucher through its own platform, which calls holder's."""
    status, v = holder.api(
        "POST", "vouchers/applications", "ent", {"programme": holder.info["programme"], "voucher_type": "rd", "amount": "20000"}
    )
    assert status == 201 and v["status"] == "issued", v
    body = {"partner": holder.code, "number": v["number"], "enterprise_uscc": holder.info["enterprise_uscc"]}
    status, seen = provider_side.api("POST", "vouchers/partner-uses/check", "prov", body)
    assert status == 200 and seen["usable"] and D(seen["face_value"]) == D("20000"), seen
    status, use = provider_side.api(
        "POST", "vouchers/partner-uses", "prov", {**body, "contract_no": f"HT-{invoice_no}", "contract_value": contract_value}
    )
    assert status == 201 and use["status"] == "locked" and use["partner_reference"].startswith("lock:"), use
    status, use = provider_side.api(
        "POST",
        f"vouchers/partner-uses/{use['id']}/redeem",
        "prov",
        {"invoice_no": invoice_no, "invoice_amount": contract_value, "evidence": EVIDENCE},
    )
    assert status == 200 and use["status"] == "submitted", use
    return v, use


@pytest.mark.slow
def test_two_instances_redeem_each_others_vouchers(two_instances):
    started = time.perf_counter()
    a, b = two_instances
    # the partner API refuses an unsigned call and a replayed one, over the wire too
    status, body = _http(a.port, "POST", "partner/vouchers/verify", body={"number": "x", "enterprise_uscc": "y"})
    assert status == 401 and bilingual(body, "signature_missing")
    raw = json.dumps({"number": "xc-a-000001", "enterprise_uscc": a.info["enterprise_uscc"]}).encode()
    headers = signed_headers(PATH + "verify", raw, code=b.code)
    for expected in (404, 409):  # not issued yet: 404; the same request again: a replay
        req = urllib.request.Request(
            f"http://127.0.0.1:{a.port}{PATH}verify", data=raw, method="POST", headers={**headers, "Content-Type": "application/json"}
        )
        try:
            urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=30)
            code = 200
        except urllib.error.HTTPError as e:
            code = e.code
        assert code == expected

    # B's provider redeems A's voucher (contract 30,000 → pays 15,000); A's bureau accepts 14,000 and pays it
    va, use_b = _use_and_redeem(a, b, "30000.00", "B-INV-1")
    status, detail = a.api("GET", f"vouchers/{va['id']}", "bureau")
    assert detail["status"] == "redemption_submitted" and D(str(detail["redemptions"][0]["amount"])) == D("15000")
    assert a.api("POST", f"vouchers/{va['id']}/verify", "bureau", {"accept": True, "amount": "14000.00"})[0] == 200
    # the one who verified does not pay (separation of duties): the bureau's finance officer does
    assert a.api("POST", f"vouchers/{va['id']}/settle", "bureau", {"payment_ref": "A-PAY-1"})[0] == 403
    assert a.api("POST", f"vouchers/{va['id']}/settle", "finance", {"payment_ref": "A-PAY-1"})[1]["status"] == "settled"
    status, use_b = b.api("POST", f"vouchers/partner-uses/{use_b['id']}/refresh", "prov")
    assert status == 200 and use_b["status"] == "redeemed", use_b
    assert D(str(use_b["accepted_amount"])) == D(str(use_b["settled_amount"])) == D("14000")

    # and the other way: A's provider redeems B's voucher (contract 12,000.40 → pays 6,000.20); B's bureau accepts and pays half
    vb, use_a = _use_and_redeem(b, a, "12000.40", "A-INV-1")
    assert b.api("POST", f"vouchers/{vb['id']}/verify", "bureau", {"accept": True})[0] == 200
    assert b.api("POST", f"vouchers/{vb['id']}/settle", "finance", {"amount": "3000.00"})[0] == 200
    assert "refreshed 1, failed 0" in a.heluo("vouchers", "partner", "sync", "--partner", b.code)

    # both sides' records and ledgers
    today = timezone.localdate()
    span = {"XC_FROM": (today - dt.timedelta(days=1)).isoformat(), "XC_TO": (today + dt.timedelta(days=1)).isoformat()}
    with ThreadPoolExecutor(2) as pool:
        check_a, check_b = pool.map(
            lambda x: json.loads(x[0].heluo("shell", "-c", CHECK, XC_PARTNER=x[1].code, **span).strip().splitlines()[-1]), ((a, b), (b, a))
        )
    st_a, st_b = check_a["statement"], check_b["statement"]
    for check, _own, theirs, voucher, accepted, settled in (
        (check_a, a, b, va, "14000.00", "14000.00"),
        (check_b, b, a, vb, "6000.20", "3000.00"),
    ):
        assert check["violations"] == []
        mine = check["vouchers"][voucher["number"]]
        assert mine["provider_authority"] == theirs.code and mine["redeemed"] == accepted and mine["settled"] == settled
        kinds = [k for k, _ in mine["events"]]
        assert kinds == ["applied", "issued", "contracted", "delivered", "redemption_submitted", "verified", "settled"]
        assert {via for k, via in mine["events"] if k in ("contracted", "delivered", "redemption_submitted")} == {f"partner:{theirs.code}"}
        [red] = check["redemptions"]
        assert red["channel"] == "partner" and red["partner_authority__code"] == theirs.code and red["status"] == "accepted"
        assert D(red["accepted_amount"]) == D(accepted)
        [use] = check["partner_uses"]  # what our provider did with the other's voucher
        assert use["partner__code"] == theirs.code and use["status"] == "redeemed" and use["partner_reference"].startswith("redemption:")
    # each statement shows what each owes, and the two mirror each other line by line
    assert st_a["we_owe"]["total"] == st_b["partner_owes"]["total"] == "14000.00"
    assert st_a["partner_owes"]["total"] == st_b["we_owe"]["total"] == "6000.20"
    assert (
        st_a["we_owe"]["paid"] == st_b["partner_owes"]["paid"] == "14000.00"
        and st_b["we_owe"]["paid"] == st_a["partner_owes"]["paid"] == "3000.00"
    )
    assert st_a["net"] == "-7999.80" and st_b["net"] == "7999.80"
    assert st_a["net_outstanding"] == "3000.20" and st_b["net_outstanding"] == "-3000.20"
    for ours, theirs in (
        (st_a["we_owe"]["lines"], st_b["partner_owes"]["lines"]),
        (st_b["we_owe"]["lines"], st_a["partner_owes"]["lines"]),
    ):
        [o], [t] = ours, theirs
        assert (
            o["voucher"] == t["voucher"]
            and o["amount"] == t["amount"]
            and o["contract_no"] == t["contract_no"]
            and o["invoice_no"] == t["invoice_no"]
        )
        assert o["reference"] == t["partner_reference"] and o["partner_reference"] == t["reference"]
        assert o["provider"]["uscc"] == t["provider"]["uscc"] and o["enterprise"]["uscc"] == t["enterprise"]["uscc"]
        assert o["redeemed_at"][:19] == t["redeemed_at"][:19]
    print(f"\ntwo instances ({'PostgreSQL' if IS_PG else 'SQLite'}): flow and checks {time.perf_counter() - started:.1f}s after start-up")


def test_a_partner_cannot_admit_or_contract_in_the_name_of_our_own_organizations(xw, client):
    # our approved provider, and one of our (unpublished or not) enterprises: a partner's lock naming either is refused
    for uscc, name in ((xw.provider.organization.uscc, "本市检测公司"), (xw.ent_b.uscc, xw.ent_b.name)):
        lock = {
            **ref(xw),
            "provider": {"uscc": uscc, "name": name, "service": "委托研发"},
            "contract_no": "X-1",
            "contract_value": "30000.00",
        }
        r = call(client, "lock", lock)
        assert r.status_code == 409 and bilingual(r.json(), "provider_not_partners")
    xw.voucher.refresh_from_db()
    assert xw.voucher.status == "issued" and xw.voucher.provider_id is None
    assert not Provider.objects.filter(organization=xw.ent_b).exists()


def test_openapi_documents_the_signed_calls_refusals(client, db):
    # the fuzzer found the signed calls' 401/409/422 undocumented: their bodies are the reasons, like every refusal
    doc = client.get("/api/v1/openapi.json").json()
    responses = doc["paths"]["/api/v1/partner/vouchers/lock"]["post"]["responses"]
    for status in ("401", "404", "409", "422"):
        assert responses[status]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Invalid"}
    reason = doc["components"]["schemas"]["FieldError"]
    assert reason["required"] == ["field", "message"] and {"code", "zh", "en"} <= set(reason["properties"])


def test_the_daily_partner_exchange_job_runs_for_partners_with_live_uses(db):
    from heluo.core.registry import periodic_jobs

    job = next(j for j in periodic_jobs("daily") if j.name == "vouchers-partner-sync")
    assert job.run() == {"ok": True, "partners": {}}  # nothing to ask anyone about yet
