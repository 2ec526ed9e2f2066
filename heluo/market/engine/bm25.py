"""BM25 over one field: a main index (bm25s) and a small delta of records added since it was built.

The delta's records are scored with the main index's statistics (document count, document frequencies, average
length) and bm25s's formula (Lucene variant: idf = ln(1 + (N − df + 0.5)/(df + 0.5)), tf/(tf + k1·(1 − b + b·dl/avgdl))),
so a changed record ranks as it would in the main index. A full rebuild also refreshes the statistics: until then the
ranking differs from a rebuild's only by their drift, which the delta limit bounds.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np


class FieldIndex:
    def __init__(self, docs: list[list[str]], k1: float, b: float, method: str):
        import bm25s

        self.k1, self.b = k1, b
        self.size = len(docs)
        lengths = np.fromiter((len(d) for d in docs), dtype=np.float64, count=len(docs))
        self.avgdl = float(lengths.mean()) if len(docs) else 0.0
        self.bm25 = None
        self.vocab: dict[str, int] = {}
        self.df = np.zeros(0, dtype=np.int64)
        if self.avgdl > 0:
            self.bm25 = bm25s.BM25(k1=k1, b=b, method=method)
            self.bm25.index(docs, show_progress=False)
            self.vocab = self.bm25.vocab_dict
            self.df = np.diff(self.bm25.scores["indptr"]).astype(np.int64)
        # the delta: token → ([delta position], [tf]); lengths of the delta's documents
        self.delta_postings: dict[str, tuple[list[int], list[int]]] = {}
        self.delta_lengths: list[int] = []

    # --- the delta ---
    def add(self, tokens: list[str]) -> None:
        position = len(self.delta_lengths)
        self.delta_lengths.append(len(tokens))
        for token, tf in Counter(tokens).items():
            positions, tfs = self.delta_postings.setdefault(token, ([], []))
            positions.append(position)
            tfs.append(tf)

    def idf(self, token: str) -> float:
        token_id = self.vocab.get(token)
        df = int(self.df[token_id]) if token_id is not None else 0
        n = max(self.size, 1)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    # --- scoring ---
    def scores(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """BM25 of every main and every delta document for the (distinct) query tokens."""
        main = np.zeros(self.size, dtype=np.float32)
        if self.bm25 is not None:
            ids = [self.vocab[t] for t in tokens if t in self.vocab]
            if ids:
                main = self.bm25.get_scores_from_ids(ids)
        delta = np.zeros(len(self.delta_lengths), dtype=np.float32)
        if self.delta_lengths:
            lengths = np.asarray(self.delta_lengths, dtype=np.float32)
            avgdl = self.avgdl or float(lengths.mean()) or 1.0
            norm = self.k1 * (1 - self.b + self.b * lengths / avgdl)
            for token in tokens:
                posting = self.delta_postings.get(token)
                if posting is None:
                    continue
                positions = np.asarray(posting[0])
                tf = np.asarray(posting[1], dtype=np.float32)
                delta[positions] += np.float32(self.idf(token)) * tf / (norm[positions] + tf)
        return main, delta

    def containing(self, token: str) -> tuple[np.ndarray, list[int]]:
        """The main and delta documents that contain the token."""
        token_id = self.vocab.get(token)
        if token_id is None or self.bm25 is None:
            main = np.zeros(0, dtype=np.int64)
        else:
            indptr = self.bm25.scores["indptr"]
            main = self.bm25.scores["indices"][indptr[token_id] : indptr[token_id + 1]]
        posting = self.delta_postings.get(token)
        return main, (posting[0] if posting else [])
