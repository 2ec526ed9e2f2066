"""The matching engine: demand → achievements, demand → experts, achievement → enterprises, and the CLI's corpus.

Callers pass plain records (an id, text fields such as title, abstract and keywords, and filter attributes such as
field, cluster, area and maturity) and get back explained suggestions. Three rankings are fused:

- ``chars``: BM25 over character n-grams of each field (field weights), the way Chinese text matches without a
  dictionary;
- ``words``: BM25 over jieba words of the short fields, with a user dictionary (the taxonomies' names and the
  records' keywords) so that a keyword is one word;
- ``coverage``: how much of each query term the record contains (the share of the term's n-grams it has, averaged over
  the terms): a record that has both of a demand's keywords comes before one that has one of them many times.

Fusion is weighted score fusion: each ranking's scores divided by its best score for the query, weighted and summed.
The weights, field weights, n-gram sizes and BM25 parameters are in heluo/market/data/matching.json.

Changes are incremental: a changed record goes to a small delta (searchable at once), its former version is masked;
a removed record is masked; scores then use the live statistics, so the ranking is a full rebuild's (see bm25.py).
When the delta outgrows its limit the main index is rebuilt. The user dictionary is the one of the last build: the
keywords of records added since join it at the next rebuild.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .bm25 import FieldIndex
from .settings import MatchSettings
from .text import TERM_SEPARATORS, Segmenter, char_ngrams, fold, query_terms

FILTERS = ("field", "cluster", "area", "maturity")
MAX_SPANS_PER_FIELD = 20


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set, frozenset)):
        return "；".join(str(v) for v in value)
    return str(value)


def _values(value) -> frozenset[str]:
    if value is None or value == "":
        return frozenset()
    if isinstance(value, (list, tuple, set, frozenset)):
        return frozenset(str(v) for v in value)
    return frozenset([str(value)])


@dataclass(frozen=True)
class Record:
    """A record to match: its id, its text fields and its filter attributes (each a value or a list of values)."""

    id: str
    fields: Mapping[str, object]
    attributes: Mapping[str, object] = field(default_factory=dict)

    def text(self, name: str) -> str:
        return _text(self.fields.get(name))

    def keywords(self) -> list[str]:
        return [k for k in TERM_SEPARATORS.split(self.text("keywords")) if k.strip()]


@dataclass(frozen=True)
class Span:
    """A shared term in a record's field: text[start:end] of the field as given (not folded)."""

    field: str
    start: int
    end: int
    term: str


@dataclass(frozen=True)
class Match:
    id: str
    rank: int
    score: float
    terms: tuple[str, ...]  # what the record shares with the query: whole query terms, or the pieces of one it has
    spans: tuple[Span, ...]
    filters: dict[str, tuple[str, ...]]  # filter → the record's values that satisfied it
    scores: dict[str, float]  # each ranking's weighted, normalised contribution to the score

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "rank": self.rank,
            "score": self.score,
            "terms": list(self.terms),
            "spans": [vars(s) for s in self.spans],
            "filters": {k: list(v) for k, v in self.filters.items()},
            "scores": self.scores,
        }


def query_from_record(record: Record) -> str:
    """A record as a query (a demand looking for achievements, an achievement for enterprises): its keywords and title."""
    return " ".join([*record.keywords(), record.text("title")])


