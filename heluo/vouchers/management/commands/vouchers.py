"""Innovation vouchers from the command line.

    heluo vouchers load [NAME|FILE] [--year Y] [--authority AREA_CODE] [--code CODE]   (default: the example)
    heluo vouchers reconcile [--programme CODE|ID] [--day YYYY-MM-DD] [--json]      the daily report
    heluo vouchers expire [--day YYYY-MM-DD]                                         expire what is due
"""
import datetime as dt
import json
import sys

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Innovation vouchers: load a programme configuration, reconcile the ledger, expire vouchers."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="create or update a programme from a configuration (default: the labelled example)")
        load.add_argument("config", nargs="?", default="example")
        load.add_argument("--year", type=int)
        load.add_argument("--authority", help="issuing area code (default: the city)")
        load.add_argument("--code", help="programme code (default: from the configuration)")
        rec = sub.add_parser("reconcile", help="daily reconciliation: balances from events and the invariants; exit 1 if any is broken")
        rec.add_argument("--programme", help="code or id (default: every programme)")
        rec.add_argument("--day", type=dt.date.fromisoformat, default=None)
        rec.add_argument("--json", dest="as_json", action="store_true", help="print the report as JSON")
        exp = sub.add_parser("expire", help="expire every voucher past its validity; its face value returns to the budget")
        exp.add_argument("--day", type=dt.date.fromisoformat, default=None, help="as if today were this day")

    def handle(self, *args, action, **opts):
        from heluo.core.middleware import acting_as

        with acting_as(None, "cli"):
            getattr(self, f"do_{action}")(**opts)

    def do_load(self, config, year=None, authority=None, code=None, **_):
        from heluo.vouchers.loader import ConfigError, load_programme

        try:
            p = load_programme(config, year=year, authority=authority, code=code)
        except (ConfigError, FileNotFoundError) as e:
            raise CommandError(str(e)) from e
        label = "  【示例配置 / EXAMPLE — not official figures】" if p.is_example else ""
        self.stdout.write(f"programme {p.code} (#{p.pk}) {p.name_zh}: budget {p.budget} yuan, {p.types.count()} voucher types{label}")

    def do_reconcile(self, programme=None, day=None, as_json=False, **_):
        from heluo.vouchers.models import Programme
        from heluo.vouchers.services import reconcile

        qs = Programme.objects.all()
        if programme:
            qs = qs.filter(pk=int(programme)) if programme.isdigit() else qs.filter(code=programme)
            if not qs.exists():
                raise CommandError(f"no programme {programme!r}")
        reports = [reconcile(p, day) for p in qs]
        if as_json:
            self.stdout.write(json.dumps(reports, ensure_ascii=False, indent=2))
        else:
            for r in reports:
                self._print(r)
        if not all(r["ok"] for r in reports):
            sys.exit(1)

    def _print(self, r):
        w = self.stdout.write
        p = r["programme"]
        w(f"== {p['code']} {p['name_zh']}{'  【示例 / EXAMPLE】' if p['is_example'] else ''} · 对账日 / day {r['day']}")
        for label, b in (("期初 opening", r["opening"]), ("期末 closing", r["closing"])):
            w(f"  {label}: budget {b['budget']}  committed {b['committed']}  available {b['available']}  "
              f"redeemed {b['redeemed']}  settled {b['settled']}  payable {b['payable']}")
        for kind, m in r["movements"].items():
            w(f"  {kind:<22}{m['count']:>7}  {m['amount']:>16}")
        for inv in r["invariants"]:
            w(f"  [{'OK' if inv['ok'] else 'FAIL'}] {inv['zh']} / {inv['en']}")
            for v in inv["violations"][:20]:
                w(f"         {v}")
        w(f"  => {'全部不变量成立 / all invariants hold' if r['ok'] else '存在违反 / VIOLATIONS'}")

    def do_expire(self, day=None, **_):
        from heluo.vouchers.services import expire_due

        self.stdout.write(f"expired {expire_due(day)} voucher(s)")
