"""Innovation vouchers in the web UI: each role's pages and their scope, the apply form's double-submit
protection, redemption with uploaded evidence (hash stored), the bureau's verification, payment, review
and admission from the web, the Excel exports, the leverage arithmetic, and the demo for every role."""

import datetime as dt
import hashlib
import io
import re
from decimal import Decimal as D

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from heluo.core.models import Role
from heluo.cultivation.models import EvaluationResult, EvaluationRun
from heluo.orgs.models import Organization, Qualification
from heluo.vouchers import evidence, selectors, services
from heluo.vouchers.loader import load_programme
from heluo.vouchers.models import Programme, Provider, ProviderService, Redemption, RiskFlag, Voucher, VoucherStatus
from heluo.vouchers.selectors import reports

from ..conftest import make_user
from .conftest import sha

pytestmark = pytest.mark.usefixtures("invariants_hold")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Evidence files go to a temporary media folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "media")}},
    }
    return tmp_path / "media"


EVIDENCE = [{"name": "合同.pdf", "sha256": sha("contract")}, {"name": "发票.pdf", "sha256": sha("invoice")}]


def programme_for(world, code, **overrides):
    now = timezone.now()
    config = {
        "window": {"opens": (now - dt.timedelta(days=1)).isoformat(), "closes": (now + dt.timedelta(days=1)).isoformat()},
        "budget": "100000.00",
        "cap_per_enterprise": "60000.00",
        "eligible_rulesets": ["tech-sme-2022"],
        "eligible_qualifications": ["hte"],
        "startup_max_years": None,
        **overrides,
    }
    return load_programme("example", year=2025, authority=world.city.code, code=code, overrides=config)


@pytest.fixture
def vw(world):
    """The registry world plus a first-come programme and a review programme (budget 100,000; cap 60,000 per
    enterprise); ent_a eligible by an evaluation, ent_b by a certificate, ent_a2 not; two approved providers."""
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
    ProviderService.objects.create(provider=provider, category="testing", name="材料检测", price=D("20000"))
    other = Provider.objects.create(organization=other_org, authority=world.city, status="approved")
    ProviderService.objects.create(provider=other, category="ip_services", name="专利代理", price=D("5000"))
    ProviderService.objects.create(provider=other, category="rd_services", name="联合研发", price=D("50000"))
    u = world.users
    u.org_b = make_user("org_b", Role.ORG_USER, organization=world.ent_b)
    u.org_a2 = make_user("org_a2", Role.ORG_USER, organization=world.ent_a2)
    u.prov = make_user("prov", Role.ORG_USER, organization=prov_org)
    u.other_prov = make_user("other_prov", Role.ORG_USER, organization=other_org)
    u.district_b = make_user("district_b", Role.DISTRICT_STAFF, areas=[world.b])
    world.programme = programme_for(world, "t-2025")
    world.review = programme_for(world, "t-2025-review", allocation_mode="review")
    world.provider, world.other_provider, world.prov_org = provider, other, prov_org
    return world


STEPS = ["issued", "contracted", "delivered", "redemption_submitted", "redeemed", "settled"]


def voucher_at(vw, state, user=None, vtype="rd", amount="20000", provider=None, contract_value="60000", invoice="INV-1"):
    """A voucher taken by the services to `state` (issued … settled)."""
    user = user or vw.users.org_a
    v = services.apply(user, vw.programme, voucher_type=vw.programme.types.get(code=vtype), amount=amount).voucher
    provider = provider or vw.provider
    prov_user = vw.users.prov if provider == vw.provider else vw.users.other_prov
    for step in STEPS[1 : STEPS.index(state) + 1]:
        if step == "contracted":
            services.sign_contract(user, v, provider=provider, contract_no=f"HT-{v.pk}", contract_value=contract_value)
        elif step == "delivered":
            services.deliver(user, v)
        elif step == "redemption_submitted":
            services.submit_redemption(
                prov_user,
                v,
                invoice_no=invoice,
                invoice_amount=contract_value,
                evidence=[{**e, "sha256": sha(e["name"] + invoice)} for e in EVIDENCE],
            )
        elif step == "redeemed":
            services.verify(vw.users.staff, v)
        elif step == "settled":
            services.settle(vw.users.staff, v)
    v.refresh_from_db()
    assert v.status == state
    return v


