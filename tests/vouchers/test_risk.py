"""Voucher risk checks (engine.risk, services.risk, selectors.risk): each pure detector with hand-made rows (positive, negative and
edge cases), then the scan over stored vouchers (idempotent, bilingual explanations), clearing (bureau only,
with a reason, audited, stays cleared unless the facts change), the selectors, the command and the API."""

import datetime as dt
import io
import json
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import path
from django.utils import timezone

from heluo.api.router import api
from heluo.core.audit import history_for
from heluo.core.models import ApiToken, Role
from heluo.orgs.models import Organization, Qualification
from heluo.vouchers import services
from heluo.vouchers.engine import risk
from heluo.vouchers.loader import load_programme
from heluo.vouchers.models import Provider, ProviderService, RiskFlag, VoucherType
from heluo.vouchers.selectors import risk as flag_reads
from heluo.vouchers.services import Refused
from heluo.vouchers.services import risk as flags
from tests.vouchers.rows import DAY, V

from ..conftest import make_user
from .conftest import Api, sha

urlpatterns = [path("api/v1/", api.urls)]
pytestmark = pytest.mark.urls(__name__)

RULES = risk.load_rules()
PREFIXES = risk.address_prefix_names(["河南省", "洛阳市"], RULES.address_prefixes)


# --- hand-made rows -----------------------------------------------------------------------------------


def R(id, voucher_id, **kw):
    row = dict(
        id=id,
        voucher_id=voucher_id,
        status="submitted",
        provider_id=5,
        provider_name="乙机构",
        invoice_no=f"INV-2025-{id:06d}",
        invoice_amount=D("80000"),
        amount=D("40000"),
        evidence=[],
    )
    row.update(kw)
    return row


ENT = {
    "id": 1,
    "name": "甲企业",
    "legal_representative": "张三",
    "address": "河南省洛阳市涧西区中州西路1号",
    "phone": "0379-61234567",
    "uscc": "",
}
PROV = {
    "id": 11,
    "name": "乙机构",
    "legal_representative": "张　三",
    "address": "洛阳市涧西区 中州西路１号",
    "phone": "（0379）61234567",
    "uscc": "",
}
UNRELATED = {
    "id": 11,
    "name": "乙机构",
    "legal_representative": "李四",
    "address": "洛阳市洛龙区开元大道8号",
    "phone": "13800000000",
    "uscc": "",
}


def keys(found):
    return sorted(f.key for f in found)


# --- rules --------------------------------------------------------------------------------------------


def test_rules_are_labelled_heuristics_and_every_parameter_has_a_note():
    raw = risk.read_rules_file()
    assert raw["tag"] == "NF" and "[NF]" in raw["label_zh"] and "[NF]" in raw["label_en"]
    assert "启发式" in raw["label_zh"] and "不是政策" in raw["label_zh"] and "not policy" in raw["label_en"]
    for section in raw["rules"].values():
        assert section["note_zh"] and section["note_en"]
        params = [s for s in section.values() if isinstance(s, dict)]
        assert params and all(p["note_zh"] and p["note_en"] and "value" in p for p in params)
    assert RULES.split_window_days == raw["rules"]["split_contract"]["window_days"]["value"]
    del raw["rules"]["just_under"]["margin_pct"]["note_en"]
    with pytest.raises(risk.RulesError):
        risk.rules_from(raw)


# --- normalisation ------------------------------------------------------------------------------------


