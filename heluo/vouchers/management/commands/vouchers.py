"""Innovation vouchers from the command line.

heluo vouchers load [NAME|FILE] [--year Y] [--authority AREA_CODE] [--code CODE]   (default: the example)
heluo vouchers reconcile [--programme CODE|ID] [--day YYYY-MM-DD] [--json]      the daily report
heluo vouchers expire [--day YYYY-MM-DD]                                         expire what is due
heluo vouchers risk-scan [--programme CODE|ID] [--json]                          raise risk flags for review
heluo vouchers partner add --code C --name N --base-url URL --secret-env VAR|--secret-file F|--secret-ref VAR --model tongdui|tongyong
heluo vouchers partner list | partner sync --partner C                            partner cities; refresh uses of their vouchers
heluo vouchers partner-statement --partner C --from D --to D [--json]            what each city owes for a period
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
        risk = sub.add_parser(
            "risk-scan", help="run the risk checks (heluo.vouchers.services.risk) and raise flags for the bureau's review"
        )
        risk.add_argument("--programme", help="code or id (default: every programme)")
        risk.add_argument("--json", dest="as_json", action="store_true", help="print the counts as JSON")
        self.add_partner_arguments(sub)  # cross-city (see the block at the end)

    def handle(self, *args, action, **opts):
        from heluo.core.middleware import acting_as

        with acting_as(None, "cli"):
            getattr(self, f"do_{action.replace('-', '_')}")(**opts)  # risk-scan → do_risk_scan

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
        from heluo.vouchers.selectors import reconcile

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
            w(
                f"  {label}: budget {b['budget']}  committed {b['committed']}  available {b['available']}  "
                f"redeemed {b['redeemed']}  settled {b['settled']}  payable {b['payable']}"
            )
        for kind, m in r["movements"].items():
            w(f"  {kind:<22}{m['count']:>7}  {m['amount']:>16}")
        for inv in r["invariants"]:
            w(f"  [{'OK' if inv['ok'] else 'FAIL'}] {inv['zh']} / {inv['en']}")
            for v in inv["violations"][:20]:
                w(f"         {v}")
        w(f"  => {'全部不变量成立 / all invariants hold' if r['ok'] else '存在违反 / VIOLATIONS'}")

    def do_expire(self, day=None, **_):
        from heluo.vouchers.services import expire_due

        self.stdout.write(f"expired {expire_due(None, today=day)} voucher(s)")

    def do_risk_scan(self, programme=None, as_json=False, **_):
        from heluo.vouchers.models import Programme
        from heluo.vouchers.services.risk import scan

        target = None
        if programme:
            target = Programme.objects.filter(**({"pk": int(programme)} if programme.isdigit() else {"code": programme})).first()
            if target is None:
                raise CommandError(f"no programme {programme!r}")
        result = scan(None, programme=target)
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"风险检查 / risk scan{' ' + target.code if target else ''}: {result['findings']} finding(s); "
            f"新建 created {result['created']}, 更新 updated {result['updated']}, 未变 unchanged {result['unchanged']}, "
            f"重新打开 reopened {result['reopened']}, 保持已清除 kept cleared {result['kept_cleared']}, "
            f"不再出现 no longer found {result['no_longer_found']}; 待审查 open {result['open']}"
        )
        for kind, n in result["by_kind"].items():
            self.stdout.write(f"  {kind:<18}{n:>6}")

    # --- cross-city: partner cities (heluo.vouchers.services.crosscity) ------------------------------------------

    def add_partner_arguments(self, sub):
        partner = sub.add_parser(
            "partner", help="partner cities: add or update one, list them, refresh our providers' uses of their vouchers"
        )
        psub = partner.add_subparsers(dest="partner_action", required=True)
        add = psub.add_parser("add", help="create or update a partner city (by code); the secret is never printed")
        add.add_argument("--code", required=True, help="the partner's code in signed calls (e.g. its area code; at most 12 characters)")
        add.add_argument("--name", required=True)
        add.add_argument("--base-url", required=True, help="where the partner's platform answers, e.g. https://kj.example.gov.cn")
        secret = add.add_mutually_exclusive_group(required=True)
        secret.add_argument("--secret-env", metavar="VAR", help="read the shared secret from this environment variable and store it")
        secret.add_argument("--secret-file", metavar="PATH", help="read the shared secret from this file and store it")
        secret.add_argument("--secret-ref", metavar="VAR", help="store only a reference: the platform reads VAR at every call")
        add.add_argument(
            "--model",
            required=True,
            choices=["tongdui", "tongyong"],
            help="tongdui (通兑): the partner's providers redeem our vouchers; tongyong (通用): the enterprise pays and is reimbursed at home",
        )
        add.add_argument("--our-code", default="", help="how the partner knows us (default: our city's area code)")
        add.add_argument("--terms", default="", help="settlement terms as agreed (text)")
        add.add_argument("--period-days", type=int, help="settlement period in days")
        add.add_argument("--inactive", action="store_true", help="configure, but accept and make no calls")
        psub.add_parser("list", help="list the partner cities")
        sync = psub.add_parser("sync", help="ask the partner how our providers' uses of its vouchers stand (decisions, payments)")
        sync.add_argument("--partner", required=True, help="partner code")
        st = sub.add_parser("partner-statement", help="the settlement statement with a partner city: what each city owes for a period")
        st.add_argument("--partner", required=True, help="partner code")
        st.add_argument("--from", dest="start", required=True, type=dt.date.fromisoformat, help="first day (YYYY-MM-DD)")
        st.add_argument("--to", dest="end", required=True, type=dt.date.fromisoformat, help="last day, inclusive")
        st.add_argument("--json", dest="as_json", action="store_true", help="print the statement as JSON")

    def do_partner(self, partner_action, **opts):
        from heluo.vouchers.services import Refused

        try:
            getattr(self, f"partner_{partner_action}")(**opts)
        except Refused as r:
            raise CommandError(r.text) from None

    def partner_add(
        self,
        code,
        name,
        base_url,
        model,
        secret_env=None,
        secret_file=None,
        secret_ref=None,
        our_code="",
        terms="",
        period_days=None,
        inactive=False,
        **_,
    ):
        import os
        from pathlib import Path

        from heluo.vouchers.selectors.partners import home_code
        from heluo.vouchers.services.crosscity import configure_partner

        if secret_env:
            secret = os.environ.get(secret_env, "")
            if not secret:
                raise CommandError(f"environment variable {secret_env} is empty or not set")
        elif secret_file:
            secret = Path(secret_file).read_text(encoding="utf-8").strip()
        else:
            secret = f"env:{secret_ref}"
        p = configure_partner(
            code, name, base_url, secret, model=model, our_code=our_code, terms=terms, period_days=period_days, active=not inactive
        )
        self.stdout.write(
            f"partner {p.code} {p.name} ({p.redemption_model}{'' if p.active else ', inactive'}) at {p.base_url}; "
            f"we are {home_code(p)} there; area {p.area.code}"
        )

    def partner_list(self, **_):
        from heluo.vouchers.models import PartnerCity
        from heluo.vouchers.selectors.partners import home_code

        for p in PartnerCity.objects.order_by("code"):
            self.stdout.write(
                f"{p.code}\t{p.name}\t{p.redemption_model}\t{'active' if p.active else 'inactive'}\t{p.base_url}\tus={home_code(p)}"
            )

    def partner_sync(self, partner, **_):
        from heluo.vouchers.selectors.partners import partner_by_code
        from heluo.vouchers.services.partner_uses import sync_partner

        counts = sync_partner(partner_by_code(partner))
        self.stdout.write(f"refreshed {counts['refreshed']}, failed {counts['failed']}")
        if counts["failed"]:
            sys.exit(1)

    def do_partner_statement(self, partner, start, end, as_json=False, **_):
        from heluo.vouchers.selectors.partners import partner_by_code, settlement_statement
        from heluo.vouchers.services import Refused

        try:
            st = settlement_statement(partner_by_code(partner), start, end)
        except Refused as r:
            raise CommandError(r.text) from None
        if as_json:
            self.stdout.write(json.dumps(st, ensure_ascii=False, indent=2))
            return
        w, p = self.stdout.write, st["partner"]
        w(
            f"== 与{p['name']}（{p['code']}）的结算单 / settlement statement with {p['name']} · {st['period']['from']} – {st['period']['to']} · {p['redemption_model']}"
        )
        for key, zh, en in (
            ("we_owe", "我方应付：本市创新券在对方服务机构兑付", "we owe: our vouchers redeemed at the partner's providers"),
            ("partner_owes", "对方应付：对方创新券在本市服务机构兑付", "the partner owes: its vouchers redeemed at our providers"),
        ):
            part = st[key]
            w(f"  {zh} / {en}: {part['count']} line(s), total {part['total']}, paid {part['paid']}, outstanding {part['outstanding']}")
            for line in part["lines"]:
                w(
                    f"    {line['voucher']:<24} {line['provider']['name'][:24]:<24} {line['amount']:>14} paid {line['paid']:>14}  {line['reference']} ↔ {line['partner_reference']}"
                )
        w(f"  净额 / net (+ = the partner owes us): {st['net']}; outstanding {st['net_outstanding']}")
