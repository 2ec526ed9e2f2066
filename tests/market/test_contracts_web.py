"""The contract pages and API: scoped lists, entry and review by the registering office, statistics and their
Excel export, bounded input answered with 4xx."""

import datetime as dt
import io

import openpyxl
from django.urls import reverse

from heluo.market.models import TechnologyContract
from tests.helpers import Api, login

from .contracts_world import OUTSIDE_BUYER, make_contract, register


def test_the_list_is_scoped_and_exports(world, client):
    mine = register(world, make_contract(world))
    other = make_contract(world, seller=world.ent_b, buyer_uscc=OUTSIDE_BUYER)
    login(client, world.users.org_a)
    html = client.get(reverse("market:contract_list")).content.decode()
    assert mine.name in html and reverse("market:contract", args=[other.pk]) not in html
    assert client.get(reverse("market:contract", args=[other.pk])).status_code == 404
    response = client.get(reverse("market:contract_list") + "?format=xlsx&year=abc&area=xyz")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert ws.max_row == 2 and ws["A2"].value == mine.registration_number
    assert 'name="reason"' not in client.get(reverse("market:contract", args=[mine.pk])).content.decode()  # no review for an enterprise


def test_experts_and_the_public_are_refused(world, client):
    assert client.get(reverse("market:contract_list")).status_code == 302  # sign in first
    login(client, world.users.expert)
    assert client.get(reverse("market:contract_list")).status_code == 403
    assert client.get(reverse("market:contract_statistics")).status_code == 403


def test_a_district_enters_and_registers_through_the_pages(world, client):
    login(client, world.users.district_a)
    form = {
        "name": "数控系统技术开发",
        "contract_type": "development",
        "subtype": "commissioned",
        "seller_name": world.ent_a.name,
        "seller_uscc": world.ent_a.uscc,
        "buyer_name": "北京买方",
        "buyer_uscc": OUTSIDE_BUYER,
        "contract_amount": "500000",
        "non_technical_costs": "600000",
        "signed_on": "2025-05-01",
        "submitted_on": "2025-05-02",
        "office": world.a.pk,
    }
    response = client.post(reverse("market:contract_new"), form)
    assert response.status_code == 200 and "非技术性费用不能超过合同金额" in response.content.decode()
    form["non_technical_costs"] = "100000"
    response = client.post(reverse("market:contract_new"), form)
    c = TechnologyContract.objects.get()
    assert response.status_code == 302 and c.transaction_amount == 400000 and c.buyer_location == "elsewhere"
    page = client.get(reverse("market:contract", args=[c.pk])).content.decode()
    assert "认定登记" in page and "不予登记" in page and "400000" in page.replace(",", "")
    client.post(reverse("market:contract_step", args=[c.pk, "accept"]), {"on": "2025-05-20"})
    c.refresh_from_db()
    assert c.state == "registered" and c.registration_number == "2025410305000001"
    page = client.get(reverse("market:contract", args=[c.pk])).content.decode()
    assert "受理 · — → 已受理待认定" in page and "认定登记 · 已受理待认定 → 已认定登记" in page  # the history names, not codes
    assert client.post(reverse("market:contract_step", args=[c.pk, "launch"])).status_code == 404
    response = client.post(reverse("market:contract_new"), {**form, "office": world.b.pk})
    assert response.status_code == 200 and TechnologyContract.objects.count() == 1  # not its office: not a choice


