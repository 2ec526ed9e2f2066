"""The carriers' API: schemes and results for the public, a round through its steps by the bureau, the host's
figures (every bad one named), the expert's marks, the coverage table, and the pilot services with their matching."""

import pytest

from heluo.carriers.models import Evaluation, PilotService
from tests.helpers import Api

from .carriers_world import PILOT

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_(client, token_for):
    return lambda user: Api(client, token_for(user) if user is not None else None)


def test_a_round_over_the_api(carriers, as_):
    c, u = carriers, carriers.users
    public, admin, host, expert = as_(None), as_(u.admin), as_(u.org_a), as_(u.expert)
    schemes = public.get("carriers/schemes").json()
    assert {s["kind"] for s in schemes} >= {"pilot_base", "industry_research_institute"} and all(s["is_example"] for s in schemes)
    assert host.post("carriers/rounds", {"year": 2024, "title": "x", "kinds": ["pilot_base"], "due_on": "2025-03-31"}).status_code == 403
    made = admin.post("carriers/rounds", {"year": 2024, "title": "2024年度中试基地评价", "kinds": ["pilot_base"], "due_on": "2025-03-31"})
    assert made.status_code == 201, made.content
    rid = made.json()["id"]
    mine = host.get("carriers/evaluations", round=rid).json()
    assert [e["platform"]["name"] for e in mine["items"]] == ["甲中试基地"]
    eid = mine["items"][0]["id"]
    bad = host.put(f"carriers/evaluations/{eid}/figures", {"figures": {"pilot_runs": 3}})
    assert bad.status_code == 422 and {d["field"] for d in bad.json()["detail"]} == {"service_income", "firms_served"}
    ok = host.put(f"carriers/evaluations/{eid}/figures", {"figures": PILOT})
    assert ok.status_code == 200 and ok.json()["figures_score"] == "70.00"
    other = Evaluation.objects.get(round_id=rid, platform=c.pilot_b).pk
    assert host.put(f"carriers/evaluations/{other}/figures", {"figures": PILOT}).status_code == 404  # not its own: not seen
    assert (
        admin.put(
            f"carriers/evaluations/{other}/figures", {"figures": {"pilot_runs": 1, "service_income": 0, "firms_served": 0}}
        ).status_code
        == 200
    )
    for e in (eid, other):
        assert admin.post(f"carriers/evaluations/{e}/experts", {"experts": [c.expert.pk]}).status_code == 200
    assert admin.post(f"carriers/rounds/{rid}/steps/start_scoring").json()["status"] == "scoring"
    marks = expert.get("carriers/assignments").json()["items"]
    assert len(marks) == 2
    for a in marks:
        assert expert.post(f"carriers/assignments/{a['id']}/mark", {"mark": 95}).status_code == 200
    assert expert.post(f"carriers/assignments/{marks[0]['id']}/mark", {"mark": 101}).status_code == 422
    assert host.get("carriers/assignments").json()["count"] == 0
    assert admin.post(f"carriers/rounds/{rid}/steps/nonsense").status_code == 422
    assert admin.post(f"carriers/rounds/{rid}/steps/grade").status_code == 200
    rewards = admin.get(f"carriers/rounds/{rid}/rewards").json()["items"]
    assert [r["platform"]["name"] for r in rewards] == ["甲中试基地"] and rewards[0]["reward_amount"] == "500000.00"
    assert public.get("carriers/results").json()["count"] == 0
    assert admin.post(f"carriers/rounds/{rid}/publish").status_code == 200
    results = public.get("carriers/results").json()["items"]
    assert {r["grade"] for r in results} == {"excellent", "fail"} and "figures" not in results[0]
    assert admin.post(f"carriers/rounds/{rid}/steps/apply").json()["status"] == "applied"
    c.pilot_b.refresh_from_db()
    assert c.pilot_b.status == "revoked"


def test_coverage_and_pilot_services(carriers, as_):
    c, u = carriers, carriers.users
    public, host = as_(None), as_(u.org_a)
    cov = public.get("carriers/coverage", year=2024).json()
    assert cov["share"] == 100.0 and {r["cluster"] for r in cov["rows"] if r["covered"]} == {"高端装备", "新材料"}
    assert public.get("carriers/coverage", year=1).status_code == 422
    body = {
        "platform": c.pilot_a.pk,
        "name": "锂电池正极材料中试放大",
        "description": "正极材料公斤级到吨级中试放大与工艺验证",
        "keywords": "锂电池、正极材料、中试放大",
        "capacity": "每月2批次",
        "price": "3万元/批次",
        "lead_time_days": 20,
    }
    made = host.post("carriers/pilot-services", body)
    assert made.status_code == 201, made.content
    assert host.post("carriers/pilot-services", {**body, "platform": c.pilot_b.pk}).status_code == 422  # not its base
    assert host.post("carriers/pilot-services", {**body, "platform": c.key_lab.pk, "name": "y"}).status_code == 422  # not a pilot base
    PilotService.objects.create(
        platform=c.pilot_b,
        name="轴承钢热处理中试",
        description="轴承钢热处理工艺中试",
        keywords="轴承、热处理",
        capacity="每周1炉",
        price="面议",
        lead_time_days=10,
    )
    found = public.get("carriers/pilot-services/match", need="我们需要正极材料的中试放大").json()
    assert found and found[0]["service"]["name"] == "锂电池正极材料中试放大" and found[0]["terms"]
    assert public.get("carriers/pilot-services").json()["count"] == 2
    sid = made.json()["id"]
    assert as_(u.district_a).patch(f"carriers/pilot-services/{sid}", {"price": "1元"}).status_code == 403
    assert host.patch(f"carriers/pilot-services/{sid}", {"is_published": False}).status_code == 200
    assert public.get("carriers/pilot-services").json()["count"] == 1  # the draft is the host's
    assert host.get("carriers/pilot-services").json()["count"] == 2
    assert host.delete(f"carriers/pilot-services/{sid}").status_code == 204
