"""The technology market from the command line.

heluo market match CORPUS.tsv QUERIES.tsv OUT.tsv [--top 10]   match queries to a corpus (stateless, no database)
"""

import json
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    requires_system_checks = []
    help = "Technology market: match queries to a corpus with the platform's matching engine."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        match = sub.add_parser(
            "match",
            help="Match each query of QUERIES.tsv (qid, query) to the records of CORPUS.tsv (doc_id, title, abstract); "
            "write OUT.tsv (qid, rank, doc_id, score). No database.",
        )
        match.add_argument("corpus")
        match.add_argument("queries")
        match.add_argument("output")
        match.add_argument("--top", type=int, default=10, help="suggestions per query (default 10)")

    def handle(self, *args, action, **options):
        getattr(self, f"do_{action}")(**options)

    # --- match: stateless ---
    def do_match(self, corpus, queries, output, top=10, **options):
        from heluo.core.cells import RowError
        from heluo.market.engine.dictionary import taxonomy_words
        from heluo.market.engine.match_tsv import MatchInputError, match_files
        from heluo.taxonomy.reference import HITECH_FILE, INDUSTRY_FILE

        words = taxonomy_words(json.loads(p.read_text(encoding="utf-8")) for p in (INDUSTRY_FILE, HITECH_FILE))
        try:
            records, asked, written = match_files(corpus, queries, output, top=top, words=words)
        except MatchInputError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            self.stderr.write(f"{len(exc.errors)} 处错误，未写出文件 / {len(exc.errors)} error(s), nothing written")
            sys.exit(2)
        except OSError as exc:
            error = RowError(0, "", f"无法写出 {output}：{exc.strerror}", f"cannot write {output}: {exc.strerror}")
            self.stderr.write(f"{error}\n未写出文件 / nothing written")
            sys.exit(2)
        self.stdout.write(f"{asked:,} queries × {records:,} records → {output}: {written:,} rows (top {top})")
