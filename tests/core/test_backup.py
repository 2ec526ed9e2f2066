"""`heluo backup` / `heluo restore`: the restore drill (backup → wipe → restore → identical tables and files), and
the refusals that keep a restore from doing harm (a tampered archive, a database that holds data)."""

import datetime as dt
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from heluo.core.backup import backup, prune, restore, verify
from heluo.core.backup import manifest as mf
from heluo.core.i18n import Refusal
from heluo.orgs.models import Organization

# Committed data: the backup reads it from outside any test transaction (pg_dump is another process).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files go to a folder of the test's own; archives to another."""
    root = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"], "OPTIONS": {"location": root}}}
    settings.MEDIA_ROOT = root
    settings.HELUO_BACKUP_DIR = tmp_path / "backups"
    (root / "imports").mkdir(parents=True)
    (root / "imports" / "企业名单.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    return root


def files_of(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def wipe(root: Path):
    call_command("flush", interactive=False, verbosity=0)
    for p in sorted(root.rglob("*"), reverse=True):
        p.unlink() if p.is_file() else p.rmdir()


def rewrite(archive: Path, target: Path, change):
    """A copy of the archive with one member's bytes changed by `change(name, data)` and the manifest left as is."""
    with tarfile.open(archive) as src, tarfile.open(target, "w:gz") as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read()
            data = change(m.name, data)
            m.size = len(data)
            dst.addfile(m, io.BytesIO(data))
    return target


@pytest.mark.slow
def test_restore_drill(media):
    call_command("demo", "--no-serve", "--size", "small", stdout=io.StringIO())
    before = mf.table_digests(connection)
    files = files_of(media)
    assert before["orgs_organization"]["rows"] > 300
    assert any(name.startswith("vouchers/evidence/") for name in files)  # the demo's redemption evidence

    archive = backup(media.parent / "backups")
    assert archive.name.startswith("heluo-backup-") and archive.name.endswith(".tar.gz")
    assert archive.stat().st_mode & 0o777 == 0o600
    manifest = verify(archive)
    assert manifest["tables"] == before and manifest["engine"]["name"] == connection.vendor
    assert {f["path"] for f in manifest["files"]} >= {f"media/{name}" for name in files}

    wipe(media)
    assert mf.table_digests(connection)["orgs_organization"]["rows"] == 0 and not files_of(media)
    # A wiped database holds only what migrations put there, so it may be restored without --yes.
    report = restore(archive)
    assert report.ok, [d.en for d in report.differences]
    assert mf.table_digests(connection) == before
    assert files_of(media) == files
    assert report.files == len(files) and report.rows == sum(t["rows"] for t in before.values())
    # The database works afterwards: the sequences continue where they were, ids are not reused.
    last = Organization.objects.order_by("-pk").first()
    assert Organization.objects.create(name="恢复后新建企业", area=last.area).pk > last.pk


def test_restore_refuses_a_database_with_data(world, media):
    archive = backup()
    Organization.objects.filter(pk=world.ent_a.pk).update(name="改过的名字")
    (media / "imports" / "企业名单.xlsx").write_bytes(b"changed")
    with pytest.raises(Refusal) as refused:
        restore(archive)
    assert refused.value.reason_code == "backup.not_empty"
    assert Organization.objects.get(pk=world.ent_a.pk).name == "改过的名字"
    assert (media / "imports" / "企业名单.xlsx").read_bytes() == b"changed"
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(archive))

    report = restore(archive, confirm=True)
    assert report.ok and Organization.objects.get(pk=world.ent_a.pk).name == "甲企业"
    assert (media / "imports" / "企业名单.xlsx").read_bytes().startswith(b"PK")


@pytest.mark.parametrize("member", ["media/imports/企业名单.xlsx", "DATABASE"])  # database.sqlite3 or database.pgdump
def test_a_tampered_archive_is_refused_before_anything_is_touched(world, media, tmp_path, member):
    archive = backup()

    def change(name, data):
        hit = name == member or (member == "DATABASE" and name.startswith("database."))
        return data[:-1] + bytes([data[-1] ^ 1]) if hit else data

    tampered = rewrite(archive, tmp_path / "tampered.tar.gz", change)
    before, files = mf.table_digests(connection), files_of(media)
    for attempt in (lambda: verify(tampered), lambda: restore(tampered, confirm=True)):
        with pytest.raises(Refusal) as refused:
            attempt()
        assert refused.value.reason_code == "backup.tampered"
    assert mf.table_digests(connection) == before and files_of(media) == files
    with pytest.raises(CommandError, match="SHA-256"):
        call_command("restore", "--check", str(tampered))


def test_an_archive_with_an_unlisted_file_is_refused(world, media, tmp_path):
    archive = backup()
    extra = tmp_path / "extra.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(extra, "w:gz") as dst:
        for m in src.getmembers():
            dst.addfile(m, src.extractfile(m))
        info = tarfile.TarInfo("media/planted.bin")
        info.size = 3
        dst.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(Refusal, match="planted.bin"):
        verify(extra)


def test_commands_write_verify_and_prune(media, tmp_path):
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "nightly") + "/", stdout=out)
    archive = Path(out.getvalue().strip())
    assert archive.parent == tmp_path / "nightly" and archive.is_file()
    old = archive.parent / "heluo-backup-20200101T020000Z.tar.gz"
    old.write_bytes(b"")
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "nightly"), "--keep-days", "30", stdout=out)
    assert not old.exists() and archive.exists()
    call_command("backup", "--verify", str(archive), stdout=io.StringIO())
    named = tmp_path / "one.tar.gz"
    call_command("backup", "--output", str(named), stdout=io.StringIO())
    assert json.loads(tarfile.open(named).extractfile(mf.MANIFEST).read())["format"] == mf.FORMAT


