"""The technology market in a real browser, each role doing its part: an enterprise registers and submits an
achievement, the bureau reviews and publishes it, the public reads it; a demand goes from an enterprise through its
district to the bureau and a "matched parties only" one stays hidden from another enterprise; bureau staff enter a
technology contract by hand and see its 技术交易额 and the statistics; the industry chain graph and its link lists;
the suggestions on a demand's page. No page reports a Content Security Policy violation or a script error.

One chromium serves the module (a launch takes seconds); each user has a context of its own (its own cookies).
Buttons of the workflows are found by their labels in the workflow files, fields by their names."""

import datetime as dt
from decimal import Decimal

import pytest

from heluo.core.models import Role
from heluo.market.engine import contracts as contract_rules
from heluo.market.engine import demands as demand_engine
from heluo.market.models import Achievement, Demand, TechnologyContract
from heluo.market.selectors import matching
from heluo.market.services import achievements as achievement_services
from tests import browser
from tests.helpers import make_user

from .achievement_rows import make, taxonomy
from .demands_world import published
from .test_chains_selectors import make_chain_world

playwright = browser.require()
pytestmark = browser.MARKS


@pytest.fixture(autouse=True)
def fresh_suggestions():
    """The suggestion indexes are kept per process, the live server's threads included: none from another test."""
    matching.forget()
    yield
    matching.forget()


def save(page):
    """Submits the page's entry form (its primary button) and waits for the page it leads to; the form's errors, if
    it came back with any, are the assertion's message."""
    with page.expect_navigation() as response:
        page.locator("main form[method=post] button.btn-primary").last.click()
    errors = page.locator(".invalid-feedback, .alert-danger").evaluate_all(
        "(els) => els.map((e) => (e.closest('div.mb-1, td') || e).innerText)"
    )
    assert response.value.status == 200 and not errors, errors


def step(page, label):
    """Clicks a workflow button by its label and waits for the page it leads back to."""
    with page.expect_navigation() as response:
        page.get_by_role("button", name=label, exact=True).click()
    errors = page.locator(".alert-danger").all_inner_texts()
    assert response.value.status == 200 and not errors, errors


def test_an_achievement_from_draft_to_the_public_page(world, live_server, visit):
    flow = achievement_services.workflow().transitions
    owner = visit("org_a")
    owner.goto(f"{live_server.url}/market/achievements/new/")
    assert owner.input_value("[name=organization]").startswith(world.ent_a.name)  # its own, filled in
    owner.fill("[name=title]", "浏览器登记的轴承成果")
    owner.fill("[name=abstract]", "一种在浏览器中登记的高精度轴承检测方法。")
    owner.fill("[name=keywords]", "轴承、检测")
    owner.select_option("[name=trl]", "5")
    owner.check("[name=modes][value=transfer]")
    owner.check("[name=negotiable]")
    owner.fill("[name=contact_name]", "赵工")
    owner.fill("[name=contact_phone]", "0379-60000000")
    owner.fill("[name=ip-0-number]", "ZL2024000009.1")
    owner.select_option("[name=ip-0-kind]", "invention")
    save(owner)
    a = Achievement.objects.get(title="浏览器登记的轴承成果")
    assert a.organization == world.ent_a and a.status == "draft" and a.transfer_modes == "transfer"
    assert owner.url.endswith(f"/market/achievements/{a.pk}/")
    step(owner, flow["submit"].label[0])
    a.refresh_from_db()
    assert a.status == "submitted"

    public = visit()
    detail = f"{live_server.url}/market/achievements/{a.pk}/"
    assert public.goto(detail).status == 404  # not before it is published

    bureau = visit("staff")
    bureau.goto(detail)
    step(bureau, flow["review"].label[0])
    step(bureau, flow["publish"].label[0])
    a.refresh_from_db()
    assert a.status == "published" and a.published_at is not None

    public.goto(f"{live_server.url}/market/achievements/?q=浏览器登记")
    with public.expect_navigation():
        public.get_by_role("link", name="浏览器登记的轴承成果").click()
    assert public.url == detail
    assert public.get_by_role("heading", name="浏览器登记的轴承成果").is_visible()
    assert "ZL2024000009.1" in public.locator("main").inner_text()


