#!/usr/bin/env python
"""Benchmark: the technology market's matching engine, quality and speed.

Quality, on the CSL development set (1,000 papers, queries of two of a paper's keywords, one relevant paper each;
/work/shared/validation/csl/README.md): MRR@10 and Recall@10 of the engine, next to the baseline computed in the
same run: bm25s (default parameters) over the character bigrams of title + abstract (white space removed). MRR is
also shown on the two halves of the queries (even / odd position): the settings were explored on the even half and
the odd half held out (heluo/market/data/matching.json says what was chosen and why).

Speed (--speed): 100,000 synthetic records made from the development corpus's sentences (seeded), with random
filter attributes: time to build the index, latency of queries (p50, p95, with and without a filter), and how long a
changed record takes to be searchable (the delta path, no rebuild), then a removed one to disappear.

    .venv/bin/python bench/match.py                      # quality
    .venv/bin/python bench/match.py --speed              # quality, then speed at 100,000 records
    .venv/bin/python bench/match.py --speed --size 20000 --data DIR
    .venv/bin/python bench/match.py --misses             # quality, then the even half's misses (the tuning half)
"""

import argparse
import csv
import json
import random
import re
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from heluo.market.engine.dictionary import taxonomy_words  # noqa: E402
from heluo.market.engine.matching import MatchIndex, Record  # noqa: E402
from heluo.market.engine.text import fold, query_terms  # noqa: E402

DATA = Path("/work/shared/validation/csl")
TAXONOMIES = [ROOT / "heluo" / "taxonomy" / "data" / f for f in ("gbt4754_2017.json", "hitech_fields_2016.json")]


