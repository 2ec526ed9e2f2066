"""heluo assign SCORES.csv OUT.csv --k K --min-load A --max-load B [--conflicts C.csv] [--groups G.csv]

The exact reviewer assignment of the platform (heluo/projects/engine/assignment.py) on openreview-matcher's files,
stateless (no database). Exit code 0: written; 1: no assignment satisfies the constraints; 2: bad input.
"""

import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    requires_system_checks = []
    help = (
        "Assign k reviewers to every proposal of SCORES.csv (proposal,reviewer,score), each reviewer between --min-load "
        "and --max-load, no conflict, with the best total score (exact, min-cost flow); write OUT.csv. No database."
    )

    def add_arguments(self, parser):
        parser.add_argument("scores", help="proposal,reviewer,score lines (openreview-matcher's format; header optional)")
        parser.add_argument("output", help="written: proposal,reviewer,score, one line per assignment")
        parser.add_argument("--k", type=int, required=True, help="reviewers per proposal")
        parser.add_argument("--min-load", type=int, required=True, help="fewest proposals per reviewer")
        parser.add_argument("--max-load", type=int, required=True, help="most proposals per reviewer")
        parser.add_argument("--conflicts", help="proposal,reviewer,-1 lines: never assigned")
        parser.add_argument("--groups", help="reviewer,group lines (employers): at most one reviewer of a group per proposal")

    def handle(self, *args, scores, output, k, min_load, max_load, conflicts=None, groups=None, **options):
        from heluo.core.cells import RowError
        from heluo.projects.engine.assign_csv import AssignInputError, assign_files
        from heluo.projects.engine.assignment import AssignmentError, Infeasible

        try:
            result, scored, banned = assign_files(scores, output, k, min_load, max_load, conflicts, groups)
        except AssignInputError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            self.stderr.write(f"{len(exc.errors)} 处错误，未写出文件 / {len(exc.errors)} error(s), nothing written")
            sys.exit(2)
        except Infeasible as exc:
            self.stderr.write(f"无法分配：{exc.zh}。未写出文件 / No assignment: {exc.en}. Nothing written.")
            sys.exit(1)
        except AssignmentError as exc:
            self.stderr.write(f"{exc.zh}，未写出文件 / {exc.en}, nothing written")
            sys.exit(2)
        except OSError as exc:
            error = RowError(0, "", f"无法写出 {output}：{exc.strerror}", f"cannot write {output}: {exc.strerror}")
            self.stderr.write(f"{error}\n未写出文件 / nothing written")
            sys.exit(2)
        loads = result.loads.values()
        self.stdout.write(
            f"{len({p.proposal for p in result.pairs}):,} proposals × {len(result.loads):,} reviewers, {scored:,} scored pairs "
            f"({banned:,} conflicts left out) → {output}: {len(result.pairs):,} assignments, total score {result.total:.6f}, "
            f"loads {min(loads)}–{max(loads)}, solved in {result.seconds:.2f} s"
        )