class MatchIndex:
    """Records indexed for matching. Not thread-safe for writes: one writer (a job), many readers between writes."""

    def __init__(self, records: Iterable[Record], settings: MatchSettings | None = None, words: Iterable[str] = ()):
        self.settings = settings or MatchSettings.load()
        self.words = tuple(words)
        self._build(list(records))

    # --- building ---
    def _build(self, records: list[Record]) -> None:
        s = self.settings
        self.segmenter = Segmenter([*self.words, *(k for r in records for k in r.keywords())])
        self.records: list[Record] = records
        self.alive = np.ones(len(records), dtype=bool)
        self.position = {r.id: i for i, r in enumerate(records)}
        if len(self.position) != len(records):
            raise ValueError("duplicate record ids")
        self.main_size = len(records)
        self.indexes: dict[str, dict[str, FieldIndex]] = {}
        for ranking, fields in s.fields.items():
            tokenise = self._tokeniser(ranking)
            self.indexes[ranking] = {
                name: FieldIndex((tokenise(fold(r.text(name))) for r in records), s.k1, s.b, s.method) for name in fields
            }
        self.attributes: dict[str, dict[str, np.ndarray]] = {}
        for name in FILTERS:
            by_value: dict[str, list[int]] = {}
            for i, r in enumerate(records):
                for v in _values(r.attributes.get(name)):
                    by_value.setdefault(v, []).append(i)
            self.attributes[name] = {v: np.asarray(ix, dtype=np.int64) for v, ix in by_value.items()}

    def _tokeniser(self, ranking: str):
        if ranking == "words":
            return self.segmenter.words_of
        sizes = self.settings.ngram_sizes
        return lambda folded: char_ngrams(folded, sizes)

    def rebuild(self) -> None:
        """Full rebuild from the live records: fresh statistics, the delta folded in, the masks cleared."""
        live = [r for i, r in enumerate(self.records) if self.alive[i]]
        self._build(sorted(live, key=lambda r: r.id))

    def __len__(self) -> int:
        return int(self.alive.sum())

    def __contains__(self, record_id: str) -> bool:
        i = self.position.get(record_id)
        return i is not None and bool(self.alive[i])

    @property
    def delta_size(self) -> int:
        return len(self.records) - self.main_size

    # --- changes ---
    def upsert(self, records: Iterable[Record]) -> None:
        """Add or replace records: searchable at once, through the delta; the main index is rebuilt when the delta
        outgrows its limit."""
        for record in records:
            self._mask(record.id)
            i = len(self.records)
            self.records.append(record)
            self.position[record.id] = i
            self.alive = np.append(self.alive, True)
            for ranking, fields in self.indexes.items():
                tokenise = self._tokeniser(ranking)
                for name, index in fields.items():
                    index.add(tokenise(fold(record.text(name))))
            for name in FILTERS:
                for v in _values(record.attributes.get(name)):
                    self.attributes[name].setdefault(v, np.zeros(0, dtype=np.int64))
                    self.attributes[name][v] = np.append(self.attributes[name][v], i)
        if self.delta_size > self.settings.delta_limit(self.main_size):
            self.rebuild()

    def remove(self, record_ids: Iterable[str]) -> None:
        for record_id in record_ids:
            self._mask(record_id)

    def _mask(self, record_id: str) -> None:
        """A record no longer counts: not found, and not in the statistics (document count, lengths, frequencies)."""
        i = self.position.pop(record_id, None)
        if i is None:
            return
        self.alive[i] = False
        record = self.records[i]
        for ranking, fields in self.indexes.items():
            tokenise = self._tokeniser(ranking)
            for name, index in fields.items():
                tokens = tokenise(fold(record.text(name)))
                if i < self.main_size:
                    index.mask_main(i, tokens)
                else:
                    index.mask_delta(tokens)

    # --- searching ---
    def search(self, query: str, top: int = 10, filters: Mapping[str, object] | None = None) -> list[Match]:
        """The best ``top`` records for the query, best first; ties by id. Only records sharing something."""
        terms = query_terms(query[: self.settings.limits["query_chars"]])
        if not terms or top <= 0:
            return []
        eligible, wanted = self._eligible(filters or {})
        parts = self._rankings(terms)
        total = np.zeros(len(self.records), dtype=np.float64)
        contributions = {}
        for ranking, weight in self.settings.weights.items():
            values = parts[ranking]
            best = float(values[eligible].max(initial=0.0))
            if weight and best > 0:
                contributions[ranking] = weight * values / best
                total += contributions[ranking]
        # six decimals, as reported: scores equal but for floating-point noise (float32 in bm25s's matrix, float64 with
        # the live statistics) are equal, and their order is the ids'
        total = np.round(total, 6)
        candidates = np.flatnonzero(eligible & (total > 0))
        if len(candidates) > top:
            kth = np.partition(total[candidates], -top)[-top]
            candidates = candidates[total[candidates] >= kth]
        ranked = sorted(candidates.tolist(), key=lambda i: (-total[i], self.records[i].id))[:top]
        pieces = {t: self._pieces(t) for t in terms}  # the same for every match of the query: segmented once
        return [self._explain(i, rank, total[i], terms, pieces, wanted, contributions) for rank, i in enumerate(ranked, 1)]

    def search_record(self, record: Record, top: int = 10, filters: Mapping[str, object] | None = None) -> list[Match]:
        return [m for m in self.search(query_from_record(record), top + 1, filters) if m.id != record.id][:top]

    def _eligible(self, filters: Mapping[str, object]) -> tuple[np.ndarray, dict[str, frozenset[str]]]:
        eligible = self.alive.copy()
        wanted: dict[str, frozenset[str]] = {}
        for name, value in filters.items():
            if name not in FILTERS:
                raise ValueError(f"unknown filter {name!r}; filters: {', '.join(FILTERS)}")
            values = _values(value)
            if not values:
                continue
            wanted[name] = values
            mask = np.zeros(len(self.records), dtype=bool)
            for v in values:
                mask[self.attributes[name].get(v, [])] = True
            eligible &= mask
        return eligible, wanted

    def _rankings(self, terms: list[str]) -> dict[str, np.ndarray]:
        size = len(self.records)
        out = {}
        for ranking, fields in self.indexes.items():
            tokenise = self._tokeniser(ranking)
            tokens = list(dict.fromkeys(t for term in terms for t in tokenise(term)))
            values = np.zeros(size, dtype=np.float64)
            for name, weight in self.settings.fields[ranking].items():
                main, delta = fields[name].scores(tokens)
                values[: self.main_size] += weight * main
                values[self.main_size :] += weight * delta
            out[ranking] = values
        out["coverage"] = self._coverage(terms)
        return out

    def _coverage(self, terms: list[str]) -> np.ndarray:
        """For each record, the share of each term's smallest n-grams found in any of its fields, averaged over terms."""
        size = len(self.records)
        coverage = np.zeros(size, dtype=np.float64)
        fields = self.indexes.get("chars", {})
        smallest = (min(self.settings.ngram_sizes),)
        for term in terms:
            grams = list(dict.fromkeys(char_ngrams(term, smallest)))
            for gram in grams:
                has = np.zeros(size, dtype=bool)
                for index in fields.values():
                    main, delta = index.containing(gram)
                    has[main] = True
                    if delta:
                        has[self.main_size + np.asarray(delta)] = True
                coverage += has / (len(grams) * len(terms))
        return coverage

    # --- explaining ---
    def _explain(self, i, rank, score, terms, pieces, wanted, contributions) -> Match:
        record = self.records[i]
        spans: list[Span] = []
        whole: set[str] = set()
        partial: dict[str, None] = {}
        for name in self._field_names():
            original = record.text(name)
            folded = fold(original)
            found: list[tuple[int, int]] = []
            for term in terms:
                hits = _occurrences(folded, term)
                if hits:
                    whole.add(term)
                else:
                    hits = [h for piece in pieces[term] for h in _occurrences(folded, piece)]
                found += hits
            for start, end in _merge(found)[:MAX_SPANS_PER_FIELD]:
                spans.append(Span(name, start, end, original[start:end]))
                if folded[start:end] not in terms:
                    partial.setdefault(folded[start:end], None)
        shared = [t for t in terms if t in whole] + [p for p in partial if not any(p in t for t in whole)]
        matched = {name: tuple(sorted(_values(record.attributes.get(name)) & values)) for name, values in wanted.items()}
        return Match(
            id=record.id,
            rank=rank,
            score=round(float(score), 6),
            terms=tuple(shared),
            spans=tuple(spans),
            filters=matched,
            scores={k: round(float(v[i]), 6) for k, v in contributions.items()},
        )

    def _pieces(self, term: str) -> list[str]:
        """The parts of a term that can be shared without the whole: its words and its n-grams."""
        sizes = self.settings.ngram_sizes
        return list(dict.fromkeys([*self.segmenter.words_of(term), *char_ngrams(term, sizes)]))

    def _field_names(self) -> list[str]:
        return list(dict.fromkeys(name for fields in self.settings.fields.values() for name in fields))


def _occurrences(text: str, term: str) -> list[tuple[int, int]]:
    out, start = [], text.find(term)
    while start >= 0 and len(out) < MAX_SPANS_PER_FIELD:
        out.append((start, start + len(term)))
        start = text.find(term, start + 1)
    return out


def _merge(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:  # overlapping; adjacent terms stay two spans
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]