@pytest.mark.django_db(transaction=False)
def test_prune_keeps_recent_archives_and_other_files(tmp_path):
    now = dt.datetime(2025, 3, 31, 2, 0, tzinfo=dt.UTC)
    names = ["heluo-backup-20250301T020000Z.tar.gz", "heluo-backup-20250325T020000Z.tar.gz", "heluo-backup-notes.tar.gz", "other.tar.gz"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    assert prune(tmp_path, 0, now=now) == []
    assert [p.name for p in prune(tmp_path, 14, now=now)] == [names[0]]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[1:])


@pytest.mark.django_db(transaction=False)
def test_differences_name_each_table_sequence_and_file():
    manifest = {
        "tables": {"a": {"rows": 1, "sha256": "x"}, "b": {"rows": 2, "sha256": "y"}, "gone": {"rows": 0, "sha256": "z"}},
        "migrations": {"core": ["0001_initial"]},
        "sequences": {"a": 5},
        "files": [{"path": "database.sqlite3", "sha256": "d"}, {"path": "media/f", "sha256": "1"}],
    }
    same = {"migrations": {"core": ["0001_initial"]}, "sequences": {"a": 5}, "media": [{"path": "media/f", "sha256": "1"}]}
    assert mf.differences(manifest, tables=manifest["tables"], **same) == []
    found = mf.differences(
        manifest,
        tables={"a": {"rows": 1, "sha256": "changed"}, "b": {"rows": 3, "sha256": "y"}, "new": {"rows": 0, "sha256": "z"}},
        migrations={},
        sequences={"a": 4},
        media=[],
    )
    assert [d.en for d in found] == [
        "table a: content differs from the backup",
        "table b: 3 rows, expected 2",
        "table gone was not restored",
        "table new is not in the backup",
        "applied migrations differ from the backup",
        "sequence a differs from the backup",
        "uploaded file media/f differs from the backup",
    ]


def test_the_daily_backup_job_writes_an_archive_when_switched_on(db, settings, tmp_path):
    from heluo.core.registry import periodic_jobs

    job = next(j for j in periodic_jobs("daily") if j.name == "backup")
    settings.HELUO_BACKUP_DAILY = False
    assert "skipped" in job.run()
    settings.HELUO_BACKUP_DAILY, settings.HELUO_BACKUP_DIR = True, tmp_path
    result = job.run()
    assert (tmp_path / result["archive"]).exists()