def as_(client, user, language="en"):
    client.logout()
    if user is not None:
        client.force_login(user)
    client.cookies["django_language"] = language  # English pages: the msgids, whatever the catalogue holds
    return client


def html(response):
    return response.content.decode()


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context and "messages" in response.context else []


# --- access per role ----------------------------------------------------------------------------------


def test_each_role_lands_on_its_page_and_the_expert_gets_nothing(vw, client):
    v = voucher_at(vw, "issued")
    for user, target in [
        (vw.users.staff, "/vouchers/programmes/"),
        (vw.users.district_a, "/vouchers/programmes/"),
        (vw.users.org_a, "/vouchers/my/"),
        (vw.users.prov, "/vouchers/provider/"),
    ]:
        r = as_(client, user).get("/vouchers/")
        assert r.status_code == 302 and r["Location"] == target, user
        assert client.get(target).status_code == 200
    as_(client, vw.users.expert)
    for url in [
        "/vouchers/",
        "/vouchers/my/",
        "/vouchers/provider/",
        "/vouchers/list/",
        f"/vouchers/{v.pk}/",
        "/vouchers/programmes/",
        f"/vouchers/programmes/{vw.programme.pk}/",
        "/vouchers/queue/",
        "/vouchers/risk/",
    ]:
        assert client.get(url).status_code == 403, url
    as_(client, None)
    r = client.get("/vouchers/")
    assert r.status_code == 302 and "/login" in r["Location"]


def test_navigation_has_the_vouchers_entry_for_staff_districts_and_organizations(vw, client):
    for user, shown in [
        (vw.users.staff, True),
        (vw.users.district_a, True),
        (vw.users.org_a, True),
        (vw.users.prov, True),
        (vw.users.expert, False),
    ]:
        r = as_(client, user).get("/vouchers/my/" if user == vw.users.org_a else "/")
        keys = {s["key"]: s for s in r.context["nav_sections"]}
        assert ("vouchers" in keys) is shown, user
        if user == vw.users.org_a:
            assert keys["vouchers"]["active"]


def test_bureau_only_pages_refuse_districts_and_organizations(vw, client):
    for user in (vw.users.district_a, vw.users.org_a, vw.users.prov):
        as_(client, user)
        for url in [
            "/vouchers/queue/",
            "/vouchers/applications/",
            "/vouchers/providers/",
            "/vouchers/risk/",
            f"/vouchers/programmes/{vw.programme.pk}/reconciliation/",
        ]:
            assert client.get(url).status_code == 403, (user, url)
    as_(client, vw.users.org_a)
    assert client.get("/vouchers/list/").status_code == 403 and client.get(f"/vouchers/programmes/{vw.programme.pk}/").status_code == 403


# --- the enterprise -----------------------------------------------------------------------------------


def test_enterprise_sees_programmes_with_its_eligibility_explained(vw, client):
    page = html(as_(client, vw.users.org_a).get("/vouchers/my/"))
    run = EvaluationRun.objects.get().pk
    assert f"Passed the rule set tech-sme-2022 in evaluation run #{run}." in page
    assert f'href="/vouchers/programmes/{vw.programme.pk}/apply/"' in page
    page = html(as_(client, vw.users.org_b).get("/vouchers/my/"))
    assert "Holds a valid qualification: High-tech enterprise." in page
    page = html(as_(client, vw.users.org_a2).get("/vouchers/my/"))
    assert "The enterprise meets none of this programme&#x27;s conditions" in page and "/apply/" not in page
    r = client.get(f"/vouchers/programmes/{vw.programme.pk}/apply/")
    assert r.status_code == 200 and 'name="idempotency_key"' not in html(r)  # no form for an ineligible enterprise