def test_normalisation_of_names_phones_and_addresses():
    assert risk.clean("ＡＢＣ　张·三 (Ltd.)") == "abc张三ltd"
    assert risk.normalise_name("张　三") == risk.normalise_name(" 张三 ") == "张三"
    assert risk.normalise_name("张") == ""  # too short to compare
    assert risk.normalise_phones("+86 138-0000-0000") == risk.normalise_phones("１３８００００００００") == {"13800000000"}
    assert risk.normalise_phones("0379-6123 4567 / 13800000000") == {"037961234567", "13800000000"}
    assert risk.normalise_phones("12345") == set() and risk.normalise_phones("") == set()
    assert (
        risk.normalise_address("中国河南省洛阳市涧西区中州西路１号", PREFIXES)
        == risk.normalise_address("洛阳 涧西区中州西路1号", PREFIXES)
        == "涧西区中州西路1号"
    )
    assert risk.normalise_address("涧西区中州西路1号", PREFIXES) != risk.normalise_address(
        "洛龙区中州西路1号", PREFIXES
    )  # districts are kept
    assert risk.normalise_address("洛阳市涧西区", PREFIXES) == ""  # only the district: too short
    assert risk.normalise_invoice("fp-2025 0001") == "FP20250001" and risk.normalise_invoice("001") == ""


# --- related_party ------------------------------------------------------------------------------------


def test_related_party_matches_after_normalisation_and_explains_the_facts():
    [f] = risk.detect_related_party([V(1), V(2, status="cancelled")], {1: ENT, 11: PROV}, RULES, prefixes=PREFIXES)
    assert f.kind == "related_party" and f.key == "related_party:p1:ent1:prov5"
    assert [m["field"] for m in f.details["matches"]] == ["legal_representative", "address", "phone"]
    assert "企业“甲企业”与服务机构“乙机构”的法定代表人相同（张三）" in f.explanation_zh
    assert (
        "地址相同（企业：河南省洛阳市涧西区中州西路1号；服务机构：洛阳市涧西区 中州西路１号）" in f.explanation_zh
        and "T-0001" in f.explanation_zh
    )
    assert "Enterprise 甲企业 and provider 乙机构 have the same legal representative (张三)" in f.explanation_en
    assert f.voucher_ids == (1,)  # the cancelled voucher is left out (rules: ignored_statuses)
    assert (f.enterprise_id, f.provider_id, f.programme_id) == (1, 5, 1)


@pytest.mark.parametrize(
    "change",
    [
        {},  # nothing in common
        {"legal_representative": "", "address": "", "phone": ""},  # empty values never match
        {"address": "洛阳市涧西区"},  # an address that names only the district
        {"address": "洛阳市洛龙区中州西路1号"},  # the same street number in another district
        {"phone": "6123456"},  # another number (and no area code)
    ],
)
def test_related_party_negative(change):
    ent = {**ENT, "legal_representative": "王五", "phone": "0379-60000000", **change}
    assert risk.detect_related_party([V(1)], {1: ent, 11: UNRELATED}, RULES, prefixes=PREFIXES) == []


def test_related_party_no_provider_and_ignored_address():
    assert risk.detect_related_party([V(1, provider_id=None, provider_org_id=None)], {1: ENT, 11: PROV}, RULES) == []
    rules = RULES.but(related_fields=("address",), address_ignore=("涧西区中州西路1号",))  # e.g. an incubator's shared address
    assert risk.detect_related_party([V(1)], {1: ENT, 11: PROV}, rules, prefixes=PREFIXES) == []


def test_shareholders_come_from_a_pluggable_source_empty_by_default():
    ent = {**ENT, "legal_representative": "王五", "address": "", "phone": ""}
    assert flags.no_related_parties([1, 11]) == {} and flags.related_party_source() is flags.no_related_parties
    assert risk.detect_related_party([V(1)], {1: ent, 11: UNRELATED}, RULES) == []
    shared = {1: [{"name": "赵六", "role": "shareholder"}], 11: [{"name": "赵 六", "role": "shareholder"}]}
    [f] = risk.detect_related_party([V(1)], {1: ent, 11: UNRELATED}, RULES, related=shared)
    assert f.details["matches"][0]["field"] == "shareholder" and "存在共同股东或关联方（赵六）" in f.explanation_zh
    [f] = risk.detect_related_party(
        [V(1)], {1: ent, 11: UNRELATED}, RULES, related={1: ["乙机构"]}
    )  # the provider holds shares of the enterprise
    assert "乙机构" in f.explanation_zh and "shared shareholder" in f.explanation_en


