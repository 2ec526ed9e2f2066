"""The matching engine's settings: a versioned data file (heluo/market/data/matching.json), not numbers in code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

SETTINGS_FILE = Path(__file__).resolve().parent.parent / "data" / "matching.json"
RANKINGS = ("chars", "words", "coverage")


@dataclass(frozen=True)
class MatchSettings:
    version: str
    k1: float
    b: float
    method: str
    ngram_sizes: tuple[int, ...]
    fields: dict[str, dict[str, float]]  # ranking ("chars", "words") → field → weight
    weights: dict[str, float]  # ranking → fusion weight
    delta_records: int
    delta_share: float
    limits: dict[str, int]

    @classmethod
    def load(cls, path: str | Path = SETTINGS_FILE) -> MatchSettings:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict) -> MatchSettings:
        sizes = tuple(int(n) for n in data["ngram_sizes"])
        if not sizes or min(sizes) < 1:
            raise ValueError("ngram_sizes must be positive integers")
        weights = {k: float(v) for k, v in data["fusion"]["weights"].items()}
        unknown = set(weights) - set(RANKINGS)
        if unknown:
            raise ValueError(f"unknown rankings in fusion weights: {sorted(unknown)}")
        return cls(
            version=str(data["version"]),
            k1=float(data["bm25"]["k1"]),
            b=float(data["bm25"]["b"]),
            method=str(data["bm25"]["method"]),
            ngram_sizes=sizes,
            fields={r: {f: float(w) for f, w in fw.items()} for r, fw in data["fields"].items()},
            weights=weights,
            delta_records=int(data["delta_limit"]["records"]),
            delta_share=float(data["delta_limit"]["share"]),
            limits={k: int(v) for k, v in data["limits"].items()},
        )

    def delta_limit(self, main_size: int) -> int:
        return max(self.delta_records, int(self.delta_share * main_size))