def test_apply_form_double_submit_applies_once(vw, client):
    as_(client, vw.users.org_a)
    url = f"/vouchers/programmes/{vw.programme.pk}/apply/"
    first = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', html(client.get(url))).group(1)
    second = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', html(client.get(url))).group(1)
    assert first != second  # a key per rendered form
    body = {"idempotency_key": first, "voucher_type": "rd", "amount": "20000"}
    r1 = client.post(url, body)
    r2 = client.post(url, body, follow=True)
    assert Voucher.objects.filter(enterprise=vw.ent_a).count() == 1
    v = Voucher.objects.get(enterprise=vw.ent_a)
    assert v.status == "issued" and v.face_value == D("20000")
    assert r1["Location"] == f"/vouchers/{v.pk}/" and r2.redirect_chain[-1][0] == f"/vouchers/{v.pk}/"
    assert any("already submitted" in m for m in messages_of(r2))
    # a new form (new key) applies again
    client.post(url, {"idempotency_key": second, "voucher_type": "rd", "amount": "10000"})
    assert Voucher.objects.filter(enterprise=vw.ent_a).count() == 2


def test_apply_refusals_come_back_on_the_form(vw, client):
    as_(client, vw.users.org_a)
    url = f"/vouchers/programmes/{vw.programme.pk}/apply/"
    r = client.post(url, {"idempotency_key": "k1", "voucher_type": "ip", "amount": "30000"})
    assert r.status_code == 200 and "above the cap of 20,000.00 yuan per voucher" in html(r)
    assert not Voucher.objects.exists()
    # a refusal of the allocation itself is stored: the cap per enterprise (60,000)
    client.post(url, {"idempotency_key": "k2", "voucher_type": "rd", "amount": "50000"})
    r = client.post(url, {"idempotency_key": "k3", "voucher_type": "rd", "amount": "20000"}, follow=True)
    rejected = Voucher.objects.get(status="rejected")
    assert r.redirect_chain[-1][0] == f"/vouchers/{rejected.pk}/" and any("Above the cap" in m for m in messages_of(r))


def test_enterprise_never_sees_another_enterprises_voucher(vw, client):
    mine, theirs = voucher_at(vw, "issued"), voucher_at(vw, "issued", user=vw.users.org_b)
    as_(client, vw.users.org_a)
    assert client.get(f"/vouchers/{mine.pk}/").status_code == 200
    assert client.get(f"/vouchers/{theirs.pk}/").status_code == 404
    assert client.post(f"/vouchers/{theirs.pk}/cancel/", {"reason": "x"}).status_code == 404
    page = html(client.get("/vouchers/my/"))
    assert mine.number in page and theirs.number not in page
    theirs.refresh_from_db()
    assert theirs.status == "issued"


def test_enterprise_page_shows_balance_and_the_expiry_warning(vw, client):
    v = voucher_at(vw, "redeemed", contract_value="30000")  # payable min(20,000, 15,000): 15,000 redeemed
    soon = voucher_at(vw, "issued", amount="10000")
    Voucher.objects.filter(pk=soon.pk).update(expires_on=timezone.localdate() + dt.timedelta(days=9))  # as if issued long ago
    page = html(as_(client, vw.users.org_a).get("/vouchers/my/"))
    assert "expires in 9 days" in page and page.count("expires in") == 1
    detail = html(client.get(f"/vouchers/{v.pk}/"))
    assert "5,000.00 unused, returned to the budget" in detail
    assert "Expires in 9 days" in html(client.get(f"/vouchers/{soon.pk}/"))


def test_enterprise_signs_a_contract_with_an_approved_provider_and_marks_delivery(vw, client):
    v = voucher_at(vw, "issued", vtype="testing", amount="10000")
    page = html(as_(client, vw.users.org_a).get(f"/vouchers/{v.pk}/"))
    assert "检测服务公司" in page and "另一服务机构" not in page  # only providers offering testing
    r = client.post(f"/vouchers/{v.pk}/contract/", {"provider": "x", "contract_no": "HT-9", "contract_value": "15000"}, follow=True)
    assert any("Choose a provider" in m for m in messages_of(r))
    r = client.post(
        f"/vouchers/{v.pk}/contract/", {"provider": vw.provider.pk, "contract_no": "HT-9", "contract_value": "15000"}, follow=True
    )
    v.refresh_from_db()
    assert v.status == "contracted" and v.payable_limit == D("7500.00") and v.provider == vw.provider
    assert any("contract has been recorded" in m for m in messages_of(r))
    r = client.post(f"/vouchers/{v.pk}/deliver/", {"delivered_on": timezone.localdate().isoformat()}, follow=True)
    v.refresh_from_db()
    assert v.status == "delivered"
    # a second contract is refused by the service, with its reason
    r = client.post(
        f"/vouchers/{v.pk}/contract/", {"provider": vw.provider.pk, "contract_no": "HT-10", "contract_value": "15000"}, follow=True
    )
    assert any("it cannot be contracted" in m for m in messages_of(r))


