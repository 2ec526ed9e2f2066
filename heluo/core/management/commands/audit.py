"""The audit log's tamper evidence and retention.

heluo audit verify     recompute every chain; exit 1 and name each changed, missing or inserted row
heluo audit seal       seal rows not yet in their chain (normally done right after each commit)
heluo audit purge      remove rows older than HELUO_AUDIT_RETENTION_DAYS (or --days, at least 180)
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from heluo.core import audit_chain

MIN_RETENTION_DAYS = 180  # the Cybersecurity Law (art. 21) asks network logs to be kept six months or more


class Command(BaseCommand):
    help = "Verify, seal or purge the audit log's hash chains."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="Recompute every chain and report any break.")
        sub.add_parser("seal", help="Seal rows not yet chained.")
        purge = sub.add_parser("purge", help="Remove rows older than the retention period.")
        purge.add_argument("--days", type=int, help="Retention in days (default HELUO_AUDIT_RETENTION_DAYS).")

    def handle(self, *args, action, **options):
        getattr(self, f"do_{action}")(**options)

    def do_verify(self, **options):
        broken = False
        for model in audit_chain.chained_models():
            report = audit_chain.verify(model)
            for problem in report.problems:
                self.stderr.write(problem)
            broken |= not report.ok
            status = "OK" if report.ok else "BROKEN"
            self.stdout.write(
                f"{report.table}\t{status}\t{report.checked} rows\thead #{report.head_seq} {report.head_hash or '-'}"
                f"\t{report.unsealed} not yet sealed"
            )
        if broken:
            raise CommandError("审计日志链校验失败 / the audit chain is broken")

    def do_seal(self, **options):
        self.stdout.write(f"sealed {audit_chain.seal()} rows")

    def do_purge(self, days=None, **options):
        days = days or settings.HELUO_AUDIT_RETENTION_DAYS
        if not days:
            raise CommandError("未设置保留期限 / no retention period: set HELUO_AUDIT_RETENTION_DAYS or pass --days")
        if days < MIN_RETENTION_DAYS:
            raise CommandError(f"审计日志至少保留 {MIN_RETENTION_DAYS} 天 / audit records are kept at least {MIN_RETENTION_DAYS} days")
        for table, count in audit_chain.purge(days).items():
            self.stdout.write(f"{table}\tremoved {count} rows")
