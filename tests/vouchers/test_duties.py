"""Separation of duties on public money (HELUO_SEPARATE_DUTIES): the provider's steps are the provider's, the
bureau records a party's step only with a reason that the history shows, whoever recorded a redemption cannot
verify it, and whoever verified or recorded it cannot settle it."""

import pytest
from django.core.exceptions import PermissionDenied

from heluo.core.models import Role
from heluo.vouchers import services
from heluo.vouchers.models import EventKind, VoucherStatus
from tests.helpers import make_user
from tests.vouchers import test_web
from tests.vouchers.conftest import sha
from tests.vouchers.test_web import EVIDENCE, voucher_at

vw = test_web.vw  # the fixture: the registry world with programmes and providers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def duties_on(settings):
    settings.HELUO_SEPARATE_DUTIES = True


def evidence(tag):
    return [{**e, "sha256": sha(e["name"] + tag)} for e in EVIDENCE]


def test_one_staff_account_cannot_pay_public_money_on_its_own_word(vw):
    staff, v = vw.users.staff, voucher_at(vw, "issued")
    with pytest.raises(services.Refused) as refused:
        services.sign_contract(staff, v, provider=vw.provider, contract_no="HT-1", contract_value="60000")
    assert refused.value.code == "on_behalf_reason_required"
    reason = "企业无法登录，经电话核实后代为登记"
    services.sign_contract(staff, v, provider=vw.provider, contract_no="HT-1", contract_value="60000", on_behalf_reason=reason)
    services.deliver(staff, v, on_behalf_reason=reason)
    services.submit_redemption(staff, v, invoice_no="INV-9", invoice_amount="60000", evidence=evidence("9"), on_behalf_reason=reason)
    with pytest.raises(PermissionDenied):
        services.verify(staff, v)
    v.refresh_from_db()
    assert v.status == VoucherStatus.REDEMPTION_SUBMITTED
    on_behalf = v.events.filter(reason_code="on_behalf")
    assert on_behalf.count() == 3 and set(on_behalf.values_list("reason", flat=True)) == {reason}

    checker = make_user("checker", Role.BUREAU_STAFF)
    services.verify(checker, v)
    with pytest.raises(PermissionDenied):
        services.settle(checker, v)  # the verifier does not pay
    with pytest.raises(PermissionDenied):
        services.settle(staff, v)  # nor does whoever recorded the claim
    services.settle(vw.users.admin, v)
    v.refresh_from_db()
    assert v.status == VoucherStatus.SETTLED


def test_the_parties_own_steps_need_no_reason_and_the_bureau_pays_with_two_people(vw):
    v = voucher_at(vw, "redemption_submitted")
    assert not v.events.filter(reason_code="on_behalf").exists()
    services.verify(vw.users.staff, v)
    with pytest.raises(PermissionDenied):
        services.settle(vw.users.staff, v)
    services.settle(vw.users.admin, v)
    assert v.events.filter(kind=EventKind.SETTLED, actor=vw.users.admin).exists()


def test_the_api_refuses_the_same_person_with_a_403(vw, client, token_for):
    v = voucher_at(vw, "redeemed")
    response = client.post(
        f"/api/v1/vouchers/{v.pk}/settle", data={"payment_ref": "ZF-1"}, content_type="application/json", headers=token_for(vw.users.staff)
    )
    assert response.status_code == 403 and "核验" in response.json()["detail"]
    response = client.post(
        f"/api/v1/vouchers/{v.pk}/settle", data={"payment_ref": "ZF-1"}, content_type="application/json", headers=token_for(vw.users.admin)
    )
    assert response.status_code == 200


def test_it_can_be_switched_off_for_a_bureau_of_one(vw, settings):
    settings.HELUO_SEPARATE_DUTIES = False
    v = voucher_at(vw, "redeemed")
    services.settle(vw.users.staff, v)


def test_the_voucher_page_asks_the_bureau_for_its_reason(vw, client):
    from django.urls import reverse

    from tests.helpers import login

    v = voucher_at(vw, "issued")
    login(client, vw.users.staff)
    page = client.get(reverse("vouchers:voucher", args=[v.pk])).content.decode()
    assert 'name="on_behalf_reason"' in page
    step = reverse("vouchers:step", args=[v.pk, "contract"])
    body = {"provider": vw.provider.pk, "contract_no": "HT-W", "contract_value": "60000"}
    client.post(step, body)
    v.refresh_from_db()
    assert v.status == VoucherStatus.ISSUED
    client.post(step, {**body, "on_behalf_reason": "企业委托"})
    v.refresh_from_db()
    assert v.status == VoucherStatus.CONTRACTED and v.events.get(kind=EventKind.CONTRACTED).reason == "企业委托"
    login(client, vw.users.org_a)
    assert 'name="on_behalf_reason"' not in client.get(reverse("vouchers:voucher", args=[v.pk])).content.decode()
