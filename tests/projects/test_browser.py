"""A call run end to end in a real browser by its roles (issue 13: "a call can be run end to end in the demo by the
roles in a browser"): the bureau drafts and publishes a call; an applicant fills the form, uploads the two required
attachments, signs the commitment and submits; its district recommends; the bureau passes the formal check and
assigns reviewers on the round page; each assigned expert scores; the bureau finishes the review, reads the results
and funds the application. No page reports a Content Security Policy violation or a script error.

One chromium serves the module; each user has a context of its own. Steps' buttons are found by their labels in the
workflow file, fields by their names."""

import datetime as dt

import pytest
from django.utils import timezone

from heluo.market.selectors import matching
from heluo.projects.models import Application, Call, ReviewAssignment
from tests import browser

from .review_world import expert, org

playwright = browser.require()
pytestmark = browser.MARKS

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def fresh_index():
    matching.forget()
    yield
    matching.forget()


def put(page, name, value):
    """A field by its name, whatever its widget."""
    field = page.locator(f'main [name="{name}"]').first
    kind = field.evaluate("(e) => e.tagName + ':' + (e.type || '')")
    if kind.startswith("SELECT"):
        field.select_option(str(value))
    elif kind.endswith(("checkbox", "radio")):
        for v in value if isinstance(value, list) else [value]:
            page.check(f'main [name="{name}"][value="{v}"]')
    else:
        field.fill(str(value))


def click(page, selector):
    with page.expect_navigation():
        page.locator(selector).first.click()
    assert not page.locator(".alert-danger").count(), page.locator(".alert-danger").all_inner_texts()


def step(page, label):
    click(page, f'main form:has(input[name="action"]) button:text-is("{label}")')


def test_a_call_runs_end_to_end_in_the_browser(visit, live_server, world):
    unis = [org(i, f"大学{i}") for i in range(1, 4)]
    users = {}
    for i, specialty in enumerate(("轴承寿命预测", "机械故障诊断", "轴承材料")):
        e, u = expert(i, unis[i], specialty)
        users[e.pk] = u.username
    users[world.expert_person.expert.pk] = world.users.expert.username
    base = live_server.url
    now = timezone.localtime()

    # the bureau drafts and publishes the call
    bureau = visit(world.users.staff.username)
    bureau.goto(f"{base}/projects/calls/new/")
    for name, value in {
        "code": "2026-web",
        "title": "浏览器指南",
        "programme": "natural_science",
        "year": 2026,
        "budget": "500",
        "max_per_project": "200",
        "opens_at": (now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
    }.items():
        put(bureau, name, value)
    click(bureau, "main form[method=post] button.btn-primary")
    click(bureau, 'main form[action$="/status/published/"] button')
    call = Call.objects.get(code="2026-web")
    assert call.status == "published"

    # the applicant fills the form, uploads, signs and submits
    applicant = visit(world.users.org_a.username)
    applicant.goto(f"{base}/projects/calls/{call.pk}/apply/")
    for name, value in {
        "title": "轴承寿命在线预测",
        "abstract": "轴承寿命预测与在线监测。",
        "keywords": "轴承、寿命预测",
        "pi": world.person_a.pk,
        "requested": "100",
        "a_research_type": "applied",
        "a_duration_months": "24",
        "a_start_date": "2027-01-01",
        "a_industry_led": "false",
        "a_objectives": "目标",
        "a_methods": "路线",
        "a_innovations": "创新",
        "a_expected_sales": "1234.50",
        "a_outputs": ["patent"],
        "a_self_funding": "0",
        "b_equipment": "60",
        "b_materials": "40",
        "members": [world.person_a.pk],
    }.items():
        put(applicant, name, value)
    click(applicant, "main form[method=post] button.btn-primary")
    a = Application.objects.get(title="轴承寿命在线预测")
    for kind in ("proposal", "commitment"):
        applicant.select_option('main form[action$="/attach/"] [name="kind"]', kind)
        applicant.set_input_files(
            'main form[action$="/attach/"] [name="file"]', {"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        click(applicant, 'main form[action$="/attach/"] button')
    click(applicant, 'main form[action$="/sign/"] button')
    step(applicant, "提交申报")
    a.refresh_from_db()
    assert a.status == "submitted"

    # the district recommends; the bureau passes the formal check and assigns the reviewers
    district = visit(world.users.district_a.username)
    district.goto(f"{base}/projects/applications/{a.pk}/")
    step(district, "推荐")
    bureau.goto(f"{base}/projects/applications/{a.pk}/")
    step(bureau, "形式审查通过")
    bureau.goto(f"{base}/projects/calls/{call.pk}/review/")
    put(bureau, "k", 2)
    click(bureau, "#assign")
    made = list(ReviewAssignment.objects.filter(application=a).select_related("expert__person"))
    assert len(made) == 2 and bureau.locator("#progress").inner_text().strip() == "0 / 2"
    assert all(bureau.locator(f"main :text('{x.expert.person.name}')").count() for x in made)

    # each assigned expert scores
    for x in made:
        page = visit(users[x.expert_id])
        page.goto(f"{base}/projects/review/")
        click(page, f'main a[href="/projects/review/{x.pk}/"]')
        assert page.locator("main").get_by_text("轴承寿命预测与在线监测。").count()
        for i, code in enumerate(("innovation", "feasibility", "team", "impact", "budget")):
            put(page, f"mark_{code}", 7 + i % 3)
        put(page, "comments", "研究基础扎实。")
        click(page, "#submit-sheet")
        assert page.locator("main").get_by_text("已提交").count()

    # the bureau finishes the review, reads the results and funds it
    bureau.goto(f"{base}/projects/calls/{call.pk}/review/")
    assert bureau.locator("#progress").inner_text().strip() == "2 / 2"
    click(bureau, "#finish")
    assert bureau.locator("#results tbody tr").count() == 1 and bureau.locator(f"#fund-{a.pk}").is_checked()
    click(bureau, "#decide")
    a.refresh_from_db()
    assert a.status == "funded"
