"""What "the same" means: names, phones, addresses, USCCs and invoice numbers normalised; margins and money."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal

ZERO = Decimal("0")
CENT = Decimal("0.01")


def clean(text) -> str:
    """NFKC (full-width → half-width), case-folded, letters and digits only."""
    text = unicodedata.normalize("NFKC", str(text or "")).casefold()
    return "".join(c for c in text if unicodedata.category(c)[0] in "LN")


def normalise_name(text, min_chars: int = 2) -> str:
    value = clean(text)
    return value if len(value) >= min_chars else ""


_PHONE_SPLIT = re.compile(r"[,;/、|]|或|\s{2,}")


def normalise_phones(text, min_digits: int = 7) -> set[str]:
    """The phone numbers in a field, as digits; +86/0086 of a mobile number dropped."""
    out = set()
    for part in _PHONE_SPLIT.split(unicodedata.normalize("NFKC", str(text or ""))):
        digits = "".join(c for c in part if c in "0123456789")
        if digits.startswith("0086"):
            digits = digits[4:]
        elif digits.startswith("86") and len(digits) == 13 and digits[2] == "1":
            digits = digits[2:]  # +86 138… → 138…
        if len(digits) >= min_digits:
            out.add(digits)
    return out


def address_prefix_names(area_names: Iterable[str], fixed: Iterable[str] = ()) -> tuple[str, ...]:
    """Prefixes to strip from addresses: the fixed ones and area names, also without the trailing 省/市."""
    out = {clean(p) for p in fixed}
    for name in area_names:
        out.add(clean(name))
        if name and name[-1] in "省市" and len(name) > 2:
            out.add(clean(name[:-1]))
    return tuple(sorted((p for p in out if p), key=lambda p: (-len(p), p)))  # longest first


def normalise_address(text, prefixes: Sequence[str] = (), min_chars: int = 6) -> str:
    value = clean(text)
    stripped = True
    while stripped:  # 河南省洛阳市涧西区… → 洛阳市涧西区… → 涧西区…
        stripped = False
        for p in prefixes:
            if p and value.startswith(p) and len(value) > len(p):
                value, stripped = value[len(p) :], True
                break
    return value if len(value) >= min_chars else ""


def normalise_uscc(text) -> str:
    value = clean(text).upper()
    return value if len(value) == 18 else ""


def normalise_invoice(text, min_chars: int = 8) -> str:
    value = clean(text).upper()
    return value if len(value) >= min_chars else ""


def money_str(value) -> str:
    return str(Decimal(value or 0).quantize(CENT))


def yuan_text(value) -> str:
    return f"{Decimal(value or 0):,.2f}"


def decimal_or_none(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def within_margin(amount, threshold, pct) -> bool:
    """amount is at most pct% below threshold and below it: threshold × (1 − pct/100) ≤ amount < threshold.
    Exactly at the threshold is not "under"; exactly pct% below is inside (inclusive)."""
    amount, threshold = decimal_or_none(amount), decimal_or_none(threshold)
    if amount is None or threshold is None or threshold <= 0:
        return False
    return threshold * (100 - Decimal(pct)) / 100 <= amount < threshold


def jsonable(value):
    def default(o):
        if isinstance(o, Decimal):
            return str(o)
        if isinstance(o, (dt.date, dt.datetime)):
            return o.isoformat()
        if isinstance(o, (set, frozenset, tuple)):
            return sorted(o, key=str)
        raise TypeError(type(o))

    return json.loads(json.dumps(value, default=default, ensure_ascii=False))
