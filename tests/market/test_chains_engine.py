"""The chain engine, directly (no database): reading chain and rules files, attaching records by industry, field
and keyword, manual attachments, the strength score and the 补链 thresholds."""

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from heluo.market.engine.chains import ChainDataError, Record, assess, attach, count_by_area, parse_chain, parse_rules, within

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "heluo" / "market" / "data" / "chains" / "luoyang"
KNOWN = {
    "clusters": {"bearings", "robotics"},
    "industries": {"31", "32", "34", "40", "43", "73", "74"},
    "fields": {"8", "4.1", "5.1", "5.2", "8.1", "8.3", "8.4", "8.5"},
}

CHAIN = {
    "format": 1,
    "cluster": "bearings",
    "version": "1",
    "example": {"zh": "示例", "en": "Example"},
    "source": {"document": "规划", "section": "专栏六"},
    "links": [
        {
            "code": "smart",
            "stage": "downstream",
            "name_zh": "智能轴承",
            "name_en": "Smart",
            "key_technologies": ["悬浮轴承"],
            "attach": {"industries": [], "hitech_fields": ["8.3"], "keywords": ["智能轴承"]},
        },
        {
            "code": "steel",
            "stage": "upstream",
            "name_zh": "轴承钢",
            "name_en": "Steel",
            "key_technologies": ["热处理"],
            "attach": {"industries": ["31"], "hitech_fields": ["4.1"], "keywords": ["轴承钢"]},
        },
        {
            "code": "precision",
            "stage": "midstream",
            "name_zh": "精密轴承",
            "name_en": "Precision",
            "key_technologies": [],
            "attach": {"industries": ["34"], "hitech_fields": ["8"], "keywords": ["精密轴承"]},
        },
    ],
}
RULES = {
    "format": 1,
    "version": "1",
    "example": {"zh": "示例", "en": "Example"},
    "source": {"document": "规划", "section": "四（一）"},
    "kinds": {"enterprise": {"weight": 1, "target": 2, "gap_below": 2}, "platform": {"weight": 3, "target": 1, "gap_below": 1}},
}


def chain(data=None):
    return parse_chain(data or CHAIN, "bearings.json", **KNOWN)


def rules(**changes):
    return parse_rules({**RULES, **changes})


def ent(key, *, clusters=("bearings",), industry=None, field=None, text="", area="410305"):
    return Record(
        "enterprise", key, area, frozenset(clusters), frozenset([industry] if industry else ()), frozenset([field] if field else ()), text
    )


def test_links_are_ordered_by_stage_and_checked():
    spec = chain()
    assert [link.code for link in spec.links] == ["steel", "precision", "smart"]
    assert spec.links[0].key_technologies == ("热处理",)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(format=2), "format must be 1"),
        (lambda d: d.update(cluster="shipbuilding"), "cluster 'shipbuilding' is not one of the city's clusters"),
        (lambda d: d.pop("source"), "source must name the document and its section"),
        (lambda d: d.update(example={"zh": "示例"}), "example must label the data"),
        (lambda d: d.update(links=[]), "links must be a non-empty list"),
        (lambda d: d["links"][0].update(stage="sidestream"), "link smart: stage 'sidestream' is not one of"),
        (lambda d: d["links"][1].update(code="steel", name_zh=""), "link steel name_zh"),
        (lambda d: d["links"][1].update(code="smart"), "link smart: duplicate code"),
        (lambda d: d["links"][0].update(code="Bad Code"), "code 'Bad Code' must be lower-case"),
        (lambda d: d["links"][1]["attach"].update(industries=["99"]), "link steel: unknown GB/T 4754 division(s) 99"),
        (lambda d: d["links"][1]["attach"].update(hitech_fields=["9.9"]), "link steel: unknown high-tech field(s) 9.9"),
        (lambda d: d["links"][1]["attach"].update(keywords=["钢"]), "keywords of one character"),
        (lambda d: d["links"][1]["attach"].update(keywords=["轴承钢", "轴承钢"]), "an entry is listed twice"),
        (lambda d: d["links"][1]["attach"].update(suppliers=["x"]), "attach may only hold"),
        (lambda d: d["links"][1].update(key_technologies="热处理"), "key_technologies: expected a list"),
    ],
)
def test_a_bad_chain_file_names_the_file_the_link_and_the_problem(change, message):
    data = copy.deepcopy(CHAIN)
    change(data)
    with pytest.raises(ChainDataError, match="^bearings.json") as err:
        chain(data)
    assert message in str(err.value)


@pytest.mark.parametrize(
    "kinds, message",
    [
        ({}, "kinds must map"),
        ({"enterprise": {"weight": 1, "target": 0, "gap_below": 1}}, "target: must be at least 1"),
        ({"enterprise": {"weight": -1, "target": 1, "gap_below": 1}}, "weight: expected a number"),
        ({"enterprise": {"weight": 1, "target": 1.5, "gap_below": 1}}, "expected a whole number"),
        ({"enterprise": {"weight": 1, "target": 1}}, "expected weight, target and gap_below"),
    ],
)
def test_bad_rules_are_refused(kinds, message):
    with pytest.raises(ChainDataError, match=message):
        parse_rules({**RULES, "kinds": kinds})


