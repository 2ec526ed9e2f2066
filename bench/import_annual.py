#!/usr/bin/env python
"""Benchmark: import N enterprise-annual rows from XLSX on SQLite and PostgreSQL.

Prints rows per second of `heluo import annual` next to the time openpyxl alone needs to read the same
file (the floor any XLSX import stands on), for a first import (all rows new) and a re-import (nothing
changes). Each database runs in its own process on a fresh database.

    .venv/bin/python bench/import_annual.py                 # 100,000 rows, SQLite and PostgreSQL
    .venv/bin/python bench/import_annual.py --rows 20000 --db sqlite
    PG_URL=postgres://postgres@127.0.0.1:5432/heluo_bench  (default) names the PostgreSQL database to recreate
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/heluo_bench")


def recreate_pg(url):
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def worker(rows: int, workdir: Path):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heluo.settings")
    import django

    django.setup()
    import openpyxl

    from heluo.core.codes import make_uscc
    from heluo.core.imports import run_import, template_xlsx
    from heluo.core.permissions import SYSTEM
    from heluo.core.setup import ensure_database
    from heluo.geo.models import Area
    from heluo.orgs.models import EnterpriseAnnual, Organization

    ensure_database()
    areas = list(Area.objects.filter(kind__in=["district", "county"], valid_to__isnull=True).values_list("pk", "code"))
    rng = random.Random(7)
    codes = [make_uscc("9", "1", areas[i % len(areas)][1], f"MB{i:06d}") for i in range(rows)]
    t = time.perf_counter()
    Organization.objects.bulk_create(
        [Organization(name=f"基准企业{i:06d}", uscc=c, area_id=areas[i % len(areas)][0], is_synthetic=True) for i, c in enumerate(codes)],
        batch_size=5000,
    )
    setup_s = time.perf_counter() - t

    path = workdir / f"annual_{rows}.xlsx"
    if not path.exists():
        tpl = openpyxl.load_workbook(__import__("io").BytesIO(template_xlsx("annual")))
        headers = [c.value for c in tpl.worksheets[0][1]]
        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("企业年度数据")
        ws.append(headers)
        for c in codes:
            revenue = rng.randint(500, 500000) / 10
            row = {h: None for h in headers}
            row.update(
                {
                    "统一社会信用代码": c,
                    "年度": 2024,
                    "营业收入（万元）": revenue,
                    "销售收入（万元）": revenue * 0.95,
                    "研发费用总额（万元）": round(revenue * rng.uniform(0.01, 0.08), 2),
                    "职工总数": rng.randint(5, 900),
                }
            )
            row["科技人员数"] = max(1, row["职工总数"] // rng.randint(3, 10))
            row["研发费用-人员人工费用（万元）"] = round(row["研发费用总额（万元）"] * 0.5, 2)
            ws.append([row[h] for h in headers])
        wb.save(path)

    t = time.perf_counter()
    rb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    n = sum(1 for _ in rb.worksheets[0].iter_rows(values_only=True))
    rb.close()
    read_s = time.perf_counter() - t

    t = time.perf_counter()
    first = run_import("annual", path, SYSTEM, via="bench")
    first_s = time.perf_counter() - t
    assert first.ok, first.errors[:5]
    t = time.perf_counter()
    again = run_import("annual", path, SYSTEM, via="bench")
    again_s = time.perf_counter() - t
    assert again.summary["unchanged"] == rows and EnterpriseAnnual.objects.count() == rows
    print(
        json.dumps(
            {
                "rows": rows,
                "read_rows": n - 1,
                "setup_s": setup_s,
                "openpyxl_read_s": read_s,
                "import_s": first_s,
                "reimport_s": again_s,
                "created": first.summary["created"],
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.rows, Path(args.workdir))
        return
    workdir = Path(tempfile.mkdtemp(prefix="heluo-bench-"))
    results = {}
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        env = dict(os.environ, HELUO_VAR_DIR=str(workdir / db))
        if db == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
        else:
            recreate_pg(PG_URL)
            env["DATABASE_URL"] = PG_URL
        print(f"… {db}: {args.rows:,} rows", file=sys.stderr, flush=True)
        out = subprocess.run(
            [sys.executable, __file__, "--worker", "--rows", str(args.rows), "--workdir", str(workdir)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if out.returncode:
            print(out.stderr, file=sys.stderr)
            sys.exit(out.returncode)
        results[db] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"\n{'database':<11}{'rows':>9}{'openpyxl read':>15}{'import':>10}{'rows/s':>10}{'x read':>8}{'re-import':>11}{'rows/s':>10}")
    for db, r in results.items():
        print(
            f"{db:<11}{r['rows']:>9,}{r['openpyxl_read_s']:>14.1f}s{r['import_s']:>9.1f}s{r['rows'] / r['import_s']:>10,.0f}"
            f"{r['import_s'] / r['openpyxl_read_s']:>8.1f}{r['reimport_s']:>10.1f}s{r['rows'] / r['reimport_s']:>10,.0f}"
        )
    print(
        "\nbaseline: 'openpyxl read' is the time to stream the same file with openpyxl alone (read-only mode);"
        "\n'x read' is how many times that floor the whole validated, audited import takes."
    )


if __name__ == "__main__":
    main()
