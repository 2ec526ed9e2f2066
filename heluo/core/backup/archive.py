"""One archive file: the manifest, the database copy and the uploaded files.

    heluo-backup-20250101T020000Z.tar.gz   (mode 0600: it holds personal data)
        manifest.json                     what is inside, and what the restored data must hash to
        database.sqlite3 | database.pgdump
        media/…                           the uploaded files (the default storage's folder)

Plain functions, so that a command, a scheduled job or a test calls the same code.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import connections

from heluo.core.i18n import Bilingual, Refusal

from . import manifest as mf
from .engines import engine_for

PREFIX = "heluo-backup-"
SUFFIX = ".tar.gz"
STAMP = "%Y%m%dT%H%M%SZ"
# Filled by migrations themselves, so a freshly migrated database still counts as empty.
SCHEMA_TABLES = {"django_migrations", "django_content_type", "auth_permission"}


def media_root() -> Path:
    storage = storages["default"]
    if not isinstance(storage, FileSystemStorage):
        raise Refusal(
            "backup.storage",
            "只能备份文件系统中的上传文件（STORAGES default）",
            "only uploads kept on the file system (STORAGES default) can be backed up",
        )
    return Path(storage.location)


def archive_name(when: dt.datetime) -> str:
    return f"{PREFIX}{when.astimezone(dt.UTC):{STAMP}}{SUFFIX}"


def _target(output, now: dt.datetime) -> Path:
    """A name ending in .tar.gz is the archive's; anything else is a folder, where the archive gets a dated name."""
    path = Path(output or settings.HELUO_BACKUP_DIR)
    if not path.name.endswith(SUFFIX) or path.is_dir():
        path = path / archive_name(now)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _snapshot(connection, engine) -> dict:
    return {
        "migrations": mf.migration_state(connection),
        "tables": mf.table_digests(connection),
        "sequences": engine.sequences(connection),
    }


def _owner_only(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o700 if info.isdir() else 0o600
    return info


def backup(output=None, *, using: str = "default", now: dt.datetime | None = None) -> Path:
    """Write one archive of the database and the uploaded files; return its path."""
    connection = connections[using]
    engine = engine_for(connection)
    now = now or dt.datetime.now(dt.UTC)
    target = _target(output, now)
    media = media_root()
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".heluo-backup-") as work:
        db_file = Path(work) / engine.filename
        with engine.copy(connection, db_file) as copy:
            state = _snapshot(copy, engine)
        files = [mf.file_entry(db_file, engine.filename), *mf.media_entries(media)]
        manifest = mf.build(engine=engine.describe(connection), files=files, created=now, **state)
        manifest_file = Path(work) / mf.MANIFEST
        manifest_file.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        partial = Path(work) / target.name
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                tar.add(manifest_file, mf.MANIFEST, filter=_owner_only)
                tar.add(db_file, engine.filename, filter=_owner_only)
                for entry in files[1:]:
                    tar.add(media / entry["path"].removeprefix(f"{mf.MEDIA}/"), entry["path"], filter=_owner_only)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    return target


def prune(folder, keep_days: int, *, now: dt.datetime | None = None) -> list[Path]:
    """Delete this platform's archives in `folder` dated more than `keep_days` days ago (by the date in the name,
    which copying does not change); 0 keeps everything."""
    if keep_days <= 0:
        return []
    limit = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=keep_days)
    removed = []
    for path in sorted(Path(folder).glob(f"{PREFIX}*{SUFFIX}")):
        try:
            made = dt.datetime.strptime(path.name[len(PREFIX) : -len(SUFFIX)], STAMP).replace(tzinfo=dt.UTC)
        except ValueError:
            continue  # not a name we wrote
        if made < limit:
            path.unlink()
            removed.append(path)
    return removed


def _tampered(zh: str, en: str) -> Refusal:
    return Refusal(
        "backup.tampered",
        f"备份文件未通过校验，未做任何改动：{zh}",
        f"the archive failed verification, nothing was changed: {en}",
        status=422,
    )


