"""heluo jobs list | daily [--now] | run NAME [--now]

The periodic jobs that the apps register (heluo.core.registry.PeriodicJob). Without --now a job is queued for
the worker (`heluo worker`), which records its status and result (the jobs page); with --now it runs here.
A scheduler queues the daily ones, e.g. cron:  0 2 * * *  heluo jobs daily
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from heluo.core import jobs
from heluo.core.registry import periodic_jobs


class Command(BaseCommand):
    help = "Background jobs: list the periodic jobs, queue the daily ones for the worker (cron), or run one now."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="the periodic jobs, in the order they run")
        daily = sub.add_parser("daily", help="queue every daily job for `heluo worker` (cron: 0 2 * * * heluo jobs daily)")
        daily.add_argument("--now", action="store_true", help="run them here, one after the other, instead")
        run = sub.add_parser("run", help="queue one job for the worker")
        run.add_argument("name")
        run.add_argument("--now", action="store_true", help="run it here instead")

    def handle(self, *args, action, **opts):
        if action == "list":
            for j in periodic_jobs():
                self.stdout.write(f"{j.name:<22}{j.schedule:<8}{j.label}")
            return
        names = [j.name for j in periodic_jobs("daily")] if action == "daily" else [opts["name"]]
        try:
            for name in names:
                jobs.periodic_job(name)
        except KeyError as e:
            raise CommandError(e.args[0]) from None
        failed = 0
        for name in names:
            if not opts["now"]:
                result = jobs.enqueue(name)
                self.stdout.write(f"{name}: queued ({result.id})")
                continue
            try:
                result = jobs.run_periodic_job.call(name)
            except jobs.JobFailed as e:
                failed += 1
                self.stderr.write(f"{name}: FAILED {e}")
            else:
                self.stdout.write(f"{name}: {json.dumps(result, ensure_ascii=False)}")
        if failed:
            sys.exit(1)
