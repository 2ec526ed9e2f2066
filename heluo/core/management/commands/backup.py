"""heluo backup [--output DIR_OR_FILE] [--keep-days N]   one archive: database, uploaded files, manifest
heluo backup --verify ARCHIVE                          check an archive's hashes without restoring it

The archive's path is printed on standard output (for a scheduler's script); what it holds goes to standard error.
"""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from heluo.core.backup import backup, prune, verify
from heluo.core.i18n import Refusal


class Command(BaseCommand):
    requires_system_checks = []
    help = "Write one archive of the database and the uploaded files (mode 0600), or --verify an archive."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", help="a file ending in .tar.gz, or a folder where the archive gets a dated name (default HELUO_BACKUP_DIR)"
        )
        parser.add_argument(
            "--keep-days",
            type=int,
            default=None,
            help="then delete archives in the same folder older than N days (default HELUO_BACKUP_KEEP_DAYS; 0 keeps all)",
        )
        parser.add_argument("--verify", dest="verify_path", metavar="ARCHIVE", help="check this archive instead of writing one")

    def handle(self, *args, output, keep_days, verify_path, **options):
        try:
            if verify_path:
                print(summary(verify(verify_path)), file=sys.stderr)
                self.stdout.write(f"OK {verify_path}")
                return
            path = backup(output)
        except Refusal as e:
            raise CommandError(e.reason.both) from None
        removed = prune(path.parent, settings.HELUO_BACKUP_KEEP_DAYS if keep_days is None else keep_days)
        for old in removed:
            print(f"已删除过期备份 / deleted expired archive: {old}", file=sys.stderr)
        self.stdout.write(str(path))


def summary(manifest: dict) -> str:
    tables = manifest["tables"]
    rows = sum(t["rows"] for t in tables.values())
    files = sum(1 for f in manifest["files"] if f["path"].startswith("media/"))
    return (
        f"备份时间 / made {manifest['created']} · {manifest['engine']['name']} {manifest['engine']['server_version']} · "
        f"heluo {manifest['heluo_version']} · {len(tables)} 表 / tables · {rows} 行 / rows · {files} 个上传文件 / uploaded files"
    )
