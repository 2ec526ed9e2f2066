"""heluo purge-uploads [--days N]: delete uploaded import files past their retention (also one of the daily jobs)."""

from django.core.management.base import BaseCommand

from heluo.core.jobs import purge_uploads


class Command(BaseCommand):
    help = "Delete uploaded import files older than HELUO_UPLOAD_RETENTION_DAYS; the import records stay."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="retention in days (default: HELUO_UPLOAD_RETENTION_DAYS; 0 keeps all)")

    def handle(self, *args, days, **options):
        out = purge_uploads(days)
        self.stdout.write(
            f"已删除 {out['purged']} 个导入文件 / deleted {out['purged']} uploaded file(s) (retention {out['retention_days']} days)"
        )
