"""The matching engine, tested directly (no Django): tokens, field weights, filters, explanations, the incremental
path, determinism, and jieba's manners (no cache file, nothing printed)."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from heluo.market.engine.bm25 import FieldIndex
from heluo.market.engine.dictionary import taxonomy_words
from heluo.market.engine.matching import MatchIndex, Record, query_from_record
from heluo.market.engine.settings import SETTINGS_FILE, MatchSettings
from heluo.market.engine.text import Segmenter, char_ngrams, fold, query_terms

ROOT = Path(__file__).resolve().parents[2]


def settings(**changes) -> MatchSettings:
    data = json.loads(SETTINGS_FILE.read_text(encoding="utf-8"))
    for path, value in changes.items():
        node = data
        *parents, last = path.split("__")
        for key in parents:
            node = node[key]
        node[last] = value
    return MatchSettings.from_dict(data)


def rec(id, title="", abstract="", keywords="", **attributes):
    return Record(id, {"title": title, "abstract": abstract, "keywords": keywords}, attributes)


ACHIEVEMENTS = [
    rec(
        "a1",
        "锂电池正极材料回收工艺",
        "一种从废旧锂电池中回收钴和镍的湿法冶金工艺。",
        "锂电池；回收",
        field="新材料",
        area="410305",
        maturity="7",
    ),
    rec("a2", "轴承钢热处理", "高碳铬轴承钢的淬火与回火工艺，提高耐磨性。", "轴承；热处理", field="先进制造", area="410311", maturity="5"),
    rec(
        "a3",
        "储能电站的电池管理系统",
        "面向储能电站的锂电池管理系统与均衡控制。",
        "储能；电池管理",
        field="新能源",
        area="410305",
        maturity="6",
    ),
    rec(
        "a4",
        "矿用重型机械故障诊断",
        "基于振动信号的矿山机械轴承故障诊断方法。",
        "故障诊断；轴承",
        field="先进制造",
        area="410322",
        maturity="4",
    ),
    rec("a5", "LED 封装用有机硅", "LED 封装材料：高折射率有机硅树脂 2.0 版。", "LED；有机硅", field="新材料", area="410311", maturity="8"),
]


@pytest.fixture(scope="module")
def index():
    return MatchIndex(ACHIEVEMENTS, settings())


# --- text ---
def test_folding_keeps_every_offset():
    text = "ＡＢＣ－１２３　锂电池İ"
    assert fold(text) == "abc-123 锂电池i" and len(fold(text)) == len(text)


def test_tokens_of_mixed_chinese_english_and_digits():
    assert char_ngrams(fold("Bio-gide胶原膜 米曲霉3042"), (2,)) == ["bio", "gide", "胶原", "原膜", "米曲", "曲霉", "3042"]
    assert char_ngrams("肝", (2,)) == ["肝"]  # shorter than the n-gram: kept whole
    assert char_ngrams("储能站", (1, 2)) == ["储", "能", "站", "储能", "能站"]
    assert query_terms(" 锂电池，回收；LED、 锂电池 ") == ["锂电池", "回收", "led"]
    assert query_terms("，；、 ") == []


def test_the_user_dictionary_makes_a_keyword_one_word():
    assert "锂电池回收" not in Segmenter().words_of("废旧锂电池回收工艺")
    assert "锂电池回收" in Segmenter(["锂电池回收"]).words_of("废旧锂电池回收工艺")
    assert Segmenter().words_of("gb/t 4754-2017 标准") == ["gb", "t", "4754", "2017", "标准"]


def test_taxonomy_words():
    words = taxonomy_words([{"fields": [{"name_zh": "纺织服装、服饰业", "subfields": [{"name_zh": "计算机产品及其网络应用技术"}]}]}])
    assert words == ["纺织服装、服饰业", "纺织服装", "服饰业", "计算机产品及其网络应用技术", "计算机产品", "网络应用技术"]
    real = taxonomy_words(json.loads(p.read_text(encoding="utf-8")) for p in (ROOT / "heluo/taxonomy/data").glob("*.json"))
    assert "新型电子元器件" in real and "畜牧业" in real


# --- ranking ---
def test_the_record_sharing_both_terms_comes_first(index):
    results = index.search("锂电池 回收")
    assert [m.id for m in results][:2] == ["a1", "a3"]
    assert results[0].rank == 1 and results[0].score > results[1].score
    assert index.search("区块链") == [] and index.search("  ") == []


def test_field_weights_decide_between_title_and_abstract():
    records = [rec("t", "激光焊接", "其他内容。"), rec("b", "其他内容", "激光焊接。")]
    title_first = MatchIndex(records, settings(fields__chars={"title": 3.0, "abstract": 1.0}, fusion__weights={"chars": 1.0}))
    abstract_first = MatchIndex(records, settings(fields__chars={"title": 0.2, "abstract": 1.0}, fusion__weights={"chars": 1.0}))
    assert [m.id for m in title_first.search("激光焊接")] == ["t", "b"]
    assert [m.id for m in abstract_first.search("激光焊接")] == ["b", "t"]


def test_filters(index):
    assert [m.id for m in index.search("轴承", filters={"field": "先进制造", "area": "410322"})] == ["a4"]
    assert {m.id for m in index.search("轴承", filters={"maturity": ["4", "5"]})} == {"a2", "a4"}
    assert index.search("轴承", filters={"area": "419999"}) == []
    assert index.search("轴承", filters={"area": ""}) == index.search("轴承")  # an empty filter filters nothing
    [match] = index.search("轴承", filters={"area": ["410311", "410399"]})
    assert match.filters == {"area": ("410311",)}
    with pytest.raises(ValueError, match="unknown filter"):
        index.search("轴承", filters={"colour": "red"})


def test_explanations_point_into_the_text_as_given():
    record = rec("x", "ＬＥＤ驱动电源", "一种LED驱动电源，采用恒流控制。")
    [match] = MatchIndex([record, *ACHIEVEMENTS], settings()).search("led 驱动电源", 1)
    assert match.terms == ("led", "驱动电源")
    title = [s for s in match.spans if s.field == "title"]
    assert [(s.start, s.end, s.term) for s in title] == [(0, 3, "ＬＥＤ"), (3, 7, "驱动电源")]
    assert all(record.text(s.field)[s.start : s.end] == s.term for s in match.spans)
    assert set(match.scores) == {"chars", "words", "coverage"} and match.score == pytest.approx(sum(match.scores.values()), abs=1e-5)


def test_a_term_shared_in_part_is_explained_by_its_pieces(index):
    [match] = index.search("锂电池梯次利用", 1)
    assert match.id in {"a1", "a3"} and "锂电池" in match.terms and "锂电池梯次利用" not in match.terms


def test_a_record_as_the_query(index):
    demand = rec("d1", "退役动力电池回收", keywords="锂电池；回收")
    assert query_from_record(demand) == "锂电池 回收 退役动力电池回收"
    assert index.search_record(demand, 1)[0].id == "a1"
    assert all(m.id != "a1" for m in index.search_record(ACHIEVEMENTS[0], 5))  # a record is not its own match


def test_output_is_deterministic():
    twins = [rec(f"r{i}", "数控机床", "数控机床") for i in (3, 1, 2)]
    first = MatchIndex(twins, settings()).search("数控机床")
    assert [m.id for m in first] == ["r1", "r2", "r3"]  # equal scores: by id
    again = MatchIndex(list(reversed(twins)), settings()).search("数控机床")
    assert [m.as_dict() for m in again] == [m.as_dict() for m in first]


# --- the incremental path ---
def test_the_delta_scores_a_record_as_the_main_index_does():
    docs = [["锂电", "电池", "回收"], ["轴承", "热处"], ["锂电", "电池", "电池", "管理"]]
    main = FieldIndex(docs, 1.5, 0.75, "lucene")
    main.add(docs[2])  # the same document again, through the delta: the same statistics, the same score
    scores, delta = main.scores(["电池", "管理", "回收"])
    assert delta[0] == pytest.approx(scores[2], rel=1e-5)


def test_a_changed_record_is_searchable_at_once_and_ranks_as_after_a_rebuild():
    s = settings()
    index = MatchIndex(ACHIEVEMENTS, s)
    changed = rec("a2", "轴承钢激光淬火", "轴承钢表面的激光淬火工艺。", "激光淬火", field="先进制造", area="410311", maturity="6")
    added = rec("a6", "锂电池隔膜", "湿法锂电池隔膜的拉伸工艺。", "隔膜", field="新材料", area="410305", maturity="5")
    index.upsert([changed, added])
    index.remove(["a5"])
    assert index.delta_size == 2 and len(index) == 5 and "a5" not in index and "a2" in index
    assert index.search("热处理 耐磨性") == [] or all(m.id != "a2" for m in index.search("热处理 耐磨性"))
    assert index.search("led") == []
    rebuilt = MatchIndex([r for r in ACHIEVEMENTS if r.id not in ("a2", "a5")] + [changed, added], s)
    for query in ("激光淬火", "锂电池", "轴承", "工艺", "锂电池 隔膜", "电池管理 储能"):
        assert [m.id for m in index.search(query)] == [m.id for m in rebuilt.search(query)], query
    assert index.search("激光淬火", filters={"maturity": "6"})[0].id == "a2"
    assert all(m.id != "a2" for m in index.search("激光淬火", filters={"maturity": "5"}))  # the former version's attributes are gone
    index.rebuild()
    assert index.delta_size == 0 and len(index) == 5
    for query in ("激光淬火", "锂电池", "轴承", "工艺"):
        assert [m.as_dict() for m in index.search(query)] == [m.as_dict() for m in rebuilt.search(query)]


def test_the_main_index_is_rebuilt_when_the_delta_outgrows_its_limit():
    index = MatchIndex(ACHIEVEMENTS, settings(delta_limit={"records": 2, "share": 0}))
    index.upsert([rec("n1", "新增一"), rec("n2", "新增二")])
    assert index.delta_size == 2
    index.upsert([rec("n3", "新增三")])
    assert index.delta_size == 0 and len(index) == 8 and index.search("新增三")[0].id == "n3"


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match="duplicate"):
        MatchIndex([rec("a"), rec("a")], settings())


def test_an_empty_index_and_empty_fields():
    assert MatchIndex([], settings()).search("锂电池") == []
    index = MatchIndex([rec("e1"), rec("e2", "锂电池")], settings())
    assert [m.id for m in index.search("锂电池")] == ["e2"]
    index.upsert([rec("e3", abstract="锂电池")])
    assert {m.id for m in index.search("锂电池")} == {"e2", "e3"}


def test_settings_are_checked():
    with pytest.raises(ValueError, match="unknown rankings"):
        settings(fusion__weights={"chars": 1, "vectors": 1})
    with pytest.raises(ValueError, match="ngram_sizes"):
        settings(ngram_sizes=[0])
    assert np.isclose(settings().delta_limit(1_000_000), 20_000)


# --- purity and manners ---
def test_the_engine_imports_without_django_and_jieba_writes_and_prints_nothing(tmp_path):
    code = (
        "import sys\n"
        "from heluo.market.engine.matching import MatchIndex, Record\n"
        "from heluo.market.engine.match_tsv import match_files\n"
        "MatchIndex([Record('a', {'title': '锂电池回收'})]).search('锂电池')\n"
        "print(sorted(m for m in sys.modules if m.startswith('django')))\n"
    )
    env = {"PATH": "", "TMPDIR": str(tmp_path), "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "[]" and out.stderr == ""
    assert list(tmp_path.iterdir()) == []  # no jieba.cache


def test_a_one_character_term_matches_the_records_with_that_character():
    records = [rec("m1", "钼精矿焙烧工艺", "钼精矿氧化焙烧。"), rec("m2", "铜冶炼", "铜精矿。"), rec("m3", "钼", "")]
    index = MatchIndex(records, settings())
    results = index.search("钼")
    assert {m.id for m in results} == {"m1", "m3"} and all(m.terms == ("钼",) for m in results)
    assert [s.term for s in results[[m.id for m in results].index("m1")].spans] == ["钼", "钼"]
    index.upsert([rec("m4", "高纯钼粉", "")])  # through the delta too
    assert "m4" in {m.id for m in index.search("钼")}
    assert {m.id for m in index.search("钼 焙烧")}.issuperset({"m1", "m4"}) and index.search("钼 焙烧")[0].id == "m1"
