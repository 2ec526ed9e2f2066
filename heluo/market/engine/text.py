"""Text for matching: folding, the query's terms, character n-grams and jieba words.

Folding keeps every character's position (one character in, one out), so a term found in the folded text has the
same offsets in the original: explanations point into the text the user wrote.

jieba is initialised explicitly from its packaged dictionary, never through its cache: it writes no file (its
default cache lives in the shared temporary directory), downloads nothing and logs nothing.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A run of Chinese characters, or a run of letters and digits (Latin, Greek, Cyrillic): the units n-grams are cut from.
RUNS = re.compile(f"[{CJK}]+|[0-9a-z\u00b5\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]+")
# Query terms are separated by white space and list punctuation (a demand's keywords: "储能；锂电池、回收").
TERM_SEPARATORS = re.compile(r"[\s,;，；、|/]+")
WORDLIKE = re.compile(f"[{CJK}0-9a-z]")


def _fold_table() -> dict[int, str]:
    """Full-width forms → ASCII, the ideographic space → a space, and 'İ' (the one character whose lower case is two
    characters) → 'i', so that folding never changes a position."""
    table = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
    table[0x3000] = " "
    table[0x0130] = "i"
    return table


FOLD = _fold_table()


def fold(text: str) -> str:
    """Full-width → half-width, lower case; the same length as the input (offsets carry over)."""
    return text.translate(FOLD).lower()


def is_cjk(text: str) -> bool:
    return bool(text) and all("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def query_terms(query: str) -> list[str]:
    """The query's terms (folded, de-duplicated, in order): '储能 锂电池' → ['储能', '锂电池']."""
    seen: dict[str, None] = {}
    for term in TERM_SEPARATORS.split(fold(query)):
        term = term.strip()
        if term and WORDLIKE.search(term):
            seen.setdefault(term, None)
    return list(seen)


def char_ngrams(folded: str, sizes: Iterable[int]) -> list[str]:
    """Character n-grams of each Chinese run; a run of letters or digits is one token. A Chinese run shorter than
    the smallest size is kept whole ('肝'), so a one-character term can still match a one-character run."""
    sizes = tuple(sizes)
    smallest = min(sizes)
    out: list[str] = []
    for run in RUNS.findall(folded):
        if not ("\u3400" <= run[0] <= "\ufaff"):
            out.append(run)
            continue
        length = len(run)
        if length < smallest:
            out.append(run)
            continue
        for n in sizes:
            if n == 2:
                out.extend(map(str.__add__, run, run[1:]))
            elif length >= n:
                out.extend([run[i : i + n] for i in range(length - n + 1)])
    return out


_BASE_LOCK = threading.Lock()
_BASE: tuple[dict, int] | None = None


def _base_dictionary() -> tuple[dict, int]:
    """jieba's packaged dictionary as its prefix table, built once per process (about 0.8 s), without a cache file."""
    global _BASE
    with _BASE_LOCK:
        if _BASE is None:
            import jieba

            builder = jieba.Tokenizer()
            _BASE = builder.gen_pfdict(builder.get_dict_file())
        return _BASE


class Segmenter:
    """jieba words, with a user dictionary (the taxonomies' names, the records' keywords) added to jieba's own."""

    def __init__(self, words: Iterable[str] = ()):
        import jieba

        freq, total = _base_dictionary()
        self._jieba = jieba.Tokenizer()
        self._jieba.FREQ, self._jieba.total = dict(freq), total
        self._jieba.initialized = True  # the prefix table is set: jieba must not build (and cache) its own
        self.words = sorted({fold(w).strip() for w in words if w and w.strip()})
        for word in self.words:
            if WORDLIKE.search(word) and not word.isascii():
                self._jieba.add_word(word)

    def words_of(self, folded: str) -> list[str]:
        """Words of a folded text: jieba's precise mode without HMM guesses (deterministic, twice as fast)."""
        return [w for w in self._jieba.lcut(folded, HMM=False) if WORDLIKE.search(w)]
