import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from heluo.core.imports import load_kinds, run_import
from heluo.core.permissions import SYSTEM


class Command(BaseCommand):
    requires_system_checks = []
    help = "Import a registry file (XLSX or CSV). The whole file is checked first; all rows are written or none."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(load_kinds()))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check everything and report, write nothing")
        parser.add_argument("--user", help="import with this user's scope (default: the bureau's full authority)")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, kind, file, dry_run, user, quiet, **options):
        actor = SYSTEM
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"用户不存在 / no such user: {user}")
        started = time.monotonic()
        last = [0.0]
        tty = sys.stderr.isatty()

        def progress(phase, done, total):
            now = time.monotonic()
            if quiet or (not tty and not total) or now - last[0] < (0.2 if tty else 2):
                return
            last[0] = now
            shown = f"{phase} {done}/{total}" if total else phase
            print(f"\r{shown:<40}" if tty else shown, end="" if tty else "\n", file=sys.stderr, flush=True)

        try:
            result = run_import(kind, file, actor if user else SYSTEM, dry_run=dry_run, progress=progress, via="cli")
        except FileNotFoundError:
            raise CommandError(f"文件不存在 / file not found: {file}") from None
        if tty and not quiet:
            print(f"\r{'':<40}\r", end="", file=sys.stderr)
        for w in result.warnings:
            print(f"提示 / note: {w['message_zh']} / {w['message_en']}", file=sys.stderr)
        if not result.ok:
            for e in result.errors:
                where = " ".join(p for p in (e["sheet"], f"第{e['row']}行 row {e['row']}" if e["row"] else "", e["column"]) if p)
                value = f" [{e['value']}]" if e.get("value") else ""
                print(f"{where}{value}: {e['message_zh']} / {e['message_en']}", file=sys.stderr)
            print(
                f"导入被拒绝，数据库未改动：{len(result.errors)}处错误 / import rejected, database untouched: {len(result.errors)} errors",
                file=sys.stderr,
            )
            sys.exit(1)
        s = result.summary
        verb = "校验通过（未写入）/ checked, nothing written (dry run)" if dry_run else "导入完成 / imported"
        self.stdout.write(
            f"{verb}: {result.total_rows} 行 rows; 新增 created {s.get('created', 0)}, 更新 updated {s.get('updated', 0)}, "
            f"未变 unchanged {s.get('unchanged', 0)} ({time.monotonic() - started:.1f}s)"
        )