def test_enterprise_gives_a_voucher_up(vw, client):
    v = voucher_at(vw, "issued")
    as_(client, vw.users.org_a).post(f"/vouchers/{v.pk}/cancel/", {"reason": "项目取消"})
    v.refresh_from_db()
    assert v.status == "cancelled"


# --- the provider -------------------------------------------------------------------------------------


def test_provider_sees_only_its_contracts(vw, client):
    ours = voucher_at(vw, "delivered")
    theirs = voucher_at(vw, "delivered", user=vw.users.org_b, provider=vw.other_provider)
    issued = voucher_at(vw, "issued", user=vw.users.org_b, amount="5000")
    page = html(as_(client, vw.users.prov).get("/vouchers/provider/"))
    assert ours.number in page and theirs.number not in page and issued.number not in page
    assert client.get(f"/vouchers/{ours.pk}/").status_code == 200
    assert client.get(f"/vouchers/{theirs.pk}/").status_code == 404 and client.get(f"/vouchers/{issued.pk}/").status_code == 404
    assert client.post(f"/vouchers/{theirs.pk}/redeem/", {"invoice_no": "X", "invoice_amount": "1"}).status_code == 404


def test_redemption_with_uploaded_files_stores_their_hashes(vw, client, media):
    v = voucher_at(vw, "delivered")
    contract, invoice = "合同正文 HT".encode() * 1000, b"%PDF-1.4 invoice"
    as_(client, vw.users.prov)
    r = client.post(
        f"/vouchers/{v.pk}/redeem/",
        {
            "invoice_no": "FP-1",
            "invoice_amount": "60000",
            "amount": "",
            "contract_file": SimpleUploadedFile("合同.pdf", contract),
            "invoice_file": SimpleUploadedFile("发票.pdf", invoice),
            "other_files": [SimpleUploadedFile("照片1.jpg", b"p1"), SimpleUploadedFile("照片2.jpg", b"p2")],
        },
        follow=True,
    )
    red = Redemption.objects.get(voucher=v)
    assert red.status == "submitted" and red.amount == D("20000.00")  # the lower of what the voucher pays and the invoice
    assert red.evidence == [
        {"name": "合同.pdf", "sha256": hashlib.sha256(contract).hexdigest()},
        {"name": "发票.pdf", "sha256": hashlib.sha256(invoice).hexdigest()},
        {"name": "照片1.jpg", "sha256": hashlib.sha256(b"p1").hexdigest()},
        {"name": "照片2.jpg", "sha256": hashlib.sha256(b"p2").hexdigest()},
    ]
    assert any("4 evidence files" in m for m in messages_of(r))
    # the files are kept under their hash; the bureau downloads one, another provider cannot
    digest = hashlib.sha256(contract).hexdigest()
    assert default_storage.exists(evidence.path_for(digest)) and (media / evidence.path_for(digest)).read_bytes() == contract
    as_(client, vw.users.staff)
    r = client.get(f"/vouchers/redemptions/{red.pk}/evidence/{digest}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == contract
    assert client.get(f"/vouchers/redemptions/{red.pk}/evidence/{'0' * 64}/").status_code == 404
    as_(client, vw.users.other_prov)
    assert client.get(f"/vouchers/redemptions/{red.pk}/evidence/{digest}/").status_code == 404


def test_a_refused_claim_keeps_no_file(vw, client, media):
    v = voucher_at(vw, "delivered")
    as_(client, vw.users.prov)
    r = client.post(
        f"/vouchers/{v.pk}/redeem/",
        {"invoice_no": "FP-2", "invoice_amount": "60000", "amount": "30000", "contract_file": SimpleUploadedFile("c.pdf", b"contract")},
        follow=True,
    )
    assert any("above the 20,000.00 yuan this voucher can pay" in m for m in messages_of(r))
    assert not Redemption.objects.exists() and not default_storage.exists(evidence.path_for(hashlib.sha256(b"contract").hexdigest()))
    r = client.post(f"/vouchers/{v.pk}/redeem/", {"invoice_no": "FP-3", "invoice_amount": "60000"}, follow=True)
    assert any("Submit the hashes" in m for m in messages_of(r)) and not Redemption.objects.exists()


def test_provider_applies_to_join_and_the_bureau_admits_it(vw, client):
    agency = Organization.objects.create(name="新服务机构", kind="service_agency", area=vw.a)
    user = make_user("agency", Role.ORG_USER, organization=agency)
    r = as_(client, user).get("/vouchers/")
    assert r["Location"] == "/vouchers/provider/" and "Apply to join as a service provider" in html(client.get("/vouchers/provider/"))
    client.post(
        "/vouchers/provider/apply/",
        {
            "service-0-category": "testing",
            "service-0-name": "无损检测",
            "service-0-price": "3000",
            "service-0-unit": "件",
            "service-1-category": "tech_services",
            "service-1-name": "技术咨询",
            "service-1-price": "8000",
            "contact": "王经理",
        },
    )
    p = Provider.objects.get(organization=agency)
    assert p.status == "applied" and sorted(p.services.values_list("name", flat=True)) == ["技术咨询", "无损检测"]
    assert "waiting for the bureau" in html(client.get("/vouchers/provider/"))
    as_(client, vw.users.staff)
    assert "新服务机构" in html(client.get("/vouchers/providers/"))
    r = client.post(f"/vouchers/providers/{p.pk}/review/", {"decision": "reject", "reason": ""}, follow=True)
    p.refresh_from_db()
    assert p.status == "applied" and any("reason is required" in m for m in messages_of(r))
    client.post(f"/vouchers/providers/{p.pk}/review/", {"decision": "approve"})
    p.refresh_from_db()
    assert p.status == "approved" and p.reviewed_by == vw.users.staff
    client.post(f"/vouchers/providers/{p.pk}/review/", {"decision": "suspend", "reason": "考核未通过"})
    p.refresh_from_db()
    assert p.status == "suspended" and p.review_reason == "考核未通过"
    # a district cannot decide
    as_(client, vw.users.district_a)
    assert client.post(f"/vouchers/providers/{p.pk}/review/", {"decision": "reinstate", "reason": "x"}).status_code == 403


# --- the bureau ---------------------------------------------------------------------------------------


def test_bureau_verifies_refuses_and_settles_from_the_web(vw, client):
    v = voucher_at(vw, "redemption_submitted")
    w = voucher_at(vw, "redemption_submitted", user=vw.users.org_b, invoice="INV-2")
    as_(client, vw.users.staff)
    page = html(client.get("/vouchers/queue/"))
    assert v.number in page and w.number in page
    # refused with a reason: back to delivered, the provider may claim again
    r = client.post(f"/vouchers/{w.pk}/refuse/", {"reason": "", "next": "/vouchers/queue/"}, follow=True)
    assert any("reason is required" in m for m in messages_of(r))
    client.post(f"/vouchers/{w.pk}/refuse/", {"reason": "发票不符"})
    w.refresh_from_db()
    assert w.status == "delivered" and Redemption.objects.get(voucher=w).decision_reason == "发票不符"
    # accepted for less than claimed; the rest returns to the budget
    r = client.post(f"/vouchers/{v.pk}/verify/", {"amount": "18000", "next": "/vouchers/queue/"})
    assert r["Location"] == "/vouchers/queue/"
    v.refresh_from_db()
    assert v.status == "redeemed" and v.redeemed_amount == D("18000.00")
    assert v.number in html(client.get("/vouchers/queue/"))  # now among the payments to record
    client.post(f"/vouchers/{v.pk}/settle/", {"amount": "8000", "paid_on": "2025-06-01", "payment_ref": "ZF-1"})
    v.refresh_from_db()
    assert v.status == "redeemed" and v.settled_amount == D("8000.00")
    # the same transfer submitted again (double click) is not a second payment; a payment needs its reference
    client.post(f"/vouchers/{v.pk}/settle/", {"amount": "8000", "paid_on": "2025-06-01", "payment_ref": "ZF-1"})
    client.post(f"/vouchers/{v.pk}/settle/", {"paid_on": "2025-06-02"})
    v.refresh_from_db()
    assert v.status == "redeemed" and v.settled_amount == D("8000.00")
    client.post(f"/vouchers/{v.pk}/settle/", {"paid_on": "2025-06-02", "payment_ref": "ZF-2"})
    v.refresh_from_db()
    assert v.status == "settled" and v.settled_amount == D("18000.00")
    assert list(v.settlements.order_by("paid_on").values_list("payment_ref", flat=True)) == ["ZF-1", "ZF-2"]


def test_a_district_cannot_act_and_an_enterprise_cannot_verify(vw, client):
    v = voucher_at(vw, "redemption_submitted")
    r = as_(client, vw.users.district_a).post(f"/vouchers/{v.pk}/verify/", {}, follow=True)
    assert any("Only bureau staff" in m for m in messages_of(r))
    as_(client, vw.users.org_a).post(f"/vouchers/{v.pk}/verify/", {})
    v.refresh_from_db()
    assert v.status == "redemption_submitted"


def test_bureau_reviews_issues_and_rejects_applications(vw, client):
    rd = vw.review.types.get(code="rd")
    a = services.apply(vw.users.org_a, vw.review, voucher_type=rd, amount="20000").voucher
    b = services.apply(vw.users.org_b, vw.review, voucher_type=rd, amount="30000").voucher
    c = services.apply(vw.users.org_b, vw.review, voucher_type=vw.review.types.get(code="tech"), amount="10000").voucher
    as_(client, vw.users.staff)
    page = html(client.get("/vouchers/applications/"))
    assert all(x.enterprise.name in page for x in (a, b)) and vw.review.name_en in page
    r = client.post(f"/vouchers/{a.pk}/review/", {"score": "abc"}, follow=True)
    assert any("must be a number" in m for m in messages_of(r))
    client.post(f"/vouchers/{a.pk}/review/", {"score": "88.5", "next": "/vouchers/applications/"})
    a.refresh_from_db()
    assert a.review_score == D("88.50") and a.status == "applied"
    client.post(f"/vouchers/{c.pk}/reject/", {"reason": "不属于技术服务"})
    client.post(f"/vouchers/{a.pk}/issue/", {"face_value": "15000"})
    a.refresh_from_db()
    c.refresh_from_db()
    assert (a.status, a.face_value, c.status) == ("issued", D("15000.00"), "rejected")
    client.post(f"/vouchers/programmes/{vw.review.pk}/issue-ranked/", {})
    b.refresh_from_db()
    assert b.status == "issued"
    assert "No application is waiting" in html(client.get("/vouchers/applications/"))


def test_programme_page_shows_budget_use_by_type_district_and_provider(vw, client):
    voucher_at(vw, "settled", contract_value="60000")  # a: rd 20,000 redeemed
    voucher_at(vw, "issued", user=vw.users.org_b, vtype="testing", amount="10000")  # b: testing 10,000
    x = voucher_at(vw, "issued", user=vw.users.org_b, vtype="ip", amount="5000")
    services.cancel(vw.users.org_b, x, reason="不用了")
    vouchers = Voucher.objects.filter(programme=vw.programme)
    by_type = {r["label"]["en"]: r for r in reports.budget_use(vouchers, "type", vw.programme)}
    assert by_type["Testing and inspection voucher"]["committed"] == D("10000.00") and by_type["Testing and inspection voucher"][
        "available"
    ] == D("1490000.00")
    assert by_type["R&D services voucher"]["available"] is None and by_type["IP services voucher"]["returned"] == D("5000.00")
    balances, _ = selectors.check_programme(vw.programme)
    assert sum(r["committed"] for r in by_type.values()) == balances.committed == D("30000.00")
    by_area = {r["label"]["zh"]: r for r in reports.budget_use(vouchers, "area")}
    assert by_area["涧西区"]["redeemed"] == D("20000.00") and by_area["洛龙区"]["committed"] == D("10000.00")
    page = html(as_(client, vw.users.staff).get(f"/vouchers/programmes/{vw.programme.pk}/"))
    assert "Budget use by voucher type" in page and "检测服务公司" in page and 'id="budget-chart"' in page and "echarts" in page
    assert "Jianxi" in page and "Luolong" in page


def test_district_sees_only_its_areas(vw, client):
    a = voucher_at(vw, "issued")
    b = voucher_at(vw, "issued", user=vw.users.org_b)
    as_(client, vw.users.district_a)
    page = html(client.get("/vouchers/list/"))
    assert a.number in page and b.number not in page
    assert client.get(f"/vouchers/{a.pk}/").status_code == 200 and client.get(f"/vouchers/{b.pk}/").status_code == 404
    page = html(client.get(f"/vouchers/programmes/{vw.programme.pk}/"))
    assert "Jianxi" in page and "Luolong" not in page and "your areas only" in page
    assert "Record the service contract" not in html(client.get(f"/vouchers/{a.pk}/"))  # read only
    as_(client, vw.users.district_b)
    page = html(client.get("/vouchers/list/"))
    assert b.number in page and a.number not in page


def test_exports_of_vouchers_and_budget_use(vw, client):
    voucher_at(vw, "settled", contract_value="50000")
    voucher_at(vw, "issued", user=vw.users.org_b, vtype="testing", amount="10000")

    def sheet(response):
        assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
        return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))

    as_(client, vw.users.staff)
    rows = sheet(client.get("/vouchers/list/?format=xlsx"))
    assert rows[0][0] == "Voucher number" and len(rows) == 3
    assert {r[3] for r in rows[1:]} == {"甲企业", "乙企业"}
    settled = next(r for r in rows[1:] if r[3] == "甲企业")
    assert settled[6] == "Settled" and settled[16] == 20000.0 and settled[14] == 50000.0
    rows = sheet(client.get("/vouchers/list/?format=xlsx&status=issued"))
    assert len(rows) == 2 and rows[1][3] == "乙企业"
    rows = sheet(client.get(f"/vouchers/programmes/{vw.programme.pk}/?format=xlsx"))
    assert rows[0][:3] == ("Breakdown", "Name", "Vouchers issued")
    assert ("Voucher type", "Testing and inspection voucher", 1, 10000.0) == rows[
        [r[1] for r in rows].index("Testing and inspection voucher")
    ][:4]
    assert {r[1] for r in rows if r[0] == "District/county"} == {"Jianxi", "Luolong"}
    as_(client, vw.users.district_a)
    rows = sheet(client.get("/vouchers/list/?format=xlsx"))
    assert [r[3] for r in rows[1:]] == ["甲企业"]
    rows = sheet(client.get(f"/vouchers/programmes/{vw.programme.pk}/?format=xlsx"))
    assert {r[1] for r in rows if r[0] == "District/county"} == {"Jianxi"}


