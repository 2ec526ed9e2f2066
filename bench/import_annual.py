#!/usr/bin/env python
"""Benchmark: import N enterprise-annual rows from XLSX on SQLite and PostgreSQL.

The anchor is python-calamine's read of the same file (`CalamineWorkbook.from_path(p).get_sheet_by_index(0)
.to_python()`, median of three, measured in the same process just before): every figure is printed as a ratio
to it, for a first import (all rows new) and a re-import of the same file (nothing changes, nothing is
written). The goal on PostgreSQL is ≤ 3× for both. Also shown: openpyxl's read-only read of the file (the old
reader), and the part of the first import spent sealing the 100,000 change records into the audit chain.
Each database runs in its own process on a fresh database; the change log is verified after the imports.

    .venv/bin/python bench/import_annual.py                 # 100,000 rows, SQLite and PostgreSQL
    .venv/bin/python bench/import_annual.py --rows 20000 --db sqlite
    PG_URL=postgres://postgres@127.0.0.1:5432/heluo_bench  (default) names the PostgreSQL database to recreate
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/heluo_bench")


def add_dimension(path, ref):
    """openpyxl's write-only mode leaves out the sheet's <dimension> record, which Excel and WPS always write and
    without which an import refuses a large sheet: put it in, where the schema wants it (before <sheetViews>)."""
    import zipfile

    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetViews>", f'<dimension ref="{ref}"/><sheetViews>'.encode(), 1)
            dst.writestr(info, data)
    tmp.replace(path)


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
    from openpyxl.utils import get_column_letter
    from python_calamine import CalamineWorkbook

    from heluo.core import audit_chain
    from heluo.core.codes import make_uscc
    from heluo.core.imports import run_import, template_xlsx
    from heluo.core.models import ObjectChange
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
        add_dimension(path, f"A1:{get_column_letter(len(headers))}{rows + 1}")

    t = time.perf_counter()
    rb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    n = sum(1 for _ in rb.worksheets[0].iter_rows(values_only=True))
    rb.close()
    openpyxl_s = time.perf_counter() - t

    def calamine_read():
        reads = []
        for _ in range(3):
            t = time.perf_counter()
            CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
            reads.append(time.perf_counter() - t)
        return statistics.median(reads)

    sealing = []
    chain_new = audit_chain.chain_new

    def timed_chain_new(*args):
        t = time.perf_counter()
        try:
            return chain_new(*args)
        finally:
            sealing.append(time.perf_counter() - t)

    audit_chain.chain_new = timed_chain_new
    read_s = calamine_read()
    logged = ObjectChange.objects.count()
    t = time.perf_counter()
    first = run_import("annual", path, SYSTEM, via="bench")
    first_s = time.perf_counter() - t
    assert first.ok, first.errors[:5]
    again_read_s = calamine_read()
    changes = ObjectChange.objects.count()
    reimports = []
    for _ in range(3):  # nothing changes, so it can be measured again: the median of three
        t = time.perf_counter()
        again = run_import("annual", path, SYSTEM, via="bench")
        reimports.append(time.perf_counter() - t)
        assert again.summary["unchanged"] == rows and EnterpriseAnnual.objects.count() == rows
    again_s = statistics.median(reimports)
    assert ObjectChange.objects.count() == changes == logged + rows  # one record per row created, none for the re-import
    report = audit_chain.verify(ObjectChange)
    assert report.ok and report.unsealed == 0, report.problems[:3]
    print(
        json.dumps(
            {
                "rows": rows,
                "read_rows": n - 1,
                "setup_s": setup_s,
                "openpyxl_read_s": openpyxl_s,
                "calamine_read_s": read_s,
                "import_s": first_s,
                "sealing_s": sum(sealing),
                "calamine_read_again_s": again_read_s,
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
    print(
        f"\n{'database':<11}{'rows':>9}{'calamine':>10}{'openpyxl':>10}{'import':>9}{'× read':>8}{'sealing':>9}"
        f"{'re-import':>11}{'× read':>8}"
    )
    for db, r in results.items():
        print(
            f"{db:<11}{r['rows']:>9,}{r['calamine_read_s']:>9.2f}s{r['openpyxl_read_s']:>9.1f}s{r['import_s']:>8.2f}s"
            f"{r['import_s'] / r['calamine_read_s']:>8.2f}{r['sealing_s']:>8.2f}s{r['reimport_s']:>10.2f}s"
            f"{r['reimport_s'] / r['calamine_read_again_s']:>8.2f}"
        )
    print(
        "\nanchor: 'calamine' is python-calamine's read of the same file (median of three, in the same process just before;"
        "\nthe re-import, median of three, uses reads measured just before it); '× read' is the whole validated, audited import"
        "\nover that read. 'openpyxl' is the old reader's read-only read of the file; 'sealing' is the part of the first"
        "\nimport spent chaining its change records (audit_chain.chain_new). Goal on PostgreSQL: ≤ 3× for both imports."
    )


if __name__ == "__main__":
    main()
