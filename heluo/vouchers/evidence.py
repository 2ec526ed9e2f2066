"""Redemption evidence files (contract, invoice, acceptance report).

The services record only each file's name and SHA-256 (``Redemption.evidence``), so evidence cannot be
swapped afterwards. The files themselves are kept in the platform's default storage (``var/media``, the
same place as uploaded import files), under their hash: ``vouchers/evidence/ab/abcdef….bin``. Content
addressing means an identical file is stored once, a stored file can be checked against the recorded hash
at any time, and nothing but the hash links a file to a redemption.
"""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

MAX_BYTES = 20 * 1024 * 1024  # per file; scanned contracts and invoices are well below this
PREFIX = "vouchers/evidence"


class EvidenceTooLarge(ValueError):
    pass


def path_for(sha256: str) -> str:
    return f"{PREFIX}/{sha256[:2]}/{sha256}.bin"


def digest(upload) -> str:
    """SHA-256 of an uploaded file, read in chunks (large uploads are on disk, not in memory)."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise EvidenceTooLarge(upload.name)
    h = hashlib.sha256()
    for chunk in upload.chunks():
        h.update(chunk)
    upload.seek(0)
    return h.hexdigest()


def keep(upload, sha256: str) -> str:
    """Store the file under its hash (once); returns the storage path."""
    path = path_for(sha256)
    if not default_storage.exists(path):
        upload.seek(0)
        default_storage.save(path, upload)  # the name is fixed by the hash, so the storage keeps it as given
    return path


def keep_bytes(content: bytes) -> str:
    """Store bytes under their hash (the demo's evidence); returns the hash."""
    sha256 = hashlib.sha256(content).hexdigest()
    if not default_storage.exists(path_for(sha256)):
        default_storage.save(path_for(sha256), ContentFile(content))
    return sha256


def is_kept(sha256: str) -> bool:
    return default_storage.exists(path_for(sha256))


def open_file(sha256: str):
    return default_storage.open(path_for(sha256), "rb")


def forget(sha256: str):
    if default_storage.exists(path_for(sha256)):
        default_storage.delete(path_for(sha256))
