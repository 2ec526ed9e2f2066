import sys

from django.core.management.base import BaseCommand

from heluo.core.codes import check_uscc


class Command(BaseCommand):
    requires_system_checks = []
    help = "Check 统一社会信用代码 (GB 32100-2015): one line per code, `valid` or `invalid` and the reason."

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="+", metavar="CODE")

    def handle(self, *args, codes, **options):
        bad = 0
        for raw in codes:
            result = check_uscc(raw)
            if result.valid:
                self.stdout.write(f"{raw}\tvalid")
            else:
                bad += 1
                self.stdout.write(f"{raw}\tinvalid\t{result.reason}")
        if bad:
            sys.exit(1)