def test_statistics_page_filters_and_export(world, client):
    register(world, make_contract(world, amount="1234500"))
    login(client, world.users.staff)
    html = client.get(reverse("market:contract_statistics") + "?by=area&direction=output&from=2025-01-01&to=2025-12-31").content.decode()
    assert "涧西区" in html and "123.45" in html
    assert client.get(reverse("market:contract_statistics") + "?by=nonsense&from=garbage").status_code == 200
    response = client.get(reverse("market:contract_statistics") + "?by=type&format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert ws["A2"].value == "技术服务" and ws.max_row == 3


def test_the_api_lists_creates_reviews_and_counts(world, client, token_for):
    register(world, make_contract(world, seller=world.ent_b, buyer_uscc=OUTSIDE_BUYER))
    api = Api(client, token_for(world.users.staff))
    body = {
        "name": "API 合同",
        "contract_type": "consulting",
        "seller_name": world.ent_a.name,
        "seller_uscc": world.ent_a.uscc,
        "buyer_name": "乙",
        "buyer_uscc": world.ent_b.uscc,
        "contract_amount": "200000",
        "cost_items": {"equipment": "50000"},
        "signed_on": "2025-06-01",
        "submitted_on": "2025-06-02",
        "office": "410305",
    }
    created = api.post("tech-contracts", body)
    assert created.status_code == 201, created.content
    c = created.json()
    assert c["transaction_amount"] == "150000.00" and c["buyer_location"] == "city"
    assert api.post("tech-contracts", {**body, "contract_amount": "10"}).status_code == 422  # costs above the amount
    assert api.post("tech-contracts", {**body, "contract_amount": "1e30"}).status_code == 422
    assert api.post("tech-contracts", {**body, "seller_uscc": "X"}).status_code == 422
    refused = api.post(f"tech-contracts/{c['id']}/steps/refuse", {})
    assert refused.status_code == 422
    step = api.post(f"tech-contracts/{c['id']}/steps/reclassify", {"contract_type": "service", "on": "2025-06-10"})
    assert step.status_code == 200 and step.json()["contract_type"] == "service" and step.json()["registration_number"]
    assert api.post(f"tech-contracts/{c['id']}/steps/accept", {}).status_code == 409
    assert api.get("tech-contracts", year=2025).json()["count"] == 2
    stats = api.get("tech-contracts/statistics", by="direction", **{"from": "2025-01-01"}).json()
    assert [r["count"] for r in stats["rows"]] == [2, 1]
    assert api.get("tech-contracts/statistics", by="colour").status_code == 422
    org = Api(client, token_for(world.users.org_a))
    assert org.get("tech-contracts").json()["count"] == 1
    assert org.post("tech-contracts", body).status_code == 403
    assert org.get(f"tech-contracts/{c['id'] + 1000}").status_code == 404


def test_a_submitted_contract_is_corrected_through_the_form(world, client):
    c = make_contract(world, user=world.users.district_a)
    login(client, world.users.district_a)
    page = client.get(reverse("market:contract_edit", args=[c.pk]))
    assert page.status_code == 200 and c.name in page.content.decode()
    form = {
        f: getattr(c, f)
        for f in (
            "name",
            "contract_type",
            "seller_name",
            "seller_uscc",
            "buyer_name",
            "buyer_uscc",
            "contract_amount",
            "signed_on",
            "submitted_on",
        )
    }
    form.update(office=world.a.pk, non_technical_costs="250000", name="更正后的合同名称")
    assert client.post(reverse("market:contract_edit", args=[c.pk]), form).status_code == 302
    c.refresh_from_db()
    assert c.name == "更正后的合同名称" and c.transaction_amount == 750000
    register(world, c)
    assert client.get(reverse("market:contract_edit", args=[c.pk])).status_code == 403  # registered: the bureau corrects


def test_the_plan_indicator_page_reconciles_the_computed_value(world, client):
    from heluo.plan.loader import load_plan

    load_plan("luoyang")
    register(
        world,
        make_contract(world, amount="113000000", signed_on=dt.date(2022, 1, 1), submitted_on=dt.date(2022, 1, 2)),
        on=dt.date(2022, 6, 1),
    )
    login(client, world.users.staff)
    html = client.get(reverse("plan:indicator", args=["K04"]) + "?year=2022").content.decode()
    rec = html[html.index('id="reconciliation"') :]
    assert "1.13" in rec[: rec.index("</table>")] and "/market/contracts/?state=registered" in rec.replace("&amp;", "&")
