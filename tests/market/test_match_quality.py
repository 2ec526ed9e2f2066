"""Quality on a slice of the CSL development set (200 papers, their 200 two-keyword queries; tests/market/data):
the engine is not worse than the plain baseline, BM25 over character bigrams; and on this real text the incremental
path ranks as a full rebuild does. The whole set's figures come from bench/match.py."""

import csv
import re
from pathlib import Path

import bm25s
import numpy as np
import pytest

from heluo.market.engine.matching import MatchIndex, Record

DATA = Path(__file__).resolve().parent / "data"


def read(name):
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="module")
def slice_():
    docs, queries = read("csl-slice-corpus.tsv"), read("csl-slice-queries.tsv")
    return [Record(d["doc_id"], {"title": d["title"], "abstract": d["abstract"]}) for d in docs], queries


def mrr(ranked, queries):
    return float(np.mean([1 / (r.index(q["doc_id"]) + 1) if q["doc_id"] in r[:10] else 0 for r, q in zip(ranked, queries)]))


def bigrams(text):
    text = re.sub(r"\s+", "", text)
    return [text[i : i + 2] for i in range(len(text) - 1)]


def test_the_engine_is_not_worse_than_bigram_bm25(slice_):
    records, queries = slice_
    ids = [r.id for r in records]
    model = bm25s.BM25()
    model.index([bigrams(r.text("title") + r.text("abstract")) for r in records], show_progress=False)
    baseline = []
    for q in queries:
        tokens = [t for t in bigrams(q["query"]) if t in model.vocab_dict]
        scores = model.get_scores(tokens) if tokens else np.zeros(len(ids))
        baseline.append([ids[i] for i in np.argsort(-scores, kind="stable")[:10]])
    index = MatchIndex(records)
    engine = [[m.id for m in index.search(q["query"])] for q in queries]
    assert mrr(engine, queries) >= mrr(baseline, queries)
    assert mrr(engine, queries) > 0.9


def test_changes_rank_as_a_full_rebuild_would(slice_):
    records, queries = slice_
    index = MatchIndex(records)
    changed = [
        Record(records[i].id, {"title": records[i].text("title") + "（修订）", "abstract": records[i + 50].text("abstract")})
        for i in (5, 17, 42)
    ]
    index.upsert(changed)
    index.remove([records[60].id, records[61].id])
    gone = {r.id for r in changed} | {records[60].id, records[61].id}
    rebuilt = MatchIndex([r for r in records if r.id not in gone] + changed)
    for q in queries:
        assert [m.id for m in index.search(q["query"])] == [m.id for m in rebuilt.search(q["query"])], q["query"]