# --- split_contract -----------------------------------------------------------------------------------


def test_split_contract_within_the_window_above_the_cap_per_voucher():
    w = RULES.split_window_days
    [f] = risk.detect_split_contract([V(1), V(2, signed_on=DAY + dt.timedelta(days=w))], RULES)  # day N itself is inside
    assert f.key == "split_contract:voucher_cap:ent1:prov5:rd_services:v1"
    assert f.details["total"] == "80000.00" and f.details["cap"] == "50000.00" and f.voucher_ids == (1, 2)
    assert "2份研发服务券合同" in f.explanation_zh and "HT-1" in f.explanation_zh and "50,000.00" in f.explanation_zh
    assert "above the cap of 50,000.00 yuan per voucher" in f.explanation_en
    assert risk.detect_split_contract([V(1), V(2, signed_on=DAY + dt.timedelta(days=w + 1))], RULES) == []


@pytest.mark.parametrize(
    "second, flagged",
    [
        ({"payable_limit": D("10000")}, False),  # 40,000 + 10,000 = the cap exactly: not above it
        ({"payable_limit": D("10000.01")}, True),  # one cent above
        ({"contract_value": D("120000"), "payable_limit": D("40000")}, False),  # this contract alone is above the cap
        ({"provider_id": 6, "provider_org_id": 12}, False),  # another provider
        ({"category": "testing"}, False),  # another service category
        ({"status": "cancelled"}, False),
    ],
)
def test_split_contract_edges(second, flagged):
    found = risk.detect_split_contract([V(1), V(2, **second)], RULES)
    assert [f.details["test"] for f in found] == (["cap_per_voucher"] if flagged else [])


def test_split_contract_across_programme_years_above_the_enterprise_cap():
    rows = [
        V(1, cap_per_voucher=D("100000"), cap_per_enterprise=D("60000"), status="issued"),
        V(
            2,
            programme_id=2,
            programme_code="p2",
            year=2026,
            cap_per_voucher=D("100000"),
            cap_per_enterprise=D("60000"),
            signed_on=DAY + dt.timedelta(days=30),
        ),
    ]
    [f] = risk.detect_split_contract(rows, RULES)
    assert f.key == "split_contract:enterprise_cap:ent1:prov5:v1" and f.programme_ids == (1, 2) and f.programme_id == 2
    assert f.details["total"] == "80000.00" and "企业上限60,000.00元" in f.explanation_zh and "p1、p2" in f.explanation_zh
    rows[1]["status"] = "expired"  # holds nothing any more
    assert risk.detect_split_contract(rows, RULES) == []


# --- recurring_pair -----------------------------------------------------------------------------------


def test_recurring_pair_in_a_programme_and_across_programmes():
    n = RULES.recurring_min_in_programme
    assert risk.detect_recurring_pair([V(i) for i in range(1, n)], RULES) == []
    [f] = risk.detect_recurring_pair([V(i) for i in range(1, n + 1)], RULES)
    assert f.key == "recurring_pair:p1:ent1:prov5" and f.details["count"] == n and f"配对使用了{n}张创新券" in f.explanation_zh
    m = RULES.recurring_min_across
    rows = [V(i, programme_id=1 + i % 2, programme_code=f"p{1 + i % 2}") for i in range(1, m + 1)]  # spread so no programme reaches n
    assert max(sum(1 for r in rows if r["programme_id"] == p) for p in (1, 2)) < n
    [f] = risk.detect_recurring_pair(rows, RULES)
    assert (
        f.key == "recurring_pair:all:ent1:prov5"
        and f.programme_ids == (1, 2)
        and f"share {m} vouchers over 2 programmes" in f.explanation_en
    )
    assert risk.detect_recurring_pair(rows[:-1], RULES) == []
    assert [f.key for f in risk.detect_recurring_pair([V(i, provider_id=5 + i) for i in range(1, 9)], RULES)] == []


# --- evidence_reused ----------------------------------------------------------------------------------