def test_leverage_arithmetic():
    # (contract − redeemed) / redeemed: 300,000 of contracts paid 100,000 by vouchers → 2 yuan of own money per voucher yuan
    assert reports.leverage(D("300000"), D("100000")) == D("2.00")
    assert reports.leverage(D("100000"), D("100000")) == D("0.00")
    assert reports.leverage(D("50000"), D("30000")) == D("0.67")  # 20,000 / 30,000
    assert reports.leverage(D("10"), 0) is None and reports.leverage(0, None) is None


def test_leverage_over_redeemed_vouchers_only(vw, client):
    voucher_at(vw, "settled", amount="20000", contract_value="100000")  # pays min(20,000, 50,000) = 20,000
    voucher_at(vw, "redeemed", user=vw.users.org_b, amount="10000", contract_value="16000", invoice="INV-2")  # pays 8,000
    voucher_at(vw, "contracted", user=vw.users.org_b, vtype="testing", amount="5000", contract_value="900000")  # not redeemed: not counted
    lev = reports.leverage_of(Voucher.objects.all())
    assert (lev["count"], lev["contract"], lev["redeemed"], lev["own"]) == (2, D("116000.00"), D("28000.00"), D("88000.00"))
    assert lev["ratio"] == D("3.14")  # 88,000 / 28,000 = 3.142…
    page = html(as_(client, vw.users.staff).get(f"/vouchers/programmes/{vw.programme.pk}/"))
    assert "3.14" in page and "(116,000.00 − 28,000.00) ÷ 28,000.00" in page


