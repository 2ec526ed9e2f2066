"""The voucher engine on its own: plain values in, plain values out; no Django, no database."""

import hashlib
import hmac
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest

import heluo
from heluo.vouchers.engine import risk, signing
from tests.vouchers.rows import V

KEY = b"k" * 32


def test_the_engine_imports_no_django():
    code = (
        "import sys; import heluo.vouchers.engine.ledger, heluo.vouchers.engine.risk, heluo.vouchers.engine.signing, "
        "heluo.vouchers.engine.money; print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(Path(heluo.__file__).parent.parent)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --- signing ------------------------------------------------------------------------------------------


def test_request_headers_sign_the_canonical_request():
    body = signing.canonical_json({"b": 1, "a": "洛阳"})
    assert body == '{"a":"洛阳","b":1}'.encode()
    h = signing.request_headers(KEY, "LY", "post", "/p?x=1", body, now=1700000000.9, nonce="n" * 16)
    assert h[signing.H_PARTNER] == "LY" and h[signing.H_TIMESTAMP] == "1700000000" and h[signing.H_NONCE] == "n" * 16
    message = f"HELUO-HMAC-SHA256\nPOST\n/p?x=1\nLY\n1700000000\n{'n' * 16}\n{hashlib.sha256(body).hexdigest()}".encode()
    assert h[signing.H_SIGNATURE] == hmac.new(KEY, message, hashlib.sha256).hexdigest()
    assert signing.request_is_authentic(KEY, "POST", "/p?x=1", h, body)
    assert signing.request_is_authentic(KEY, "POST", "/p?x=1", {**h, signing.H_SIGNATURE: h[signing.H_SIGNATURE].upper()}, body)


@pytest.mark.parametrize(
    "change",
    [
        {"method": "GET"},
        {"path": "/p?x=2"},
        {"body": b'{"a":2}'},
        {"key": b"x" * 32},
        {"headers": {signing.H_NONCE: "m" * 16}},
        {"headers": {signing.H_TIMESTAMP: "1700000001"}},
        {"headers": {signing.H_PARTNER: "ZZ"}},
    ],
)
def test_any_change_breaks_the_request_signature(change):
    call = {"key": KEY, "method": "POST", "path": "/p?x=1", "body": b'{"a":1}'}
    h = signing.request_headers(KEY, "LY", call["method"], call["path"], call["body"], now=1700000000, nonce="n" * 16)
    headers = {**h, **change.pop("headers", {})}
    call.update(change)
    assert not signing.request_is_authentic(call["key"], call["method"], call["path"], headers, call["body"])


def test_the_answer_is_bound_to_its_request():
    h = signing.response_headers(KEY, 200, "/p", "nonce-of-request", b"{}", now=1700000000)
    assert signing.response_is_authentic(KEY, 200, "/p", "nonce-of-request", h, b"{}")
    assert not signing.response_is_authentic(KEY, 200, "/p", "another-request", h, b"{}")
    assert not signing.response_is_authentic(KEY, 409, "/p", "nonce-of-request", h, b"{}")
    assert not signing.response_is_authentic(KEY, 200, "/p", "nonce-of-request", h, b"{} ")
    assert not signing.response_is_authentic(KEY, 200, "/p", "nonce-of-request", {}, b"{}")


def test_replay_window_arithmetic():
    now = 1700000000
    assert signing.timestamp_is_fresh(str(now - 300), now, 300) and signing.timestamp_is_fresh(str(now + 300), now, 300)
    assert not signing.timestamp_is_fresh(str(now - 301), now, 300) and not signing.timestamp_is_fresh(str(now + 301), now, 300)
    assert not signing.timestamp_is_fresh("soon", now, 300) and not signing.timestamp_is_fresh("", now, 300)
    # a nonce outlives the window on both sides, so a replay is either remembered or stale
    assert signing.nonce_retention(300) == 600
    assert signing.nonce_is_well_formed("a" * 16) and signing.nonce_is_well_formed("A-b_9" * 20)
    assert not signing.nonce_is_well_formed("a" * 15) and not signing.nonce_is_well_formed("a" * 101)
    assert not signing.nonce_is_well_formed("a" * 15 + "/") and not signing.nonce_is_well_formed("")
    assert signing.nonce_is_well_formed(signing.new_nonce()) and signing.new_nonce() != signing.new_nonce()


# --- risk ---------------------------------------------------------------------------------------------

RULES = risk.load_rules()


def voucher(id, **kw):
    """The shared row (tests.vouchers.rows.V) with this file's amounts: 30,000 on a 60,000 contract, not yet signed."""
    defaults = dict(number=f"T-{id}", requested_amount=D("30000"), face_value=D("30000"), contract_value=D("60000"))
    return V(id, **{**defaults, "signed_on": None, "payable_limit": D("30000"), **kw})


def org(id, **kw):
    return {"id": id, "name": f"机构{id}", "legal_representative": "", "address": "", "phone": "", "uscc": "", **kw}


def test_within_margin_is_inclusive_below_and_exclusive_at_the_threshold():
    assert risk.within_margin(D("47500"), D("50000"), 5) and risk.within_margin(D("49999.99"), D("50000"), 5)
    assert not risk.within_margin(D("50000"), D("50000"), 5) and not risk.within_margin(D("47499.99"), D("50000"), 5)
    assert not risk.within_margin(None, D("50000"), 5) and not risk.within_margin(D("1"), D("0"), 5)


def test_detect_all_takes_plain_rows_and_answers_findings_with_kinds_and_fingerprints():
    orgs = {1: org(1, phone="0379-61234567"), 11: org(11, phone="0379 6123 4567")}
    rows = [voucher(1), voucher(2, status="cancelled")]
    found = risk.detect_all(rows, [], orgs, RULES)
    assert [f.kind for f in found] == [risk.RELATED_PARTY]
    (f,) = found
    assert f.voucher_ids == (1,) and f.programme_ids == (1,) and f.enterprise_id == 1 and f.provider_id == 5
    assert "电话" in f.explanation_zh and "phone" in f.explanation_en
    again = risk.detect_all(rows, [], orgs, RULES)[0]
    assert again.key == f.key and again.fingerprint == f.fingerprint  # the same facts, the same flag
    orgs[11]["phone"] = "0379-69999999"
    assert risk.detect_all(rows, [], orgs, RULES) == []


def test_rules_can_be_varied_without_touching_the_file():
    rows = [voucher(i, requested_amount=D("48000"), face_value=D("48000")) for i in (1, 2)]
    strict = RULES.but(margin_pct=D("5"), just_under_checks=("requested_vs_voucher_cap",))
    kinds = {f.kind for f in risk.detect_just_under(rows, [], strict)}
    assert kinds == {risk.JUST_UNDER}
    assert risk.detect_just_under(rows, [], strict.but(margin_pct=D("1"))) == []