def test_attachment_by_industry_field_and_keyword_with_the_reason():
    records = [
        ent(1, industry="31"),  # upstream by industry
        ent(2, industry="34", field="8.4"),  # midstream: industry 34 and field 8 (a link's "8" takes "8.4")
        ent(3, field="8.3"),  # downstream by field, and midstream (8.3 is under 8)
        ent(4, clusters=(), text="洛阳某智能轴承有限公司"),  # a keyword attaches whatever the cluster
        ent(5, clusters=(), industry="34"),  # industry 34 without the cluster: not on the chain (34 spans clusters)
        ent(6, industry="73"),  # in the cluster, but on no link
    ]
    result = attach(chain(), records, rules(), kinds=["enterprise", "platform"])
    on = {code: [a.key for a in link.records["enterprise"]] for code, link in result.links.items()}
    assert on == {"steel": [1], "precision": [2, 3], "smart": [3, 4]}
    assert result.links["precision"].records["enterprise"][0].why == ("industry:34", "field:8.4")
    assert result.links["smart"].records["enterprise"][1].why == ("keyword:智能轴承",)
    assert result.unplaced == {"enterprise": 1, "platform": 0}


def test_classification_without_the_cluster_when_the_rules_say_so():
    result = attach(chain(), [ent(5, clusters=(), industry="34")], rules(classification_needs_cluster=False), kinds=["enterprise"])
    assert [a.key for a in result.links["precision"].records["enterprise"]] == [5]


def test_overlapping_keywords_are_all_found():
    spec = copy.deepcopy(CHAIN)
    spec["links"][2]["attach"]["keywords"] = ["精密轴承", "轴承"]
    result = attach(chain(spec), [ent(7, clusters=(), text="精密轴承厂")], rules(), kinds=["enterprise"])
    assert result.links["precision"].records["enterprise"][0].why == ("keyword:精密轴承", "keyword:轴承")


def test_manual_attachments_add_to_the_rules_and_keep_their_area():
    records = [ent(1, industry="31")]
    manual = [("steel", "enterprise", 1), ("smart", "enterprise", 9), ("gone", "enterprise", 1), ("smart", "achievement", 3)]
    result = attach(chain(), records, rules(), kinds=["enterprise"], manual=manual, areas={("enterprise", 9): "410311"})
    assert result.links["steel"].records["enterprise"][0].why == ("industry:31", "manual")
    assert [(a.key, a.area, a.why) for a in result.links["smart"].records["enterprise"]] == [(9, "410311", ("manual",))]


def test_thresholds_make_gaps_and_the_score_weighs_each_kind():
    platform = Record("platform", 1, "410305", frozenset({"bearings"}), frozenset({"34"}))
    records = [ent(1, industry="34"), ent(2, industry="34"), ent(3, industry="31"), platform]
    result = attach(chain(), records, rules(), kinds=["enterprise", "platform"])
    precision, steel, smart = (result.links[c] for c in ("precision", "steel", "smart"))
    assert (precision.counts, precision.score, precision.gap) == ({"enterprise": 2, "platform": 1}, 100.0, False)
    # one enterprise of two wanted (weight 1), no platform (weight 3): 100 × (1 × 0.5) / 4
    assert (steel.score, steel.gap, steel.gap_reasons) == (12.5, True, [("enterprise", 1, 2), ("platform", 0, 1)])
    assert (smart.total, smart.gap) == (0, True)
    assert result.gaps == ["steel", "smart"]


def test_a_kind_without_threshold_never_makes_a_gap_and_nothing_at_all_always_does():
    lenient = parse_rules({**RULES, "kinds": {"enterprise": {"weight": 1, "target": 1, "gap_below": 0}}})
    assert assess({"enterprise": 1}, lenient) == (100.0, False, [])
    assert assess({"enterprise": 0}, lenient) == (0.0, True, [])
    assert assess({"demand": 4}, lenient)[0] == 0.0  # a kind the rules do not know is not scored


def test_counts_by_area_and_within_districts():
    records = [ent(1, industry="34", area="410305"), ent(2, industry="34", area="410371"), ent(3, industry="34", area="410311")]
    result = attach(chain(), records, rules(), kinds=["enterprise"])
    assert count_by_area(result.links["precision"], "enterprise") == {"410305": 1, "410371": 1, "410311": 1}
    assert within(result, {"410305", "410371"})["precision"] == {"enterprise": 2}
    assert within(result, None)["precision"] == {"enterprise": 3}


def test_the_shipped_example_files_parse():
    """Luoyang's nine clusters: each file names its source section and has every stage."""
    city = json.loads((ROOT / "heluo" / "geo" / "data" / "cities" / "luoyang.json").read_text(encoding="utf-8"))
    industries = json.loads((ROOT / "heluo" / "taxonomy" / "data" / "gbt4754_2017.json").read_text(encoding="utf-8"))
    fields = json.loads((ROOT / "heluo" / "taxonomy" / "data" / "hitech_fields_2016.json").read_text(encoding="utf-8"))
    known = {
        "clusters": {c["code"] for c in city["clusters"]},
        "industries": {d["code"] for s in industries["sections"] for d in s["divisions"]},
        "fields": {c for f in fields["fields"] for c in [f["code"], *(s["code"] for s in f["subfields"])]},
    }
    parse_rules(json.loads((DATA / "rules.json").read_text(encoding="utf-8")))
    specs = [
        parse_chain(json.loads(p.read_text(encoding="utf-8")), p.name, **known) for p in sorted(DATA.glob("*.json")) if p.stem != "rules"
    ]
    assert sorted(s.cluster for s in specs) == sorted(known["clusters"])
    for s in specs:
        assert {link.stage for link in s.links} == {"upstream", "midstream", "downstream"}
        assert s.source["section"].startswith("专栏六")
        assert all(link.key_technologies for link in s.links)


def test_the_engine_imports_without_django():
    code = "import sys, heluo.market.engine.chains\nprint(sorted(m for m in sys.modules if m.startswith('django')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env={"PATH": ""})
    assert out.stdout.strip() == "[]"
