"""heluo restore ARCHIVE [--yes]   verify, restore the database and uploaded files, then compare with the manifest
heluo restore --check ARCHIVE     verify only (the same as `heluo backup --verify ARCHIVE`)

Stop the web server and the worker first, and start them again afterwards: they must not write meanwhile, and
they may hold what they read before. Exits non-zero when the restored data differ from the manifest.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from heluo.core.backup import restore, verify
from heluo.core.i18n import Refusal
from heluo.core.management.commands.backup import summary
from heluo.core.setup import pending_migrations


class Command(BaseCommand):
    requires_system_checks = []
    help = "Restore the database and the uploaded files from an archive made by `heluo backup`, and check them."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--yes", action="store_true", help="replace a database or media folder that holds data")
        parser.add_argument("--check", action="store_true", help="verify the archive only; change nothing")

    def handle(self, *args, archive, yes, check, **options):
        try:
            if check:
                print(summary(verify(archive)), file=sys.stderr)
                self.stdout.write(f"OK {archive}")
                return
            report = restore(archive, confirm=yes)
        except Refusal as e:
            raise CommandError(e.reason.both) from None
        for difference in report.differences:
            print(difference.both, file=sys.stderr)
        if not report.ok:
            raise CommandError(
                f"恢复后的数据与备份清单不符：{len(report.differences)} 处 / the restored data differ from the manifest: {len(report.differences)}"
            )
        if pending_migrations():
            print(
                "提示 / note: 备份早于当前代码，请运行 heluo migrate / the archive predates this code: run heluo migrate", file=sys.stderr
            )
        self.stdout.write(
            f"OK: {report.tables} 表 / tables, {report.rows} 行 / rows, {report.files} 个上传文件 / uploaded files ({report.created})"
        )
