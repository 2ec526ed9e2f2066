"""Encryption at rest of single values (ID numbers), and the keyed hashes that find them again.

A stored value is `<key id>:<URL-safe base64 of nonce + AES-256-GCM ciphertext and tag>`. The key id (a fingerprint
of the key, never the key) says which key decrypts it, so that former keys (HELUO_FIELD_KEYS_OLD) keep working
while `heluo rotate-field-key` re-encrypts. Encryption is randomised, so the database cannot compare ciphertexts:
equality look-ups and uniqueness go through an HMAC-SHA256 of the normalised value in a column of its own.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .codes import normalize_code

NONCE = 12
TAG = 16
KEY_ID_LENGTH = 8


class DecryptionError(Exception):
    """A stored value that the configured keys cannot decrypt: never shown as garbage, never silently empty."""


@dataclass(frozen=True)
class Key:
    id: str
    aead: AESGCM
    lookup: bytes  # the HMAC key derived from it


def _key(text: str, setting: str) -> Key:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(f"{setting} must be 32 random bytes in URL-safe base64 (44 characters).")
    key_id = hashlib.sha256(b"heluo-field-key-id:" + raw).hexdigest()[:KEY_ID_LENGTH]
    return Key(key_id, AESGCM(raw), hmac.new(raw, b"heluo-lookup-hash", hashlib.sha256).digest())


@dataclass(frozen=True)
class Keyring:
    current: Key
    by_id: dict[str, Key]
    lookup_keys: tuple[bytes, ...]  # the current one first; the others only match hashes not yet recomputed


@lru_cache(maxsize=4)
def _keyring(current: str, old: tuple[str, ...], lookup: str) -> Keyring:
    key = _key(current, "HELUO_FIELD_KEY")
    former = [_key(k, "HELUO_FIELD_KEYS_OLD") for k in old]
    by_id = {k.id: k for k in [*reversed(former), key]}
    lookup_keys = (lookup.encode(),) if lookup else tuple(dict.fromkeys([key.lookup, *(k.lookup for k in former)]))
    return Keyring(key, by_id, lookup_keys)


def keyring() -> Keyring:
    return _keyring(settings.HELUO_FIELD_KEY, tuple(settings.HELUO_FIELD_KEYS_OLD), settings.HELUO_LOOKUP_KEY)


def encrypt(value: str) -> str:
    key = keyring().current
    nonce = os.urandom(NONCE)
    sealed = key.aead.encrypt(nonce, value.encode("utf-8"), None)
    return f"{key.id}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii').rstrip('=')}"


def decrypt(stored: str) -> str:
    key_id, sep, payload = stored.partition(":")
    if not sep or len(key_id) != KEY_ID_LENGTH:
        raise DecryptionError("an encrypted column holds a value that is not encrypted (are the migrations applied?)")
    key = keyring().by_id.get(key_id)
    if key is None:
        raise DecryptionError(f"a value is encrypted with key {key_id}, which is neither HELUO_FIELD_KEY nor one of HELUO_FIELD_KEYS_OLD")
    try:
        blob = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        return key.aead.decrypt(blob[:NONCE], blob[NONCE:], None).decode("utf-8")
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise DecryptionError(f"a value encrypted with key {key_id} does not authenticate: it was altered or damaged") from exc


def key_id_of(stored: str) -> str:
    return stored.partition(":")[0]


def stored_length(max_length: int) -> int:
    """Characters of the stored form of a value of at most max_length characters (4 bytes each in UTF-8)."""
    return KEY_ID_LENGTH + 1 + -(-(NONCE + 4 * max_length + TAG) * 4 // 3)


def _hmac(key: bytes, value: str) -> str:
    return hmac.new(key, normalize_code(value).encode("utf-8"), hashlib.sha256).hexdigest()


def lookup_hash(value: str) -> str:
    """The hash stored beside a value (HMAC-SHA256 of the value normalised: full-width folded, no spaces, upper case)."""
    return _hmac(keyring().lookup_keys[0], value)


def lookup_hashes(value: str) -> list[str]:
    """The hashes a stored value may carry: under the current look-up key, then under former ones."""
    return [_hmac(k, value) for k in keyring().lookup_keys]
