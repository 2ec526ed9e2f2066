"""HTE 知识产权 split into its sub-items (国科发火〔2016〕195号 工作指引; policy-rules.md §1.4.1): the data decides
the bands of 知识产权数量 and 获得方式, the experts the rest, and an expert's sub-item scores narrow the range.
Both engine paths are checked on every case."""

import json

import pytest

from heluo.cultivation.engine.evaluation import evaluate, gap_text, what_if
from heluo.cultivation.engine.frames import evaluate_frame, frame_evaluations
from heluo.cultivation.engine.rules import RULESET_DIR, parse_ruleset

from .test_engine import EXPERTS, HTE, Y, frame_of, hte_firm

SUBITEMS = ("ip_advanced_score", "ip_core_score", "ip_count_score", "ip_source_score", "ip_standard_score")
NO_EXPERTS = {k: None for k in EXPERTS}


def both(firm, rs=HTE):
    """The per-row evaluation, after checking that the vectorised path gives the same."""
    ev = evaluate(rs, firm, Y, credit_code="A")
    (vec,) = frame_evaluations(rs, evaluate_frame(rs, frame_of({"A": firm}), Y), Y)
    assert vec == ev
    return ev


def ip(ev):
    return [ev.criteria[c].points for c in SUBITEMS], ev.criteria["ip_score"].points


def whole_ip_ruleset():
    """hte-2016 as it was before the split: 知识产权 one expert score of 0–30."""
    raw = json.loads((RULESET_DIR / "hte-2016.json").read_text(encoding="utf-8"))
    raw["criteria"] = [c for c in raw["criteria"] if c["code"] not in SUBITEMS]
    (crit,) = [c for c in raw["criteria"] if c["code"] == "ip_score"]
    crit["score"] = {"expert": "expert_ip_score@-1", "range": [0, 30]}
    return parse_ruleset(raw)


def three_class_ii(**y1):
    """Only three class II items; transformations 3 a year (band C, 13–18), net assets +5% a year (band D, 3–4),
    flat sales (0): with R&D organisation 0–20 the data leaves 30 + 18 + 20 + 4 = 72 possible for a whole IP
    score, but 8 + 8 + 4 + 6 + 2 = 28 for IP split into its sub-items, so at most 70."""
    flat = dict(ip_class1=0, ip_class2=3, transformations=3, sales_revenue=40_000_000)
    return hte_firm(
        dict(flat, net_assets=20_000_000),
        dict(flat, net_assets=21_000_000),
        dict(flat, net_assets=22_050_000, **NO_EXPERTS, **y1),
    )


def test_three_class_ii_items_cap_ip_at_28_and_the_data_alone_rules_the_firm_out():
    ev = both(three_class_ii())
    # advanced 0–8, core 0–8 (experts); number 0–4 (band C; class II items may have been used before);
    # obtained 0–6 (class II only); standards bonus 0–2 (experts)
    assert ip(ev) == ([(0, 8), (0, 8), (0, 4), (0, 6), (0, 2)], (0, 28))
    assert ev.score == (16, 70)
    assert ev.result == "fail" and ev.failed == ["innovation_pass"]
    assert gap_text(HTE.by_code["innovation_pass"], ev.criteria["innovation_pass"]) == (
        "创新能力评价还差 1 分",
        "innovation score 1 points short",
    )
    # the same firm with 知识产权 as one expert score of 0–30 was only "undetermined"
    before = evaluate(whole_ip_ruleset(), three_class_ii(), Y)
    assert before.score == (16, 72) and before.result == "undetermined"


def test_an_expert_entering_sub_item_scores_narrows_the_range():
    firm = hte_firm(y1=NO_EXPERTS)  # one class I item and three class II: number 7–8, obtained 1–6
    assert ip(both(firm))[1] == (8, 30)
    firm[Y - 1].update(expert_ip_advanced_score=6, expert_ip_core_score=5)
    # 6 + 5 + 7–8 + 1–6 + 0–2
    assert ip(both(firm)) == ([(6, 6), (5, 5), (7, 8), (1, 6), (0, 2)], (19, 27))
    firm[Y - 1].update(expert_ip_count_score=8, expert_ip_source_score=4, expert_ip_standard_score=1)
    ev = both(firm)
    assert ip(ev)[1] == (24, 24) and ev.criteria["ip_score"].state == "scored"
    # a score for the whole indicator is taken as given
    firm[Y - 1]["expert_ip_score"] = 20
    assert ip(both(firm))[1] == (20, 20)


def test_the_same_narrowing_through_what_if():
    """What the evaluation page's what-if form does with an entered score."""
    firm = three_class_ii()
    w = what_if(HTE, firm, Y, {"expert_ip_advanced_score@-1": 3, "expert_ip_count_score@-1": 3})
    assert w.before.criteria["ip_score"].points == (0, 28)
    assert w.after.criteria["ip_score"].points == (6, 22)  # 3 + 0–8 + 3 + 0–6 + 0–2
    assert {"ip_advanced_score", "ip_count_score", "ip_score", "innovation_score"} <= set(w.changed)


def test_ip_is_capped_at_30_with_the_bonus():
    full = dict(expert_ip_advanced_score=8, expert_ip_core_score=8, expert_ip_count_score=8, expert_ip_source_score=6)
    ev = both(hte_firm(y1=dict(NO_EXPERTS, **full, expert_ip_standard_score=2)))
    assert ip(ev)[1] == (30, 30)  # 8 + 8 + 8 + 6 + 2 = 32, capped
    full.pop("expert_ip_count_score")  # 8 + 8 + 7–8 (one class I item) + 6 + 0–2 = 29–32
    assert ip(both(hte_firm(y1=dict(NO_EXPERTS, **full))))[1] == (29, 30)


@pytest.mark.parametrize(
    "counts,number,obtained",
    [
        (dict(ip_class1=0, ip_class2=0), (0, 0), (0, 0)),  # no IP: 0, and the firm fails ip_owned anyway
        (dict(ip_class1=0, ip_class2=2), (0, 2), (0, 6)),  # band D
        (dict(ip_class1=0, ip_class2=4), (0, 4), (0, 6)),  # band C
        (dict(ip_class1=0, ip_class2=5), (0, 6), (0, 6)),  # band B
        (dict(ip_class1=2, ip_class2=0, ip_class1_own=0), (7, 8), (1, 3)),  # only transferred in: 1–3
        (dict(ip_class1=2, ip_class2=0, ip_class1_own=1), (7, 8), (1, 6)),  # developed in-house
        (dict(ip_class1=2, ip_class2=0, ip_class1_own=None), (7, 8), (1, 6)),  # not known
        (dict(ip_class1=2, ip_class2=1, ip_class1_own=0), (7, 8), (1, 6)),  # the class II item may be its own
        (dict(ip_class1=None, ip_class2=3), (0, 8), (0, 6)),  # class I not known: bands A or C
        (dict(ip_class1=0, ip_class2=None), (0, 6), (0, 6)),
    ],
)
def test_number_and_how_obtained_follow_the_counts(counts, number, obtained):
    ev = both(hte_firm(y1=dict(NO_EXPERTS, **counts)))
    assert ev.criteria["ip_count_score"].points == number
    assert ev.criteria["ip_source_score"].points == obtained


def test_sub_items_cite_the_work_guide():
    for code in (*SUBITEMS, "ip_score"):
        cite = HTE.by_code[code].cite
        assert cite.number == "国科发火〔2016〕195号" and cite.article.startswith("企业创新能力评价：知识产权") and cite.tag == "C"