def test_evidence_reused_across_vouchers_but_not_a_resubmission():
    vouchers = {1: V(1), 2: V(2, enterprise_id=2, enterprise_name="丙企业")}
    contract = {"name": "合同.pdf", "sha256": sha("contract")}
    reds = [R(1, 1, status="rejected", evidence=[contract]), R(2, 1, evidence=[contract])]  # refused, then claimed again
    assert risk.detect_evidence_reused(reds, vouchers, RULES) == []
    reds.append(R(3, 2, evidence=[{"name": "验收报告.pdf", "sha256": sha("contract").upper()}]))
    [f] = risk.detect_evidence_reused(reds, vouchers, RULES)
    assert f.key == f"evidence_reused:sha256:{sha('contract')}" and f.redemption_id == 3 and f.voucher_ids == (1, 2)
    assert (
        "同一份证明材料（合同.pdf、验收报告.pdf" in f.explanation_zh
        and "2张不同创新券" in f.explanation_zh
        and "T-0002" in f.explanation_zh
    )
    assert "in the redemptions of 2 different vouchers" in f.explanation_en
    # Only the refused claim of voucher 1 shares the file with voucher 2 when the accepted one is left out:
    assert len(risk.detect_evidence_reused([reds[0], reds[2]], vouchers, RULES)) == 1
    assert risk.detect_evidence_reused([reds[0], reds[2]], vouchers, RULES.but(evidence_ignore_rejected=True)) == []


def test_the_same_invoice_number_across_providers():
    vouchers = {1: V(1), 2: V(2, provider_id=6, provider_name="丁机构")}
    reds = [R(1, 1, invoice_no="FP-2025 0001 2345"), R(2, 2, provider_id=6, provider_name="丁机构", invoice_no="fp2025０００1２345")]
    [f] = risk.detect_evidence_reused(reds, vouchers, RULES)
    assert f.key == "evidence_reused:invoice:FP202500012345" and "被2家不同服务机构用于兑付" in f.explanation_zh
    assert risk.detect_evidence_reused([reds[0], {**reds[1], "provider_id": 5}], vouchers, RULES) == []  # one provider
    short = [{**r, "invoice_no": "001"} for r in reds]
    assert risk.detect_evidence_reused(short, vouchers, RULES) == []


# --- just_under ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "requested, flagged",
    [
        ("50000", False),  # at the cap: not under it
        ("49999.99", True),
        ("47500", True),  # exactly 5% below: inside (inclusive)
        ("47499.99", False),
    ],
)
def test_just_under_the_cap_per_voucher_edges(requested, flagged):
    assert RULES.margin_pct == D("5")
    row = V(
        1,
        requested_amount=D(requested),
        face_value=D(requested),
        contract_value=None,
        signed_on=None,
        payable_limit=None,
        status="issued",
        provider_id=None,
        cap_per_enterprise=None,
    )
    found = risk.detect_just_under([row], [], RULES)
    assert keys(found) == (["just_under:requested:v1"] if flagged else [])
    if flagged:
        assert "申领金额" in found[0].explanation_zh and "单张券上限50,000.00元" in found[0].explanation_zh
        assert "requested amount" in found[0].explanation_en and found[0].details["threshold"] == "50000.00"


def test_just_under_contract_claim_and_enterprise_total():
    rows = [
        V(1, contract_value=D("99000"), payable_limit=D("40000"), cap_per_enterprise=None),  # 0.5 × 99,000 = 49,500
        V(2, contract_value=D("80000"), cap_per_enterprise=None),
    ]
    reds = [R(1, 1, amount=D("39000")), R(2, 2, amount=D("40000")), R(3, 2, amount=D("38000"), status="rejected")]
    assert keys(risk.detect_just_under(rows, reds, RULES)) == ["just_under:claim:r1", "just_under:contract:v1"]
    total = [V(1, face_value=D("150000"), contract_value=None), V(2, face_value=D("40000"), contract_value=None)]  # 190,000 of 200,000
    assert keys(risk.detect_just_under(total, [], RULES)) == ["just_under:enterprise_total:p1:ent1"]
    total[1]["face_value"] = D("39999.99")
    assert keys(risk.detect_just_under(total, [], RULES)) == []
    rules = RULES.but(
        fixed_thresholds=({"field": "contract_value", "amount": "100000", "label_zh": "招标门槛", "label_en": "tender threshold"},),
        just_under_checks=(),
    )
    [f] = risk.detect_just_under(rows, reds, rules)
    assert (
        f.key == "just_under:fixed0:contract_value:v1"
        and "招标门槛100,000.00元" in f.explanation_zh
        and "tender threshold" in f.explanation_en
    )