def test_a_matched_parties_demand_through_district_and_bureau(world, live_server, visit):
    make_user("org_b", Role.ORG_USER, organization=world.ent_b)
    flow = demand_engine.workflow().transitions
    owner = visit("org_a")
    owner.goto(f"{live_server.url}/market/demands/new/")
    owner.fill("[name=title]", "浏览器发布的轴承需求")
    owner.fill("[name=problem]", "需要一种轴承寿命在线监测方案。")
    owner.fill("[name=budget_min]", "10")
    owner.fill("[name=budget_max]", "50")
    owner.select_option("[name=cooperation_mode]", "joint_development")
    owner.select_option("[name=confidentiality]", "matched")
    save(owner)
    d = Demand.objects.get(title="浏览器发布的轴承需求")
    assert d.enterprise == world.ent_a and d.budget_max == Decimal("500000") and d.confidentiality == "matched"
    step(owner, flow["submit"].label[0])

    detail = f"{live_server.url}/market/demands/{d.pk}/"
    district = visit("district_a")
    district.goto(detail)
    step(district, flow["review"].label[0])
    bureau = visit("staff")
    bureau.goto(detail)
    step(bureau, flow["publish"].label[0])
    d.refresh_from_db()
    assert d.status == "published"
    assert [e.action for e in d.events.order_by("pk")][-3:] == ["submit", "review", "publish"]

    other = visit("org_b")
    assert other.goto(detail).status == 404
    other.goto(f"{live_server.url}/market/demands/")
    assert "浏览器发布的轴承需求" not in other.locator("main").inner_text()
    assert visit().goto(detail).status == 404


def test_a_contract_entered_by_hand_shows_its_transaction_amount(world, live_server, visit):
    staff = visit("staff")
    staff.goto(f"{live_server.url}/market/contracts/new/")
    staff.fill("[name=name]", "轴承检测技术服务合同")
    staff.select_option("[name=contract_type]", "service")
    staff.fill("[name=seller_name]", world.ent_a.name)
    staff.fill("[name=seller_uscc]", world.ent_a.uscc)
    staff.fill("[name=buyer_name]", world.ent_b.name)
    staff.fill("[name=buyer_uscc]", world.ent_b.uscc)
    staff.fill("[name=contract_amount]", "1000000")
    staff.fill("[name=non_technical_costs]", "150000")
    staff.fill("[name=signed_on]", "2025-03-01")
    staff.fill("[name=submitted_on]", "2025-03-05")
    staff.select_option("[name=office]", label=world.a.name_zh)
    save(staff)
    c = TechnologyContract.objects.get(name="轴承检测技术服务合同")
    assert c.transaction_amount == Decimal("850000") and c.state == "submitted"
    shown = staff.locator("dt", has_text="技术交易额").locator("xpath=following-sibling::dd[1]").inner_text()
    assert Decimal(shown.split()[0].replace(",", "")) == Decimal("850000")

    step(staff, contract_rules.workflow().transitions["accept"].label[0])
    c.refresh_from_db()
    assert c.state == "registered" and c.registration_number
    assert c.registration_number in staff.locator("main").inner_text()
    history = staff.locator("main li.list-group-item").all_inner_texts()
    assert history and not any("submitted" in line or "registered" in line for line in history)  # names, not codes

    staff.goto(f"{live_server.url}/market/contracts/statistics/")
    row = staff.locator("main table tbody tr", has_text=world.a.name_zh)
    assert row.locator("td").all_inner_texts()[1:] == ["1", "100.00", "85.00"]