def test_reconciliation_page(vw, client):
    voucher_at(vw, "settled")
    page = html(as_(client, vw.users.staff).get(f"/vouchers/programmes/{vw.programme.pk}/reconciliation/"))
    assert "All invariants hold" in page and "counters equal the balances derived from events" in page
    assert client.get(f"/vouchers/programmes/{vw.programme.pk}/reconciliation/?day=2025-01-01").status_code == 200
    assert client.get(f"/vouchers/programmes/{vw.programme.pk}/reconciliation/?day=nope").status_code == 404


def test_risk_flags_are_listed_for_the_bureau(vw, client):
    v = voucher_at(vw, "contracted")
    flag = RiskFlag.objects.create(
        kind="recurring_pair",
        key="t-1",
        voucher=v,
        enterprise=vw.ent_a,
        explanation_zh="同一企业与服务机构多次签约",
        explanation_en="The same enterprise and provider again",
    )
    as_(client, vw.users.staff)
    page = html(client.get("/vouchers/risk/"))
    assert "The same enterprise and provider again" in page and f"/vouchers/{v.pk}/" in page
    assert 'name="reason"' in page
    client.post(f"/vouchers/risk/{flag.pk}/clear/", {"reason": "已核实，无关联"})
    flag.refresh_from_db()
    assert flag.status == "cleared" and "No open risk flags" in html(client.get("/vouchers/risk/"))
    as_(client, vw.users.district_a)
    assert client.get("/vouchers/risk/").status_code == 403


