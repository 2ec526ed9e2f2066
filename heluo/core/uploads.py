"""Uploaded files checked before they are kept: a known extension, a size within bounds, first bytes that agree with
the extension (a renamed executable is no PDF), and kept once under their SHA-256 in the default storage. The
achievements' attachments and the project applications' share it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from .i18n import Refusal

# what a file may be, by its first bytes (the name's extension must agree): reports, scans, certificates
MAGIC = {
    "pdf": (b"%PDF-",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}


@dataclass(frozen=True)
class Checked:
    name: str
    ext: str
    size: int
    sha256: str


def file_name(upload) -> str:
    """The name without any client path, bounded."""
    return (getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:120]


def check(upload, types: Iterable[str], max_bytes: int) -> Checked:
    """The upload's name, extension, size and hash once it passed every check; a 422 Refusal naming the first that
    failed (`file` its field)."""
    types = tuple(t for t in types if t in MAGIC)
    name = file_name(upload)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in types:
        kinds = "、".join(types)
        raise Refusal(
            "attachment_kind", f"附件须为以下类型之一：{kinds}", f"An attachment must be one of: {', '.join(types)}.", 422, "file"
        )
    size = getattr(upload, "size", None)
    if not size or size > max_bytes:
        mb = max_bytes / (1024 * 1024)
        raise Refusal(
            "attachment_size", f"附件不能为空，且不能超过 {mb:g} MB", f"An attachment must not be empty or exceed {mb:g} MB.", 422, "file"
        )
    upload.seek(0)
    head = upload.read(16)
    if not any(head.startswith(magic) for magic in MAGIC[ext]):
        raise Refusal("attachment_content", "附件内容与其类型不符", "The file's content does not match its type.", 422, "file")
    h = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        h.update(chunk)
    return Checked(name, ext, size, h.hexdigest())


def path(prefix: str, sha256: str) -> str:
    return f"{prefix}/{sha256[:2]}/{sha256}.bin"


def store(upload, prefix: str, sha256: str) -> str:
    """Keep the file under its hash (once: the same content uploaded twice is one file)."""
    where = path(prefix, sha256)
    if not default_storage.exists(where):
        upload.seek(0)
        default_storage.save(where, upload)
    return where


def open_stored(prefix: str, sha256: str):
    where = path(prefix, sha256)
    if not default_storage.exists(where):
        raise ValidationError("file missing")
    return default_storage.open(where, "rb")