def test_the_chain_graph_draws_and_a_link_opens_its_list(world, live_server, visit):
    make_chain_world(world)
    staff = visit("staff")
    staff.goto(f"{live_server.url}/market/chains/")
    with staff.expect_navigation():
        staff.get_by_role("link", name="轴承", exact=True).click()
    staff.wait_for_function("() => typeof echarts !== 'undefined' && echarts.getInstanceByDom(document.getElementById('chain-graph'))")
    names = staff.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chain-graph')).getOption().series[0].data.map((n) => n.id)"
    )
    assert names == ["steel", "precision", "smart"]
    # a pointer on the precision node, as a hand would click it
    x, y = staff.evaluate(
        """() => {
          const el = document.getElementById("chain-graph"), chart = echarts.getInstanceByDom(el);
          el.scrollIntoView({behavior: "instant", block: "center"});
          const node = chart.getOption().series[0].data.find((n) => n.id === "precision");
          const [x, y] = chart.convertToPixel({seriesIndex: 0}, [node.x, node.y]), box = el.getBoundingClientRect();
          return [box.left + x, box.top + y];
        }"""
    )
    with staff.expect_navigation():
        staff.mouse.click(x, y)
    assert staff.url.endswith("/market/chains/bearings/precision/")
    assert world.ent_a.name in staff.locator("main").inner_text()

    staff.goto(f"{live_server.url}/market/chains/map/?cluster=bearings")
    staff.wait_for_function("() => typeof echarts !== 'undefined' && echarts.getInstanceByDom(document.getElementById('chain-map'))")


def test_a_published_demand_suggests_achievements_with_marked_terms(world, live_server, visit):
    tax = taxonomy(world)
    bearing = make(world, tax, status="published", title="轴承寿命预测模型", abstract="基于振动信号的轴承寿命预测与在线监测方案。")
    make(world, tax, status="published", title="水性涂料配方", abstract="低气味水性涂料。", keywords="涂料", cluster=None)
    d = published(world.ent_a, "轴承寿命预测需求", "public", deadline=dt.date.today() + dt.timedelta(days=90))
    public = visit()
    public.goto(f"{live_server.url}/market/demands/{d.pk}/")
    first = public.locator("#suggestions ol[data-kind=achievements] li.suggestion").first
    assert first.get_by_role("link").inner_text() == bearing.title
    marked = first.locator("mark").all_inner_texts()
    assert marked and all(t in "轴承寿命预测模型" + bearing.abstract + bearing.keywords for t in marked)
    assert any("轴承" in t for t in marked)
    with public.expect_navigation():
        first.get_by_role("link").click()
    assert public.url.endswith(f"/market/achievements/{bearing.pk}/")


def test_a_demand_brokered_from_a_suggestion_to_a_signed_contract(world, live_server, visit):
    """The enterprise starts brokering with a suggested achievement of B's enterprise; B sees the record and the
    demand (matched parties only), records a visit; the enterprise records the signed contract by its number."""
    from heluo.market.models import Brokering
    from tests.market.contracts_world import make_contract, register

    tax = taxonomy(world)
    offer = make(world, tax, org=world.ent_b, status="published", title="轴承寿命预测模型", abstract="基于振动信号的轴承寿命预测。")
    d = published(world.ent_a, "轴承寿命预测需求", "matched")
    contract = register(world, make_contract(world, seller=world.ent_b, buyer_uscc=world.ent_a.uscc))
    make_user("org_b", Role.ORG_USER, organization=world.ent_b)

    owner = visit("org_a")
    owner.goto(f"{live_server.url}/market/demands/{d.pk}/")
    first = owner.locator("#suggestions ol[data-kind=achievements] li.suggestion").first
    assert first.get_by_role("link").inner_text() == offer.title
    with owner.expect_navigation():
        first.get_by_role("button", name="发起对接").click()
    b = Brokering.objects.get()
    assert owner.url.endswith(f"/market/brokering/{b.pk}/") and b.achievement == offer

    supplier = visit("org_b")
    assert supplier.goto(f"{live_server.url}/market/demands/{d.pk}/").status == 200  # now a matched party
    supplier.goto(f"{live_server.url}/market/brokering/{b.pk}/")
    supplier.select_option("#add-step select[name=kind]", "visit")
    supplier.fill("#add-step textarea[name=note]", "到甲企业现场考察振动测试条件")
    with supplier.expect_navigation():
        supplier.locator("#add-step button").click()
    assert "到甲企业现场考察振动测试条件" in supplier.locator("#steps").inner_text()

    owner.reload()
    owner.fill("input[name=contract]", contract.registration_number)
    step(owner, "登记签约")
    b.refresh_from_db()
    assert (b.status, b.contract) == ("signed", contract)
    assert contract.registration_number in owner.locator("main").inner_text()
