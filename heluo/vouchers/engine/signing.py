"""Signing and checking the calls between partner cities' platforms (pure: no Django, no database).

The string signed for a request (HMAC-SHA256 with the secret agreed with the partner)::

    HELUO-HMAC-SHA256 \\n METHOD \\n PATH(?QUERY) \\n PARTNER \\n TIMESTAMP \\n NONCE \\n hex(SHA-256(body))

and for the answer (so the caller knows it comes from the partner and belongs to its request)::

    HELUO-HMAC-SHA256-RESPONSE \\n STATUS \\n PATH \\n REQUEST_NONCE \\n TIMESTAMP \\n hex(SHA-256(body))

Signatures are hex and compared in constant time. A timestamp is accepted within `skew` seconds of the
receiver's clock; a nonce is kept for twice that window (`nonce_expiry`), so a replay inside the window is
always caught by the stored nonce and one outside it is refused as stale.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets

SCHEME = "HELUO-HMAC-SHA256"
H_PARTNER, H_TIMESTAMP, H_NONCE, H_SIGNATURE = "X-Heluo-Partner", "X-Heluo-Timestamp", "X-Heluo-Nonce", "X-Heluo-Signature"
SIGNED_HEADERS = (H_PARTNER, H_TIMESTAMP, H_NONCE, H_SIGNATURE)
NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{16,100}$")
DEFAULT_SKEW_SECONDS = 300


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body or b"").hexdigest()


def canonical_request(method: str, path: str, partner_code: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return "\n".join([SCHEME, method.upper(), path, partner_code, timestamp, nonce, body_hash(body)]).encode()


def canonical_response(status: int, path: str, request_nonce: str, timestamp: str, body: bytes) -> bytes:
    return "\n".join([f"{SCHEME}-RESPONSE", str(int(status)), path, request_nonce, timestamp, body_hash(body)]).encode()


def canonical_json(payload: dict) -> bytes:
    """The body of a call: one byte string for one meaning, whoever builds it."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str).encode()


def mac(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def same_signature(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected, (given or "").strip().lower())


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def nonce_is_well_formed(nonce: str) -> bool:
    return bool(NONCE_RE.match(nonce or ""))


def request_headers(key: bytes, me: str, method: str, path: str, body: bytes, *, now: float, nonce: str | None = None) -> dict:
    """The headers of a call `me` makes, signed with `key`."""
    timestamp = str(int(now))
    nonce = nonce or new_nonce()
    return {
        H_PARTNER: me,
        H_TIMESTAMP: timestamp,
        H_NONCE: nonce,
        H_SIGNATURE: mac(key, canonical_request(method, path, me, timestamp, nonce, body)),
    }


def request_is_authentic(key: bytes, method: str, path: str, headers, body: bytes) -> bool:
    code, timestamp, nonce, signature = (headers.get(h, "") or "" for h in SIGNED_HEADERS)
    return same_signature(mac(key, canonical_request(method, path, code, timestamp, nonce, body)), signature)


def response_headers(key: bytes, status: int, path: str, request_nonce: str, body: bytes, *, now: float) -> dict:
    timestamp = str(int(now))
    return {H_TIMESTAMP: timestamp, H_SIGNATURE: mac(key, canonical_response(status, path, request_nonce, timestamp, body))}


def response_is_authentic(key: bytes, status: int, path: str, request_nonce: str, headers, body: bytes) -> bool:
    timestamp, signature = headers.get(H_TIMESTAMP) or "", headers.get(H_SIGNATURE) or ""
    if not timestamp or not signature:
        return False
    return same_signature(mac(key, canonical_response(status, path, request_nonce, timestamp, body)), signature)


def timestamp_is_fresh(timestamp: str, now: float, skew: int) -> bool:
    """Within `skew` seconds of `now`, either way (the caller's clock may be ahead or behind)."""
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        return False
    return abs(now - stamp) <= skew


def nonce_retention(skew: int) -> int:
    """Seconds a received nonce is kept: twice the window, after which a call carrying it is refused as stale anyway."""
    return 2 * skew
