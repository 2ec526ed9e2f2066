"""`heluo demo`: a synthetic Luoyang ecosystem (2019–2024), the demo accounts, then the server."""

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from heluo.core.batch import collect_rarely
from heluo.core.setup import ensure_database, refresh_planner_statistics
from heluo.demo.accounts import API_KEY


class Command(BaseCommand):
    help = "Build the synthetic Luoyang demo data (once), print the demo accounts and serve."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="build and print, but do not start the server")
        parser.add_argument(
            "--size",
            choices=["small", "city", "province"],
            default="city",
            help="city: ~4,800 enterprises 2019–2024 (default); province: ~100,000 for benchmarks; small: ~300 for tests",
        )
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--reset", action="store_true", help="delete the demo records first, then build again")
        parser.add_argument("--seed", type=int, default=None, help="random seed (default 2024): same seed, same data")

    def handle(self, *args, no_serve, size, port, host, reset, seed, **options):
        from heluo.demo import accounts, generator

        with collect_rarely(), generator.unsynced_while_new():
            ensure_database(verbose=True)
            if reset:
                started = time.monotonic()
                generator.reset(accounts.USERNAMES)
                self.stdout.write(f"已删除演示数据 / demo data deleted ({time.monotonic() - started:.1f} s)")
            if generator.demo_exists():
                self.stdout.write(
                    "演示数据已存在，未改动（--reset 可重建） / demo data already present, left unchanged (--reset rebuilds it)"
                )
            else:
                self.stdout.write(f"正在生成演示数据 / generating the demo data (size {size}) …")
                counts = generator.generate(size, seed if seed is not None else generator.DEFAULT_SEED, log=self.stdout.write)
                self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
                refresh_planner_statistics(bulk_load=True)
            rows = accounts.ensure_accounts()
            from heluo.demo.cultivation import build_demo_cultivation

            pools = build_demo_cultivation(log=self.stdout.write)
            from heluo.demo.contracts import build_demo_contracts
            from heluo.demo.demands import build_demo_demands
            from heluo.demo.vouchers import build_demo_vouchers

            contracts = build_demo_contracts(log=self.stdout.write)
            made = build_demo_demands(log=self.stdout.write)
            vouchers = build_demo_vouchers(log=self.stdout.write)
            from heluo.demo.achievements import build_demo_achievements
            from heluo.demo.brokering import build_demo_brokering

            achievements = build_demo_achievements(log=self.stdout.write, size=size)
            brokered = build_demo_brokering(log=self.stdout.write)  # on the demands, achievements and contracts above
            from heluo.demo.projects import build_demo_projects

            projects = build_demo_projects(log=self.stdout.write, size=size)
            from heluo.demo.carriers import build_demo_carriers

            carriers = build_demo_carriers(log=self.stdout.write, size=size)
            from heluo.demo.talent import build_demo_talent

            talents = build_demo_talent(log=self.stdout.write, size=size)
            from heluo.demo.instruments import build_demo_instruments

            instruments = build_demo_instruments(log=self.stdout.write, size=size)
            from heluo.demo.incubation import build_demo_incubation

            incubated = build_demo_incubation(log=self.stdout.write, size=size)
            if (
                achievements
                or brokered
                or vouchers
                or pools
                or contracts
                or made
                or projects
                or carriers
                or talents
                or instruments
                or incubated
            ):
                refresh_planner_statistics(bulk_load=True)  # pools, runs, vouchers, the market and their change log are new too
        self.print_accounts(rows, host, port)
        if not no_serve:
            call_command("serve", port=port, host=host)

    def print_accounts(self, rows, host, port):
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        w = self.stdout.write
        w("")
        w(f"河洛演示平台 / Heluo demo: http://{shown}:{port}/")
        w(f"API 令牌（staff）/ API token for staff: {API_KEY}")
        w("")
        header = ("用户名 / username", "密码 / password", "角色 / role", "范围 / scope")
        widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(4)]
        for row in [header, tuple("-" * n for n in widths), *rows]:
            w("  ".join(_pad(cell, width) for cell, width in zip(row, widths)).rstrip())
        w("")
        if settings.HELUO_2FA_ROLES:
            w(f"双因素登录 / two-factor sign-in: {', '.join(settings.HELUO_2FA_ROLES)}")
            w("  首次登录时用身份验证器应用扫码设置 / set up with an authenticator app at the first sign-in;")
            w("  本机试用可设 HELUO_2FA_ROLES= 关闭 / for a local trial, HELUO_2FA_ROLES= switches it off.")
            w("")


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