# --- the demo -----------------------------------------------------------------------------------------


def test_demo_has_a_voucher_life_for_every_role(client):
    """`heluo demo --size small`: every state exists, and each role's voucher page is filled in; a second run
    adds nothing; the reset removes it all."""
    from heluo.demo import accounts, generator
    from heluo.demo.vouchers import build_demo_vouchers

    call_command("load_reference", city="luoyang", verbosity=0)
    call_command("demo", "--no-serve", "--size", "small", stdout=io.StringIO())
    fcfs = Programme.objects.get(code__startswith="demo-", allocation_mode="fcfs")
    statuses = set(Voucher.objects.filter(programme__code__startswith="demo-").values_list("status", flat=True))
    assert statuses == set(VoucherStatus.values)
    assert build_demo_vouchers(log=lambda *a: None) == {}  # built once
    User = get_user_model()
    org, provider = (User.objects.get(username=n).profile.organization for n in ("org", "provider"))
    mine = Voucher.objects.filter(enterprise=org)
    assert mine.count() >= 5 and mine.filter(provider__organization=provider).count() >= 2
    assert Voucher.objects.filter(provider__organization=provider).exclude(enterprise=org).exists()

    def page(username, url="/vouchers/"):
        as_(client, User.objects.get(username=username))
        r = client.get(url, follow=True)
        assert r.status_code == 200, (username, url)
        return html(r)

    staff = page("staff")
    assert fcfs.name_en in staff
    budget = page("staff", f"/vouchers/programmes/{fcfs.pk}/")
    assert "Budget use by district" in budget and "Leverage" in budget and "No voucher has been redeemed yet" not in budget
    queue = page("staff", "/vouchers/queue/")
    assert "No redemption is waiting" not in queue and "Nothing to pay" not in queue
    assert "No application is waiting" not in page("staff", "/vouchers/applications/")
    assert "All invariants hold" in page("staff", f"/vouchers/programmes/{fcfs.pk}/reconciliation/")
    my = page("org")
    assert all(v.number in my for v in mine.exclude(number=None)) and "expires in" in my and "You are eligible" in my
    prov = page("provider")
    assert "No voucher has been contracted with you yet" not in prov and "No claims yet" not in prov and "Claim" in prov
    for district, code in (("jianxi", "410305"), ("luolong", "410311")):
        listing = page(district, "/vouchers/list/")
        inside = Voucher.objects.filter(enterprise__area__code__startswith=code[:6]).exclude(number=None)
        outside = Voucher.objects.exclude(enterprise__area__code=code).exclude(enterprise__area__parent__code=code).exclude(number=None)
        assert inside.exists() and all(v.number in listing for v in inside) and not any(v.number in listing for v in outside)
    as_(client, User.objects.get(username="expert"))
    assert client.get("/vouchers/").status_code == 403

    generator.reset(accounts.USERNAMES)
    assert (
        not Programme.objects.filter(code__startswith="demo-").exists() and not Voucher.objects.exists() and not Provider.objects.exists()
    )