def read_tsv(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def words():
    return taxonomy_words(json.loads(p.read_text(encoding="utf-8")) for p in TAXONOMIES)


def reciprocal_ranks(ranked: list[list[str]], queries) -> np.ndarray:
    return np.array([1 / (r.index(q["doc_id"]) + 1) if q["doc_id"] in r[:10] else 0.0 for r, q in zip(ranked, queries)])


def measure(ranked: list[list[str]], queries) -> dict:
    rr = reciprocal_ranks(ranked, queries)
    even = np.arange(len(rr)) % 2 == 0
    return {"mrr": rr.mean(), "recall": (rr > 0).mean(), "mrr_even": rr[even].mean(), "mrr_odd": rr[~even].mean(), "rr": rr}


def paired_gain(ours: np.ndarray, theirs: np.ndarray, rounds=10_000, seed=7) -> tuple[float, float, float, int, int]:
    """The MRR gain over the baseline with a 95 % paired bootstrap interval (the same resampled queries for both),
    and on how many queries the engine ranks the paper higher / lower."""
    diff = ours - theirs
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(rounds, len(diff)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return diff.mean(), low, high, int((diff > 0).sum()), int((diff < 0).sum())


def bigrams(text):
    text = re.sub(r"\s+", "", text)
    return [text[i : i + 2] for i in range(len(text) - 1)]


def baseline(corpus, queries):
    import bm25s

    ids = [d["doc_id"] for d in corpus]
    model = bm25s.BM25()
    model.index([bigrams(d["title"] + d["abstract"]) for d in corpus], show_progress=False)
    ranked = []
    for q in queries:
        tokens = [t for t in bigrams(q["query"]) if t in model.vocab_dict]
        scores = model.get_scores(tokens) if tokens else np.zeros(len(ids))
        ranked.append([ids[i] for i in np.argsort(-scores, kind="stable")[:10]])
    return ranked


def engine(corpus, queries, dictionary):
    index = MatchIndex([Record(d["doc_id"], {"title": d["title"], "abstract": d["abstract"]}) for d in corpus], words=dictionary)
    return [[m.id for m in index.search(q["query"], 10)] for q in queries]


def misses(corpus, queries, ranked):
    """The even half's queries whose paper is not first, and whether its terms are whole in it and in the first: a
    miss where the paper holds more whole terms than the first is one a phrase feature could mend; the others cannot
    be told apart by the words alone."""
    text = {d["doc_id"]: fold(d["title"] + "\n" + d["abstract"]) for d in corpus}
    title = {d["doc_id"]: d["title"] for d in corpus}
    kinds: dict[str, int] = {}
    for q, r in list(zip(queries, ranked))[::2]:
        if r and r[0] == q["doc_id"]:
            continue
        terms = query_terms(q["query"])
        whole = sum(t in text[q["doc_id"]] for t in terms)
        first = sum(t in text[r[0]] for t in terms) if r else 0
        kind = "more" if whole > first else "as many" if whole == first else "fewer"
        kinds[kind] = kinds.get(kind, 0) + 1
        rank = r.index(q["doc_id"]) + 1 if q["doc_id"] in r else "-"
        print(f"{q['qid']} [{q['query']}] rank {rank}; whole terms {whole}/{len(terms)}, the first's {first}")
        print(f"    paper: {title[q['doc_id']]}\n    first: {title[r[0]] if r else '-'}")
    print("the paper holds more / as many / fewer whole terms than the first:", kinds)


def quality(data: Path, dictionary, show_misses=False):
    corpus, queries = read_tsv(data / "dev-corpus.tsv"), read_tsv(data / "dev-queries.tsv")
    rows = [("bigram BM25 (baseline)", measure(baseline(corpus, queries), queries))]
    ranked = engine(corpus, queries, dictionary)
    rows.append(("engine", measure(ranked, queries)))
    print(f"CSL dev: {len(corpus):,} papers, {len(queries):,} queries")
    print(f"{'':24} {'MRR@10':>7} {'Recall@10':>9} {'MRR even':>9} {'MRR odd':>8}")
    for name, m in rows:
        print(f"{name:24} {m['mrr']:7.4f} {m['recall']:9.4f} {m['mrr_even']:9.4f} {m['mrr_odd']:8.4f}")
    gain, low, high, better, worse = paired_gain(rows[1][1]["rr"], rows[0][1]["rr"])
    misses_then = (rows[0][1]["rr"] < 1).sum()
    misses_now = (rows[1][1]["rr"] < 1).sum()
    print(
        f"gain over the baseline: MRR@10 {gain:+.4f} (95 % paired bootstrap {low:+.4f} … {high:+.4f}); "
        f"paper ranked higher on {better} queries, lower on {worse}; not first: {misses_then} → {misses_now} "
        f"({1 - misses_now / misses_then:.0%} fewer)"
    )
    if show_misses:
        misses(corpus, queries, ranked)
    return corpus, queries


def synthetic(corpus, size, seed=12):
    """Records made of the corpus's sentences, recombined: realistic vocabulary and lengths, no two records alike."""
    rng = random.Random(seed)
    sentences = [s for d in corpus for s in re.split(r"(?<=[。；;.!?！？])", d["abstract"]) if len(s) > 8]
    titles = [d["title"] for d in corpus]
    values = {
        "field": [f"{n:02d}" for n in range(1, 9)],
        "cluster": [f"C{n}" for n in range(12)],
        "area": [f"4103{n:02d}" for n in range(2, 28)],
    }
    records = []
    for i in range(size):
        a, b = rng.choice(titles), rng.choice(titles)
        title = a[: len(a) // 2] + b[len(b) // 2 :]
        abstract = "".join(rng.choice(sentences) for _ in range(rng.randint(2, 5)))
        attributes = {k: rng.choice(v) for k, v in values.items()} | {"maturity": str(rng.randint(1, 9))}
        records.append(Record(f"s{i:06d}", {"title": title, "abstract": abstract}, attributes))
    return records


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def speed(corpus, queries, dictionary, size):
    records = synthetic(corpus, size)
    chars = sum(len(r.text("title")) + len(r.text("abstract")) for r in records)
    started, cpu = time.perf_counter(), time.process_time()
    index = MatchIndex(records, words=dictionary)
    built, built_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"\n{size:,} synthetic records ({chars / 1e6:.1f} M characters): index built in {built:.1f} s (CPU {built_cpu:.1f} s)")
    sample = [q["query"] for q in queries[:300]]
    for label, filters in (
        ("no filter", None),
        ("filter area", {"area": "410303"}),
        ("filter field+maturity", {"field": "03", "maturity": ["7", "8", "9"]}),
    ):
        times = []
        for q in sample:
            t = time.perf_counter()
            index.search(q, 10, filters)
            times.append((time.perf_counter() - t) * 1000)
        print(
            f"query ({label}, top 10 with explanations, {len(sample)} queries): p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 95):.1f} ms"
        )
    changed = Record(
        records[7].id, {"title": "氢燃料电池双极板激光焊接工艺", "abstract": "提出一种用于氢燃料电池金属双极板的激光焊接工艺。"}
    )
    t = time.perf_counter()
    index.upsert([changed])
    found = index.search("双极板 激光焊接", 1)
    upserted = (time.perf_counter() - t) * 1000
    ok = bool(found) and found[0].id == changed.id
    t = time.perf_counter()
    index.remove([changed.id])
    gone = all(m.id != changed.id for m in index.search("双极板 激光焊接", 10))
    removed = (time.perf_counter() - t) * 1000
    print(f"changed record searchable in {upserted:.0f} ms (upsert + query, no rebuild; found first: {ok})")
    index.upsert(synthetic(corpus, 100, seed=13))  # a delta of 100 records (ids s000000…s000099: replacements)
    times = []
    for q in sample:
        t = time.perf_counter()
        index.search(q, 10)
        times.append((time.perf_counter() - t) * 1000)
    print(
        f"query with {index.delta_size} records in the delta (live statistics): p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 95):.1f} ms"
    )
    print(f"removed record gone in {removed:.0f} ms (mask + query; gone: {gone})")
    t, cpu = time.perf_counter(), time.process_time()
    index.rebuild()
    print(f"full rebuild of {len(index):,} records: {time.perf_counter() - t:.1f} s (CPU {time.process_time() - cpu:.1f} s)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the process: {peak:,.0f} MB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder with dev-corpus.tsv and dev-queries.tsv")
    parser.add_argument("--speed", action="store_true", help="also time the engine on synthetic records")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--misses", action="store_true", help="list the even half's queries whose paper is not first")
    args = parser.parse_args()
    dictionary = words()
    corpus, queries = quality(args.data, dictionary, args.misses)
    if args.speed:
        speed(corpus, queries, dictionary, args.size)


if __name__ == "__main__":
    main()