# --- stored vouchers: scan, clear, re-scan ------------------------------------------------------------


EVIDENCE = [{"name": "合同.pdf", "sha256": sha("contract")}, {"name": "发票.pdf", "sha256": sha("invoice")}]


@pytest.fixture
def rw(world, client, token_for):
    """The registry world plus a programme (rd: cap 50,000 per voucher; 200,000 per enterprise), both enterprises
    eligible, an approved provider whose legal representative is ent_a's (written with a full-width space) and
    another unrelated provider."""
    for org in (world.ent_a, world.ent_b):
        Qualification.objects.create(organization=org, kind="hte", certificate_no=f"GR-R{org.pk}", valid_from=dt.date(2020, 1, 1))
    Organization.objects.filter(pk=world.ent_a.pk).update(
        legal_representative="张三", address="洛阳市涧西区中州西路1号", phone="0379-60000001"
    )
    prov_org = Organization.objects.create(
        name="检测服务公司",
        kind="service_agency",
        area=world.a,
        legal_representative="张　三",
        address="河南省洛阳市洛龙区开元大道8号",
        phone="13800000000",
    )
    other_org = Organization.objects.create(name="另一服务机构", kind="service_agency", area=world.b, legal_representative="李四")
    providers = []
    for org in (prov_org, other_org):
        p = Provider.objects.create(organization=org, authority=world.city, status="approved")
        ProviderService.objects.create(provider=p, category="rd_services", name="委托研发", price=D("80000"))
        providers.append(p)
    now = timezone.now()
    world.programme = load_programme(
        "example",
        year=2025,
        authority=world.city.code,
        code="r-2025",
        overrides={
            "window": {"opens": (now - dt.timedelta(hours=1)).isoformat(), "closes": (now + dt.timedelta(hours=1)).isoformat()},
            "budget": "1000000.00",
            "cap_per_enterprise": "200000.00",
            "eligible_rulesets": [],
            "eligible_qualifications": ["hte"],
            "startup_max_years": None,
            "types": [
                {
                    "code": "rd",
                    "category": "rd_services",
                    "name_zh": "研发服务券",
                    "share_of_contract": "0.5",
                    "cap_per_voucher": "50000",
                    "budget": None,
                }
            ],
        },
    )
    world.provider, world.other_provider, world.prov_org = providers[0], providers[1], prov_org
    world.users.org_b = make_user("org_b", Role.ORG_USER, organization=world.ent_b)
    world.as_ = lambda user: Api(client, token_for(user) if user is not None else None)
    return world


def contracted(rw, user, provider, amount="20000", contract_value="40000", signed_on=DAY, programme=None):
    programme = programme or rw.programme
    out = services.apply(user, programme, voucher_type=VoucherType.objects.get(programme=programme, code="rd"), amount=amount)
    assert out.status == 201, out.refusal
    return services.sign_contract(
        user, out.voucher, provider=provider, contract_no=f"HT-{out.voucher.pk}", contract_value=contract_value, signed_on=signed_on
    )


def claimed(rw, voucher, invoice_no, evidence=EVIDENCE):
    staff = rw.users.staff
    services.deliver(staff, voucher)
    return services.submit_redemption(staff, voucher, invoice_no=invoice_no, invoice_amount="40000", evidence=evidence)


