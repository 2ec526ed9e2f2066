from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from heluo.core.audit import log_export
from heluo.core.exports import export_xlsx
from heluo.core.imports import load_kinds, template_xlsx
from heluo.core.permissions import SYSTEM


class Command(BaseCommand):
    requires_system_checks = []
    help = "Export a registry list to XLSX (in the import template's columns), or write an empty template."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(load_kinds()))
        parser.add_argument("file")
        parser.add_argument("--template", action="store_true", help="write the empty import template instead")
        parser.add_argument("--user", help="export only what this user may see")

    def handle(self, *args, kind, file, template, user, **options):
        if template:
            data = template_xlsx(kind)
        else:
            actor = SYSTEM
            if user:
                actor = get_user_model().objects.filter(username=user).first()
                if actor is None:
                    raise CommandError(f"用户不存在 / no such user: {user}")
            spec = load_kinds()[kind]
            data = export_xlsx(kind, spec.export_queryset(actor), actor)
        Path(file).write_bytes(data)
        log_export(Path(file).name, getattr(data, "rows", None), kind=kind)
        self.stdout.write(f"已写入 / written: {file}")