def _unpack(archive, work: Path) -> dict:
    """Extract into `work` and check every file against the manifest; refuse before anything is touched."""
    if not Path(archive).is_file():
        raise Refusal("backup.not_found", f"文件不存在：{archive}", f"file not found: {archive}", status=404)
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            for m in members:
                if not (m.isfile() or m.isdir()):
                    raise _tampered(f"{m.name} 不是普通文件", f"{m.name} is not a regular file")
            tar.extractall(work, filter="data")  # refuses absolute paths, "..", links out of the folder
    except (OSError, tarfile.TarError, EOFError) as e:
        raise _tampered(str(e), str(e)) from None
    try:
        manifest = json.loads((work / mf.MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format") != mf.FORMAT:
            raise _tampered(f"不支持的格式 {manifest.get('format')}", f"unsupported format {manifest.get('format')}")
        listed = {f["path"]: f for f in manifest["files"]}
        missing = {"created", "engine", "migrations", "tables", "sequences"} - set(manifest)
        if missing or "name" not in manifest["engine"]:
            raise KeyError(", ".join(sorted(missing)) or "engine.name")
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise _tampered(f"清单无法读取（{e}）", f"unreadable manifest ({e})") from None
    present = {m.name for m in members if m.isfile()} - {mf.MANIFEST}
    if extra := sorted(present - set(listed)):
        raise _tampered(f"{extra[0]} 不在清单中", f"{extra[0]} is not in the manifest")
    for name, entry in sorted(listed.items()):
        path = work / name
        if name not in present or not path.is_file():
            raise _tampered(f"缺少 {name}", f"{name} is missing")
        if mf.file_entry(path, name) != entry:
            raise _tampered(f"{name} 的 SHA-256 与清单不符", f"{name} does not match its SHA-256 in the manifest")
    return manifest


def verify(archive, *, using: str = "default") -> dict:
    """Check an archive without restoring it: every file's hash, and that the database copy opens. Returns the
    manifest."""
    connection = connections[using]
    with tempfile.TemporaryDirectory(prefix=".heluo-verify-") as work:
        manifest = _unpack(archive, Path(work))
        engine = engine_for(connection)
        if manifest["engine"]["name"] == engine.name:
            engine.check(Path(work) / engine.filename, connection)
    return manifest


def has_data(connection, media: Path) -> bool:
    with connection.cursor() as cursor:
        qn = connection.ops.quote_name
        for table in mf.tables(connection):
            if table not in SCHEMA_TABLES:
                cursor.execute(f"SELECT 1 FROM {qn(table)} LIMIT 1")
                if cursor.fetchone():
                    return True
    return media.is_dir() and any(p.is_file() for p in media.rglob("*"))


@dataclass
class RestoreReport:
    created: str
    tables: int
    rows: int
    files: int
    differences: list[Bilingual] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def _replace_media(extracted: Path, media: Path, work: Path) -> None:
    """Move what the folder holds out (it goes with `work`) and the archive's files in. The folder itself stays, so
    a mount point or a symbolic link in its place keeps working; moves within one file system are renames."""
    media.mkdir(parents=True, exist_ok=True)
    replaced = work / "replaced-media"
    replaced.mkdir()
    for entry in list(media.iterdir()):
        shutil.move(entry, replaced / entry.name)
    if extracted.is_dir():
        for entry in list(extracted.iterdir()):
            shutil.move(entry, media / entry.name)


def restore(archive, *, confirm: bool = False, using: str = "default") -> RestoreReport:
    """Verify the archive, restore the database and the uploaded files from it, then check that the restored data
    hashes as the manifest says. Refuses a database or media folder that holds data unless `confirm`."""
    connection = connections[using]
    engine = engine_for(connection)
    media = media_root()
    media.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=media.parent, prefix=".heluo-restore-") as tmp:
        work = Path(tmp)
        manifest = _unpack(archive, work / "archive")
        made_by = manifest["engine"]["name"]
        if made_by != engine.name:
            raise Refusal(
                "backup.engine_mismatch",
                f"备份来自 {made_by}，不能恢复到 {engine.name}",
                f"the archive is from {made_by} and cannot be restored into {engine.name}",
                status=422,
            )
        engine.check(work / "archive" / engine.filename, connection)
        if not confirm and has_data(connection, media):
            raise Refusal(
                "backup.not_empty",
                "目标数据库或上传文件目录中已有数据；确认要用备份替换时加 --yes",
                "the target database or media folder holds data; add --yes to replace it with the archive",
            )
        engine.load(connection, work / "archive" / engine.filename)
        if apps.is_installed("django.contrib.contenttypes"):
            from django.contrib.contenttypes.models import ContentType

            ContentType.objects.clear_cache()  # ids cached before the restore may now name other models
        _replace_media(work / "archive" / mf.MEDIA, media, work)
    state = _snapshot(connection, engine)
    media_now = mf.media_entries(media)
    return RestoreReport(
        created=manifest["created"],
        tables=len(state["tables"]),
        rows=sum(t["rows"] for t in state["tables"].values()),
        files=len(media_now),
        differences=mf.differences(manifest, media=media_now, **state),
    )
