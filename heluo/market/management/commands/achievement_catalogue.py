"""The catalogue of achievements (科技成果目录) from the command line, e.g. each quarter from cron:

heluo achievement_catalogue --from 2026-10-01 --to 2026-12-31 [--field 8] [--cluster CODE] [--format docx|xlsx] --output FILE

Published achievements only (what the public sees), as the catalogue page writes them.
"""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from heluo.core.audit import log_export
from heluo.market.selectors import achievements
from heluo.market.selectors.achievement_catalogue import catalogue_docx, catalogue_xlsx, selection_text
from heluo.taxonomy.models import Cluster, HitechField


class Command(BaseCommand):
    help = "Write the catalogue of published achievements (Word or Excel) for a field, a cluster and a period."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", type=dt.date.fromisoformat, help="published on or after (YYYY-MM-DD)")
        parser.add_argument("--to", dest="end", type=dt.date.fromisoformat, help="published on or before (YYYY-MM-DD)")
        parser.add_argument("--field", help="high-tech field code (a top-level field includes its sub-fields)")
        parser.add_argument("--cluster", help="cluster code")
        parser.add_argument("--format", choices=["docx", "xlsx"], default=None, help="default: from the output's suffix")
        parser.add_argument("--output", required=True, help="the file to write")
        parser.add_argument("--title", default="科技成果目录")

    def handle(self, *args, start, end, field, cluster, format, output, title, **options):
        path = Path(output)
        fmt = format or path.suffix.lstrip(".").lower()
        if fmt not in ("docx", "xlsx"):
            raise CommandError("--format docx or xlsx (or an output ending .docx / .xlsx)")
        if start and end and end < start:
            raise CommandError("--to is before --from")
        filters, field_row, cluster_row = {}, None, None
        if field:
            field_row = HitechField.objects.filter(code=field, parent=None).first()
            if field_row is None:
                raise CommandError(f"unknown top-level high-tech field code {field!r}")
            filters["hitech_field"] = field_row.pk
        if cluster:
            found = list(Cluster.objects.filter(code=cluster)[:2])
            if len(found) != 1:
                raise CommandError(f"unknown cluster code {cluster!r}")
            cluster_row = found[0]
            filters["cluster"] = cluster_row.pk
        if start:
            filters["published_from"] = start.isoformat()
        if end:
            filters["published_to"] = end.isoformat()
        rows = achievements.catalogue(filters)
        selection = selection_text(field_row, cluster_row, start, end)
        content = (catalogue_docx if fmt == "docx" else catalogue_xlsx)(rows, title, selection)
        path.write_bytes(content)
        count = rows.count()
        log_export(path.name, count)
        self.stdout.write(f"{path}: {count} 项成果 / achievements ({selection})")
