"""Technology demands: who sees which (by role and confidentiality), the workflow declared as data, the field
rules, campaigns (window, district restriction, breakdown)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q

from heluo.core.i18n import Refusal
from heluo.core.models import ObjectChange
from heluo.core.permissions import SYSTEM, FieldsRefused, allowed_actions
from heluo.core.workflow import WorkflowError, parse
from heluo.market.engine import demands as engine
from heluo.market.models import CampaignTarget, Demand, DemandEvent
from heluo.market.models import demands as demand_models
from heluo.market.selectors import demands as selectors
from heluo.market.services import demands as services
from tests.market import demands_world
from tests.market.demands_world import demand, walk

market = demands_world.market  # the fixture

pytestmark = pytest.mark.django_db


def titles(user):
    return set(selectors.demand_list(user).values_list("title", flat=True))


PUBLISHED_PUBLIC = {"甲公开需求", "乙公开需求"}
A_ALL = {"甲公开需求", "甲对接方可见需求", "甲仅科技局可见需求", "甲草稿需求"}
B_ALL = {"乙公开需求", "乙对接方可见需求", "乙仅科技局可见需求", "乙已提交公开需求"}


def test_each_role_sees_its_part_at_each_confidentiality_level(market):
    u = market.users
    assert titles(None) == PUBLISHED_PUBLIC  # the public page
    assert titles(u.expert) == PUBLISHED_PUBLIC  # any other signed-in user
    assert titles(u.org_a) == A_ALL | PUBLISHED_PUBLIC
    assert titles(u.org_b) == B_ALL | PUBLISHED_PUBLIC
    assert titles(u.district_a) == A_ALL | PUBLISHED_PUBLIC
    assert titles(u.district_b) == B_ALL | PUBLISHED_PUBLIC
    assert titles(u.staff) == titles(u.admin) == A_ALL | B_ALL


def test_matched_parties_hook_lets_brokering_name_more_parties(market):
    u, d = market.users, market.d
    assert not selectors.may_see(u.org_b, d.a_matched)

    def brokered(scope):  # as brokering will: the parties of a brokering record
        return Q(pk=d.a_matched.pk) if scope.organization_id == market.world.ent_b.pk else Q(pk__in=[])

    selectors.add_matched_parties(brokered)
    try:
        assert selectors.may_see(u.org_b, d.a_matched)
        assert not selectors.may_see(u.org_b, d.a_bureau)  # never a bureau-only one
        assert not selectors.may_see(u.expert, d.a_matched)
    finally:
        demand_models.MATCHED_PARTY_RULES.remove(brokered)


def test_workflow_is_data_and_each_step_an_audited_event(market):
    wf = engine.workflow()
    assert list(wf.states) == ["draft", "submitted", "reviewed", "published", "withdrawn"]
    d = market.d.a_draft
    u = market.users
    assert allowed_actions(u.org_a, d) >= {"submit", "withdraw"}
    walk(d, "submit", user=u.org_a)
    walk(d, "review", user=u.district_a)
    with pytest.raises(PermissionDenied):  # publishing is the bureau's step
        services.demand_transition(u.district_a, d, "publish")
    walk(d, "publish", user=u.staff)
    d.refresh_from_db()
    assert d.status == "published" and d.published_at and d.submitted_at
    assert list(DemandEvent.objects.filter(demand=d).values_list("action", flat=True)) == ["create", "submit", "review", "publish"]
    assert ObjectChange.objects.filter(object_id=d.pk, content_type__model="demand", action="update").count() == 3
    with pytest.raises(Refusal) as refused:  # not from this state
        services.demand_transition(u.staff, d, "submit")
    assert refused.value.status == 409 and "已发布" in refused.value.zh
    with pytest.raises(Refusal) as refused:  # a withdrawal needs its reason
        services.demand_transition(u.org_a, d, "withdraw", "  ")
    assert refused.value.status == 422
    walk(d, "withdraw", user=u.org_a)
    with pytest.raises(Refusal):
        services.demand_transition(u.org_a, d, "fly")


def test_others_cannot_step_or_even_find_a_demand(market):
    d, u = market.d, market.users
    with pytest.raises(PermissionDenied):
        services.demand_transition(u.org_a, d.b_public, "withdraw", "x")  # sees it, is no party to it
    with pytest.raises(Demand.DoesNotExist):
        services.demand_transition(u.org_a, d.b_submitted, "review")  # does not see it
    with pytest.raises(PermissionDenied):  # another district's enterprise
        services.demand_transition(u.district_b, d.a_public, "withdraw", "x")


def test_field_rules_by_role_and_state(market):
    d, u = market.d, market.users
    draft = Demand.objects.get(pk=d.a_draft.pk)
    draft.title = "甲草稿需求（修订）"
    services.demand_save(u.org_a, draft)
    published = Demand.objects.get(pk=d.a_public.pk)
    published.title = "改过的标题"
    with pytest.raises(FieldsRefused) as refused:  # the enterprise's turn is over once submitted
        services.demand_save(u.org_a, published)
    assert "标题" in refused.value.reason.zh or "title" in refused.value.reason.en
    published.refresh_from_db()
    published.title = "科技局修订"
    services.demand_save(u.staff, published)
    moved = Demand.objects.get(pk=d.a_draft.pk)
    moved.enterprise = market.world.ent_b
    with pytest.raises(FieldsRefused):
        services.demand_save(u.staff, moved)
    status = Demand.objects.get(pk=d.a_draft.pk)
    status.status = "published"
    with pytest.raises(FieldsRefused):  # only a transition moves the status
        services.demand_save(u.staff, status)


def test_enterprise_posts_only_its_own(market):
    u, w = market.users, market.world
    own = services.demand_save(u.org_a, demand(w.ent_a, "甲自己的需求"))
    assert own.status == "draft" and own.events.get().actor == u.org_a
    with pytest.raises(PermissionDenied):
        services.demand_save(u.org_a, demand(w.ent_b, "冒名需求"))
    with pytest.raises(PermissionDenied):  # a campaign is joined through the district
        services.demand_save(u.org_a, demand(w.ent_a, "自行加入征集", campaign=market.open))
    with pytest.raises(PermissionDenied):
        services.demand_save(u.expert, demand(w.ent_a, "专家代录"))


def test_district_enters_its_own_enterprises_demands_in_an_open_campaign(market):
    u, w = market.users, market.world
    entered = services.demand_save(u.district_a, demand(w.ent_a2, "高新区企业需求", campaign=market.open))  # a sub-area
    assert entered.campaign == market.open
    with pytest.raises(PermissionDenied) as refused:
        services.demand_save(u.district_a, demand(w.ent_b, "他区企业", campaign=market.open))
    assert "本辖区" in str(refused.value) and "own area" in str(refused.value)
    with pytest.raises(Refusal) as required:
        services.demand_save(u.district_a, demand(w.ent_a, "无征集"))
    assert required.value.field == "campaign"
    with pytest.raises(Refusal) as closed:
        services.demand_save(u.district_a, demand(w.ent_a, "迟到的需求", campaign=market.closed))
    assert closed.value.reason_code == "campaign_closed" and "截止" in closed.value.zh and "closed" in closed.value.en
    late = Demand.objects.get(pk=market.d.a_draft.pk)  # nor can an existing demand join it
    late.campaign = market.closed
    with pytest.raises(Refusal):
        services.demand_save(u.district_a, late)


@pytest.mark.parametrize(
    "values, field",
    [
        ({"budget_min": Decimal("-1")}, "budget_min"),
        ({"budget_max": Decimal("1e13")}, "budget_max"),
        ({"budget_min": Decimal("900000"), "budget_max": Decimal("100000")}, "budget_min"),
        ({"budget_max": Decimal("0.001")}, "budget_max"),
        ({"budget_max": Decimal("NaN")}, "budget_max"),
        ({"cooperation_mode": "steal"}, "cooperation_mode"),
    ],
)
def test_hostile_values_are_refused_with_the_field(market, values, field):
    with pytest.raises(Refusal) as refused:
        services.demand_save(SYSTEM, demand(market.world.ent_a, "坏预算", **values))
    assert refused.value.field == field and refused.value.status == 422


def test_a_demand_without_its_enterprise_is_refused(market):
    with pytest.raises(Refusal) as refused:
        services.demand_save(market.users.district_a, Demand(title="无主", problem="p", cooperation_mode="transfer", campaign=market.open))
    assert refused.value.field == "enterprise"


def test_overlong_text_is_a_validation_error(market):
    with pytest.raises(ValidationError):
        services.demand_save(SYSTEM, demand(market.world.ent_a, "长" * 201))


def test_campaigns_are_the_bureaus_and_show_each_district_against_its_target(market):
    u, w = market.users, market.world
    with pytest.raises(PermissionDenied):
        services.campaign_save(u.district_a, market.open)
    services.campaign_save(u.staff, market.open, targets={w.a: 3, w.b: 2})
    with pytest.raises(Refusal):
        services.campaign_save(u.staff, market.open, targets={w.zone_in_a: 3})  # per district only
    with pytest.raises(Refusal):
        services.campaign_save(u.staff, market.open, targets={w.a: -1})
    services.demand_save(u.district_a, demand(w.ent_a, "甲征集一", campaign=market.open))
    walk(services.demand_save(u.district_a, demand(w.ent_a2, "甲征集二", campaign=market.open)), "submit", user=u.district_a)
    services.demand_save(u.district_b, demand(w.ent_b, "乙征集一", campaign=market.open))
    rows = {r["area"].code: r for r in selectors.campaign_breakdown(u.staff, market.open)}
    assert rows["410305"]["total"] == 2 and rows["410305"]["by_status"] == {"draft": 1, "submitted": 1}
    assert rows["410305"]["target"] == 3 and rows["410305"]["progress"] == 67
    assert rows["410311"]["total"] == 1 and rows["410311"]["target"] == 2
    assert [r["area"].code for r in selectors.campaign_breakdown(u.district_a, market.open)] == ["410305"]
    assert selectors.campaign_breakdown(u.org_a, market.open) == []
    assert CampaignTarget.objects.filter(campaign=market.open).count() == 2
    chart = selectors.breakdown_chart(selectors.campaign_breakdown(u.staff, market.open))
    assert chart["targets"] == [3, 2] and len(chart["series"]) == 5


def test_campaign_window_must_be_forward(market):
    c = market.open
    c.closes_at = c.opens_at - dt.timedelta(hours=1)
    with pytest.raises(Refusal):
        services.campaign_save(SYSTEM, c)


def test_only_a_draft_is_deleted(market):
    u, d = market.users, market.d
    with pytest.raises(PermissionDenied):
        services.demand_delete(u.org_a, d.a_public)
    services.demand_delete(u.org_a, Demand.objects.get(pk=d.a_draft.pk))
    assert not Demand.objects.filter(pk=d.a_draft.pk).exists()


def test_event_history_is_for_those_who_may_change_it(market):
    u, d = market.users, market.d
    assert selectors.demand_events(u.org_a, d.a_public).count() == 4
    assert selectors.demand_events(u.org_b, d.a_public).count() == 0
    with pytest.raises(ValueError):
        e = DemandEvent.objects.first()
        e.reason = "changed"
        e.save()


def test_workflow_file_errors_are_caught():
    good = engine.config()["workflow"]
    with pytest.raises(WorkflowError):  # an unknown state
        parse({**good, "transitions": {"x": {"label": ["", ""], "from": ["draft"], "to": "b", "by": ["bureau"]}}})
    with pytest.raises(WorkflowError):  # an unknown party
        parse({**good, "transitions": {"x": {"label": ["", ""], "from": ["draft"], "to": "draft", "by": ["anyone"]}}})


def test_campaign_counts_are_of_what_the_user_may_see(market):
    u, w = market.users, market.world
    demands_world.walk(services.demand_save(u.district_b, demand(w.ent_b, "乙征集", campaign=market.open)), "submit", user=u.district_b)
    services.demand_save(u.district_a, demand(w.ent_a, "甲征集", campaign=market.open))
    counts = {c.title: c.demand_count for c in selectors.campaign_list(u.staff)}
    assert counts == {market.open.title: 2, market.closed.title: 0}
    assert {c.title: c.demand_count for c in selectors.campaign_list(u.org_a)}[market.open.title] == 1
    assert {c.title: c.demand_count for c in selectors.campaign_list(u.district_b)}[market.open.title] == 1
