"""The user dictionary for jieba: names from the reference taxonomies (GB/T 4754 industries, the high-tech fields) and
the records' keywords, so that '新型电子元器件' or a record's keyword is one word rather than its pieces."""

from __future__ import annotations

import re
from collections.abc import Iterable

NAME_PARTS = re.compile(r"[、，,；;及和与]")


def taxonomy_words(documents: Iterable[dict]) -> list[str]:
    """Every Chinese name (``name_zh``) in the taxonomy documents, whole and split at its list words
    ('纺织服装、服饰业' → 纺织服装、服饰业, 纺织服装, 服饰业), in a stable order."""
    words: dict[str, None] = {}
    for document in documents:
        for name in _names(document):
            words.setdefault(name, None)
            for part in NAME_PARTS.split(name):
                part = part.removeprefix("其他").removeprefix("其").strip()
                if len(part) >= 2:
                    words.setdefault(part, None)
    return list(words)


def _names(node) -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "name_zh" and isinstance(value, str) and value.strip():
                yield value.strip()
            else:
                yield from _names(value)
    elif isinstance(node, list):
        for item in node:
            yield from _names(item)