@pytest.fixture
def flagged(rw):
    """ent_a ↔ the related provider (one voucher); ent_b ↔ the other provider; both claims carry the same files."""
    rw.va = contracted(rw, rw.users.org_a, rw.provider)
    rw.vb = contracted(rw, rw.users.org_b, rw.other_provider)
    claimed(rw, rw.va, "FP202500000001")
    claimed(rw, rw.vb, "FP202500000002")
    rw.first = flags.scan(rw.users.staff)
    return rw


def test_scan_raises_explained_flags_and_is_idempotent(flagged):
    rw = flagged
    assert rw.first["created"] == 3 and rw.first["by_kind"] == {"evidence_reused": 2, "related_party": 1}, rw.first
    rel = RiskFlag.objects.get(kind="related_party")
    assert rel.key == f"related_party:p{rw.programme.pk}:ent{rw.ent_a.pk}:prov{rw.provider.pk}"
    assert (rel.programme_id, rel.enterprise_id, rel.provider_id, rel.status) == (rw.programme.pk, rw.ent_a.pk, rw.provider.pk, "open")
    assert rel.explanation_zh.startswith("企业“甲企业”与服务机构“检测服务公司”的法定代表人相同（张三）")
    assert "the same legal representative (张三)" in rel.explanation_en
    assert rel.details["matches"][0]["provider"] == "张　三" and rel.details["voucher_ids"] == [rw.va.pk] and rel.details["fingerprint"]
    ev = RiskFlag.objects.get(key=f"evidence_reused:sha256:{sha('contract')}")
    assert ev.details["voucher_ids"] == sorted([rw.va.pk, rw.vb.pk]) and "合同.pdf" in ev.explanation_zh and ev.explanation_en
    assert history_for(rel).filter(action="create").exists()  # audited
    again = flags.scan(rw.users.staff)
    assert (again["created"], again["updated"], again["unchanged"], again["open"]) == (0, 0, 3, 3)
    assert RiskFlag.objects.count() == 3


def test_clear_requires_the_bureau_and_a_reason(flagged):
    rw = flagged
    rel = RiskFlag.objects.get(kind="related_party")
    for user in (rw.users.org_a, rw.users.district_a, rw.users.expert):
        with pytest.raises(PermissionDenied):
            flags.clear(user, rel, reason="看过了")
    with pytest.raises(Refused) as e:
        flags.clear(rw.users.staff, rel, reason="   ")
    assert e.value.reason_code == "reason_required" and e.value.status == 422 and e.value.zh and e.value.en
    flag = flags.clear(rw.users.staff, rel, reason="经核实为同名不同人 / different persons of the same name")
    assert (flag.status, flag.cleared_by, flag.clear_reason) == (
        "cleared",
        rw.users.staff,
        "经核实为同名不同人 / different persons of the same name",
    )
    assert flag.cleared_at is not None
    change = history_for(flag).filter(action="update").latest("pk")
    assert change.postchange_data["clear_reason"].startswith("经核实") and change.postchange_data["status"] == "cleared"
    with pytest.raises(Refused) as e:
        flags.clear(rw.users.staff, rel, reason="again")
    assert e.value.status == 409


