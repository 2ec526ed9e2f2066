"""heluo cultivation evaluate --ruleset NAME --year Y [--as-of YYYY-MM-DD]"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from heluo.cultivation.engine.rules import RuleSetError, load_ruleset, ruleset_names


class Command(BaseCommand):
    help = "Enterprise cultivation: evaluate all enterprises of a year against a rule set and store the run."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ev = sub.add_parser("evaluate", help="evaluate every enterprise and print counts and the diff with the previous run")
        ev.add_argument("--ruleset", required=True, help=f"one of: {', '.join(ruleset_names())}")
        ev.add_argument("--year", required=True, type=int, help="year of application/evaluation")
        ev.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="date qualifications are checked on")

    def handle(self, *args, action, **opts):
        from heluo.cultivation.selectors.runs import close_share, diff_runs
        from heluo.cultivation.services.evaluation import run_evaluation

        try:
            rs = load_ruleset(opts["ruleset"])
        except RuleSetError as e:
            raise CommandError(str(e)) from e
        run = run_evaluation(None, rs, year=opts["year"], as_of=opts["as_of"])
        w = self.stdout.write
        w(f"run #{run.pk}: {rs.name} {rs.version} year {run.year} as of {run.as_of}")
        w(f"enterprises {run.total}  pass {run.passed}  fail {run.failed}  undetermined {run.undetermined}")
        previous = run.previous()
        if previous is None:
            w("no previous run to compare with")
            return
        d = diff_runs(run, previous)
        w(f"compared with run #{previous.pk} (close = within {close_share():.0%} of every failed threshold):")
        for label, items in (("newly qualified", d.newly_qualified), ("lost", d.lost), ("newly close", d.newly_close)):
            w(f"  {label}: {len(items)}")
            for r in items:
                w(f"    {r.organization.uscc or r.organization_id}  {r.organization.name}  {r.failed}")
