"""BM25 over one field: a main index (bm25s) and a small delta of records added since it was built.

While nothing has changed, scores are bm25s's own (its precomputed sparse matrix). Once records are added (to the
delta) or masked (removed, or replaced by a newer version), scores are computed with the live statistics — the
number of live documents, their average length, each token's live document frequency — from the term frequencies
kept beside bm25s's matrix, with bm25s's formula (Lucene variant):

    idf = ln(1 + (N − df + 0.5) / (df + 0.5)),   score = idf · tf / (tf + k1 · (1 − b + b · dl / avgdl))

so the ranking is the one a full rebuild would give, without rebuilding.

A one-character Chinese query token ('钼', '茶') stands for every indexed token that contains the character: n-grams of
two or more never produce it alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np

from .text import is_cjk


def _idf(df, n):
    return np.log(1 + (n - df + 0.5) / (df + 0.5))


class FieldIndex:
    def __init__(self, docs: Iterable[list[str]], k1: float, b: float, method: str):
        """``docs``: each document's tokens, one after the other (each list becomes ids at once: token strings of
        a large corpus are never all held together)."""
        import bm25s

        if method != "lucene":
            raise ValueError("the live statistics follow bm25s's 'lucene' method")
        self.k1, self.b = k1, b
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in docs]  # and a third faster than bm25s's own
        self.size = len(ids)
        self.lengths = np.fromiter((len(d) for d in ids), dtype=np.float64, count=len(ids))
        self.avgdl = float(self.lengths.mean()) if len(ids) else 0.0
        self.bm25 = None
        self.vocab: dict[str, int] = {}
        self.df = np.zeros(0, dtype=np.int64)
        if self.avgdl > 0:
            self.bm25 = bm25s.BM25(k1=k1, b=b, method=method)
            self.bm25.index((ids, vocab), create_empty_token=False, show_progress=False)
            self.vocab = vocab
            indptr, indices, data = (self.bm25.scores[k] for k in ("indptr", "indices", "data"))
            self.df = np.diff(indptr).astype(np.int64)
            # the term frequencies behind bm25s's scores (score = idf · tf/(tf + K) ⇒ tf = K · s/idf / (1 − s/idf))
            token_of = np.repeat(np.arange(len(self.df)), self.df)
            tfc = data / _idf(self.df, self.size)[token_of]
            norm = k1 * (1 - b + b * self.lengths[indices] / self.avgdl)
            self.tf = np.rint(norm * tfc / (1 - tfc)).astype(np.float32)
        # changes: masked main documents (their tokens no longer count), and the delta
        self.masked_df: Counter[str] = Counter()
        self.masked_length = 0.0
        self.masked_count = 0
        self.delta_postings: dict[str, tuple[list[int], list[int]]] = {}
        self.delta_lengths: list[int] = []
        self.delta_df: Counter[str] = Counter()
        self.delta_live_length = 0.0
        self.delta_live_count = 0
        self._main_by_char: dict[str, list[str]] | None = None  # built on the first one-character query
        self.delta_by_char: dict[str, set[str]] = {}

    @property
    def changed(self) -> bool:
        return bool(self.masked_count or self.delta_lengths)

    # --- changes ---
    def add(self, tokens: list[str]) -> None:
        position = len(self.delta_lengths)
        self.delta_lengths.append(len(tokens))
        counts = Counter(tokens)
        for token, tf in counts.items():
            positions, tfs = self.delta_postings.setdefault(token, ([], []))
            positions.append(position)
            tfs.append(tf)
        self.delta_df.update(counts.keys())
        for token in counts:
            if len(token) > 1 and is_cjk(token):
                for ch in set(token):
                    self.delta_by_char.setdefault(ch, set()).add(token)
        self.delta_live_length += len(tokens)
        self.delta_live_count += 1

    def mask_main(self, position: int, tokens: list[str]) -> None:
        self.masked_df.update(set(tokens))
        self.masked_length += self.lengths[position]
        self.masked_count += 1

    def mask_delta(self, tokens: list[str]) -> None:
        self.delta_df.subtract(set(tokens))
        self.delta_live_length -= len(tokens)
        self.delta_live_count -= 1

    # --- scoring ---
    def expand(self, tokens: list[str]) -> list[str]:
        """The tokens, each one-character Chinese token followed by the indexed tokens that contain its character."""
        out: dict[str, None] = {}
        for token in tokens:
            out.setdefault(token, None)
            if len(token) == 1 and is_cjk(token):
                if self._main_by_char is None:
                    by_char: dict[str, list[str]] = {}
                    for indexed in self.vocab:
                        if len(indexed) > 1 and is_cjk(indexed):
                            for ch in set(indexed):
                                by_char.setdefault(ch, []).append(indexed)
                    self._main_by_char = by_char
                out.update(dict.fromkeys(self._main_by_char.get(token, ())))
                out.update(dict.fromkeys(sorted(self.delta_by_char.get(token, ()))))
        return list(out)

    def scores(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """BM25 of every main and every delta document for the (distinct) query tokens."""
        tokens = self.expand(tokens)
        if not self.changed:
            main = np.zeros(self.size, dtype=np.float32)
            ids = [self.vocab[t] for t in tokens if t in self.vocab]
            if ids and self.bm25 is not None:
                main = self.bm25.get_scores_from_ids(ids)
            return main, np.zeros(0, dtype=np.float32)
        return self._live_scores(tokens)

    def _live_scores(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        main = np.zeros(self.size, dtype=np.float64)
        delta = np.zeros(len(self.delta_lengths), dtype=np.float64)
        n = self.size - self.masked_count + self.delta_live_count
        total = float(self.lengths.sum()) - self.masked_length + self.delta_live_length
        if n <= 0 or total <= 0:
            return main, delta
        avgdl = total / n
        main_norm = self.k1 * (1 - self.b + self.b * self.lengths / avgdl)
        delta_norm = self.k1 * (1 - self.b + self.b * np.asarray(self.delta_lengths, dtype=np.float64) / avgdl)
        for token in tokens:
            token_id = self.vocab.get(token)
            df = (int(self.df[token_id]) if token_id is not None else 0) - self.masked_df[token] + self.delta_df[token]
            if df <= 0:
                continue
            idf = float(_idf(df, n))
            if token_id is not None and self.bm25 is not None:
                indptr = self.bm25.scores["indptr"]
                start, end = indptr[token_id], indptr[token_id + 1]
                docs, tf = self.bm25.scores["indices"][start:end], self.tf[start:end]
                main[docs] += idf * tf / (main_norm[docs] + tf)
            posting = self.delta_postings.get(token)
            if posting:
                docs, tf = np.asarray(posting[0]), np.asarray(posting[1], dtype=np.float64)
                delta[docs] += idf * tf / (delta_norm[docs] + tf)
        return main, delta

    def containing(self, token: str) -> tuple[np.ndarray, list[int]]:
        """The main and delta documents that contain the token (for a one-character token: its character)."""
        main: list[np.ndarray] = []
        delta: list[int] = []
        for each in self.expand([token]):
            token_id = self.vocab.get(each)
            if token_id is not None and self.bm25 is not None:
                indptr = self.bm25.scores["indptr"]
                main.append(self.bm25.scores["indices"][indptr[token_id] : indptr[token_id + 1]])
            posting = self.delta_postings.get(each)
            delta += posting[0] if posting else []
        return (np.concatenate(main) if main else np.zeros(0, dtype=np.int64)), delta