def test_cleared_stays_cleared_until_the_facts_change(flagged):
    rw = flagged
    rel = flags.clear(rw.users.staff, RiskFlag.objects.get(kind="related_party"), reason="同名不同人")
    r = flags.scan(rw.users.staff)
    assert r["kept_cleared"] == 1 and r["reopened"] == 0
    contracted(rw, rw.users.org_a, rw.provider)  # another voucher of the same pair: the relation judged is the same
    r = flags.scan(rw.users.staff)
    assert (r["kept_cleared"], r["reopened"], r["created"]) == (1, 0, 0), r
    rel.refresh_from_db()
    assert rel.status == "cleared" and rel.clear_reason == "同名不同人"
    # A material change: the phone now matches too → the flag reopens, the clearance is kept in its history.
    Organization.objects.filter(pk=rw.prov_org.pk).update(phone="0379 6000 0001")
    r = flags.scan(rw.users.staff)
    assert r["reopened"] == 1
    rel.refresh_from_db()
    assert rel.status == "open" and rel.cleared_by is None and rel.clear_reason == ""
    assert "电话相同" in rel.explanation_zh and "the same phone number" in rel.explanation_en
    assert rel.details["history"][0]["clear_reason"] == "同名不同人" and rel.details["history"][0]["cleared_by"] == "staff"
    # Cleared and reopened by hand, both with a reason.
    flags.clear(rw.users.staff, rel, reason="同一自然人但业务真实 / the same person, genuine service")
    with pytest.raises(Refused):
        flags.reopen(rw.users.staff, rel, reason="")
    rel = flags.reopen(rw.users.admin, rel, reason="复核 / second review")
    assert rel.status == "open" and rel.details["history"][-1]["reopened_by"] == "admin"
    assert flags.scan(rw.users.staff)["unchanged"] == 3  # the history survives a re-scan


def test_a_finding_that_disappears_is_marked_not_deleted(flagged):
    rw = flagged
    Organization.objects.filter(pk=rw.prov_org.pk).update(legal_representative="王五")
    r = flags.scan(rw.users.staff)
    assert r["no_longer_found"] == 1
    rel = RiskFlag.objects.get(kind="related_party")
    assert rel.status == "open" and "no_longer_found_at" in rel.details
    Organization.objects.filter(pk=rw.prov_org.pk).update(legal_representative="张三")
    assert flags.scan(rw.users.staff)["updated"] == 1
    rel.refresh_from_db()
    assert "no_longer_found_at" not in rel.details


def test_scan_is_the_bureaus_and_split_and_just_under_on_stored_vouchers(rw):
    with pytest.raises(PermissionDenied):
        flags.scan(rw.users.org_a)
    v1 = contracted(rw, rw.users.org_b, rw.other_provider, "40000", "80000", DAY)
    v2 = contracted(rw, rw.users.org_b, rw.other_provider, "49000", "98000", DAY + dt.timedelta(days=10))
    r = flags.scan(None, programme=rw.programme)  # no user: the system (command line)
    assert r["by_kind"] == {"just_under": 2, "split_contract": 1}, r  # 89,000 of 200,000: the enterprise total is not near its cap
    split = RiskFlag.objects.get(kind="split_contract")
    assert split.voucher_id == v1.pk and split.details["voucher_ids"] == [v1.pk, v2.pk] and split.details["total"] == "89000.00"
    assert {f.key for f in RiskFlag.objects.filter(kind="just_under")} == {
        f"just_under:requested:v{v2.pk}",
        f"just_under:contract:v{v2.pk}",
    }  # 49,000 = 2% under the 50,000 cap
    other = load_programme(
        "example", year=2026, authority=rw.city.code, code="r-2026", overrides={"eligible_rulesets": [], "eligible_qualifications": ["hte"]}
    )
    assert flags.scan(None, programme=other)["findings"] == 0  # a programme's scan keeps the findings that involve it


def test_selectors_are_bureau_only(flagged):
    rw = flagged
    assert flag_reads.open_flags(rw.users.staff).count() == 3
    assert flag_reads.open_flags(rw.users.staff, programme=rw.programme, kind="related_party").count() == 1
    for user in (rw.users.org_a, rw.users.district_a, None):
        assert flag_reads.open_flags(user).count() == 0 and flag_reads.flags_for_voucher(user, rw.va).count() == 0
    assert {f.kind for f in flag_reads.flags_for_voucher(rw.users.staff, rw.va)} == {"related_party", "evidence_reused"}
    assert {f.kind for f in flag_reads.flags_for_voucher(rw.users.staff, rw.vb)} == {"evidence_reused"}


