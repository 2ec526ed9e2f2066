"""Workflows declared as data (heluo.core.workflow): the declaration is checked, and every refusal says why."""

import json

import pytest

from heluo.core.workflow import WorkflowError, load, parse

DOC = {
    "name": "example",
    "version": "1",
    "title_zh": "示例流程",
    "title_en": "Example workflow",
    "source": "a test",
    "parties": {"owner": ["所属单位", "the owner"], "bureau": ["科技局", "the bureau"]},
    "states": {"draft": ["草稿", "draft"], "submitted": ["已提交", "submitted"], "withdrawn": ["已撤回", "withdrawn"]},
    "initial": "draft",
    "transitions": {
        "submit": {"label": ["提交", "submit"], "from": ["draft"], "to": "submitted", "by": ["owner"]},
        "withdraw": {
            "label": ["撤回", "withdraw"],
            "from": ["draft", "submitted"],
            "to": "withdrawn",
            "by": ["owner", "bureau"],
            "reason_required": True,
            "ends": True,
        },
    },
}


def test_each_refusal_says_why_in_both_languages():
    flow = parse(DOC)
    assert flow.check("draft", "submit", {"owner"}) is None
    assert flow.check("draft", "approve", {"owner"}).code == "unknown_transition"
    wrong = flow.check("submitted", "submit", {"owner"})
    assert wrong.code == "wrong_state" and "已提交" in wrong.zh and "submitted" in wrong.en
    assert flow.check("draft", "submit", {"bureau"}).zh == "只有所属单位可以提交"
    assert flow.check("draft", "withdraw", {"bureau"}, reason="  ").code == "reason_required"
    assert flow.check("draft", "withdraw", {"bureau"}, reason="重复登记") is None
    assert flow.transitions["withdraw"].extra == {"ends": True} and flow.transitions["submit"].extra == {}


def test_available_follows_the_file_order_and_the_parties():
    flow = parse(DOC)
    assert [t.name for t in flow.available("draft", {"owner"})] == ["submit", "withdraw"]
    assert [t.name for t in flow.available("draft", {"bureau"})] == ["withdraw"]
    assert flow.available("withdrawn", {"owner", "bureau"}) == []


@pytest.mark.parametrize(
    "change",
    [
        {"initial": "nowhere"},
        {"transitions": {"submit": {"label": ["提交", "submit"], "from": ["draft"], "to": "nowhere", "by": ["owner"]}}},
        {"transitions": {"submit": {"label": ["提交", "submit"], "from": ["draft"], "to": "submitted", "by": ["stranger"]}}},
        {"transitions": {"submit": {"label": ["提交", "submit"], "from": ["draft"], "to": "submitted", "by": []}}},
        {"states": None},
        {"parties": {"owner": ["only one name"]}},
    ],
)
def test_an_impossible_declaration_is_refused(change):
    with pytest.raises(WorkflowError):
        parse({**DOC, **change})


def test_load_reads_a_file(tmp_path):
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(DOC, ensure_ascii=False), encoding="utf-8")
    assert load(path).title == ("示例流程", "Example workflow")
