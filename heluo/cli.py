"""The `heluo` command: our own verbs, and every Django management command through the same entry point.

    heluo import KIND FILE [--dry-run]     heluo export KIND FILE
    heluo check-uscc CODE...               heluo serve [--port N] [--no-worker]
    heluo worker                           heluo jobs list | daily [--now] | run NAME [--now]
    heluo demo [--no-serve] [--size city|province]
    heluo qualify --ruleset NAME --year Y INPUT.csv OUTPUT.csv
    heluo market match CORPUS.tsv QUERIES.tsv OUT.tsv [--top N]   (no database)
    heluo assign SCORES.csv OUT.csv --k K --min-load A --max-load B [--conflicts C.csv] [--groups G.csv]   (no database)
    heluo backup [--output DIR_OR_FILE] [--keep-days N] | --verify ARCHIVE
    heluo restore ARCHIVE [--yes] | --check ARCHIVE
    heluo rotate-field-key                 (after a new HELUO_FIELD_KEY, the former one in HELUO_FIELD_KEYS_OLD)
    heluo migrate | createsuperuser | ...  (Django)

Every command honours DATABASE_URL and creates the schema (and reference data) it needs.
"""

import os
import sys

# Our verbs → management command names (Python modules cannot be called `import`).
ALIASES = {
    "import": "import_data",
    "export": "export_data",
    "check-uscc": "check_uscc",
    "load-reference": "load_reference",
    "worker": "db_worker",  # django-tasks' database worker: runs the queued background jobs
    "purge-uploads": "purge_uploads",
    "rotate-field-key": "rotate_field_key",
}
NO_DATABASE = {"check_uscc", "assign", "help", "version", "makemigrations", "compilemessages", "makemessages", "collectstatic", "check"}
# Commands that take the database as it is: a backup copies it unchanged, a restore replaces it (set-up steps would
# first fill an empty one with reference data, and then it would no longer be empty).
NO_DATABASE |= {"backup", "restore"}
# Subcommands that need no database although their command does (`heluo plan measure IN.csv OUT.csv`,
# `heluo market match CORPUS.tsv QUERIES.tsv OUT.tsv`).
NO_DATABASE_SUBCOMMANDS = {("plan", "measure"), ("market", "match")}


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "qualify":  # stateless and pure: no Django, no database
        from heluo.cultivation.qualify_csv import main as qualify

        sys.exit(qualify(argv[1:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heluo.settings")
    import django

    django.setup()
    from django.core.management import execute_from_command_line

    if argv and argv[0] in ALIASES:
        argv[0] = ALIASES[argv[0]]
    if not argv:
        argv = ["help"]
    wants_help = any(a in ("-h", "--help") for a in argv)
    if (
        not wants_help
        and argv[0] not in NO_DATABASE
        and tuple(argv[:2]) not in NO_DATABASE_SUBCOMMANDS
        and not argv[0].startswith("-")
        and argv[0] not in ("migrate", "load_reference", "demo")  # the demo sets up its database itself, as a batch
    ):
        from heluo.core.setup import ensure_database

        ensure_database(verbose=argv[0] == "serve")
    execute_from_command_line(["heluo", *argv])


if __name__ == "__main__":
    main()