def test_risk_scan_command(rw):
    contracted(rw, rw.users.org_a, rw.provider)
    out = io.StringIO()
    call_command("vouchers", "risk-scan", "--programme", rw.programme.code, stdout=out)
    assert "risk scan r-2025: 1 finding(s)" in out.getvalue() and "related_party" in out.getvalue()
    out = io.StringIO()
    call_command("vouchers", "risk-scan", "--json", stdout=out)
    assert json.loads(out.getvalue())["unchanged"] == 1
    with pytest.raises(CommandError):
        call_command("vouchers", "risk-scan", "--programme", "nope")


# --- API ----------------------------------------------------------------------------------------------


def test_api_lists_and_filters_for_the_bureau_only(flagged):
    rw = flagged
    staff = rw.as_(rw.users.staff)
    r = staff.get("vouchers/risk-flags")
    assert r.status_code == 200 and r.json()["count"] == 3
    item = next(i for i in r.json()["items"] if i["kind"] == "related_party")
    assert item["explanation_zh"].startswith("企业“甲企业”") and item["explanation_en"].startswith("Enterprise 甲企业")
    assert item["enterprise"]["name"] == "甲企业" and item["provider"]["name"] == "检测服务公司" and item["programme"] == "r-2025"
    assert staff.get("vouchers/risk-flags", kind="related_party").json()["count"] == 1
    assert staff.get("vouchers/risk-flags", status="cleared").json()["count"] == 0
    assert staff.get("vouchers/risk-flags", programme=rw.programme.pk).json()["count"] == 3
    assert staff.get("vouchers/risk-flags", programme=rw.programme.pk + 999).json()["count"] == 0
    assert staff.get("vouchers/risk-flags", kind="nonsense").status_code == 422
    assert staff.get(f"vouchers/risk-flags/{item['id']}").json()["key"] == item["key"]
    for user in (rw.users.district_a, rw.users.org_a, rw.users.expert):
        assert rw.as_(user).get("vouchers/risk-flags").status_code == 403
        assert rw.as_(user).get(f"vouchers/risk-flags/{item['id']}").status_code == 403
    assert rw.as_(None).get("vouchers/risk-flags").status_code == 401


def test_api_clear_and_reopen(flagged, client):
    rw = flagged
    fid = RiskFlag.objects.get(kind="related_party").pk
    staff = rw.as_(rw.users.staff)
    assert rw.as_(rw.users.org_a).post(f"vouchers/risk-flags/{fid}/clear", {"reason": "x"}).status_code == 403
    assert rw.as_(rw.users.district_a).post(f"vouchers/risk-flags/{fid}/clear", {"reason": "x"}).status_code == 403
    _, key = ApiToken.issue(rw.users.staff, write_enabled=False)
    ro = Api(client, {"Authorization": f"Bearer {key}"})
    assert ro.post(f"vouchers/risk-flags/{fid}/clear", {"reason": "x"}).status_code == 403
    assert staff.post(f"vouchers/risk-flags/{fid}/clear", {}).status_code == 422  # no reason field
    r = staff.post(f"vouchers/risk-flags/{fid}/clear", {"reason": "  "})
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "reason_required" and r.json()["detail"][0]["zh"]
    r = staff.post(f"vouchers/risk-flags/{fid}/clear", {"reason": "经核实无关联 / checked, not related"})
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["cleared_by"], r.json()["clear_reason"]) == (
        "cleared",
        "staff",
        "经核实无关联 / checked, not related",
    )
    assert staff.post(f"vouchers/risk-flags/{fid}/clear", {"reason": "again"}).status_code == 409
    assert staff.get("vouchers/risk-flags", status="cleared").json()["count"] == 1
    assert RiskFlag.objects.get(pk=fid).clear_reason.startswith("经核实")
    assert history_for(RiskFlag.objects.get(pk=fid)).filter(action="update", user=rw.users.staff, via="api").exists()
    r = staff.post(f"vouchers/risk-flags/{fid}/reopen", {"reason": "复核"})
    assert r.status_code == 200 and r.json()["status"] == "open" and r.json()["details"]["history"][0]["reopen_reason"] == "复核"
    assert staff.post(f"vouchers/risk-flags/{fid + 999}/clear", {"reason": "x"}).status_code == 404
