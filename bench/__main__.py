"""`python -m bench`: one line per benchmark — name, value, ratio to baseline, target, PASS/FAIL.

Runs on throw-away SQLite databases (DATABASE_URL is overridden), so it never touches real
data: the core benchmarks on one seeded with 20 000 members, the member-record benchmarks
(issue 3) on one seeded with 200 000, each of those in a fresh process (bench.worker);
`--db` / `--member-db PATH` keep and reuse a seeded file. The member search and the
organizational-life heat-map are measured on PostgreSQL when one answers at 127.0.0.1:5432
(user postgres, one throw-away database shared by both, or BENCH_PG_DATABASE kept), else their
lines say SKIP. Baselines and targets live in
bench/baseline.json; `--update-baseline` rewrites the baselines from this run. Exit status 1 if
any benchmark misses its target.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

BASELINE = Path(__file__).with_name("baseline.json")


def setup_django(db_path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def bench_seed(members: int) -> float:
    """members/s for seed_demo (bulk inserts, one shared password hash) without the year of
    organizational life, which seed_demo_200k includes: the core rate stays comparable."""
    from dangjian.core import demo

    started = time.perf_counter()
    result = demo.seed(members=members, seed=2026, orglife_months=0)
    assert result.created
    return members / (time.perf_counter() - started)


def bench_subtree(runs: int = 30) -> tuple[float, int]:
    """Median ms to list one company's subtree through restrict() (grants reloaded each run)."""
    from dangjian.accounts.models import User
    from dangjian.core.scope import forget_grants
    from dangjian.orgs.models import Organization

    user = User.objects.get(username="demo_organization")  # organization member of a company
    timings, size = [], 0
    for _ in range(runs):
        forget_grants(user)
        started = time.perf_counter()
        size = len(list(Organization.objects.restrict(user, "orgs.view")))
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), size


def bench_audit_record(events: int = 2000) -> float:
    """events/s for audit_record, each event in its own transaction as services do."""
    from django.db import transaction

    from dangjian.audit.services import audit_record
    from dangjian.orgs.models import Organization

    org = Organization.objects.order_by("pk").first()
    started = time.perf_counter()
    for number in range(events):
        with transaction.atomic():
            audit_record(actor=None, action="bench.event", target=org, org=org,
                         changes={"n": number})  # fmt: skip
    return events / (time.perf_counter() - started)


def bench_audit_verify() -> float:
    """events/s for verifying the whole hash chain."""
    from dangjian.audit.models import AuditEvent
    from dangjian.audit.services import verify_chain

    count = AuditEvent.objects.count()
    started = time.perf_counter()
    assert verify_chain() is None
    return count / (time.perf_counter() - started)


def run_worker(*args: str, db_url: str | None = None, timeout: int = 3600) -> dict:
    """`python -m bench.worker …` in a fresh process; its JSON result."""
    env = dict(os.environ)
    if db_url:
        env["DATABASE_URL"] = db_url
    done = subprocess.run(  # noqa: S603 - our own interpreter and module, fixed arguments
        [sys.executable, "-m", "bench.worker", *args], env=env, capture_output=True, text=True,
        timeout=timeout, cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"bench.worker {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return True
    except OSError:
        return False


def bench_members(db_path: Path, members: int, tmp: Path, results, notes, skipped) -> None:
    """The member benchmarks of issue 3 on a SQLite database seeded with `members` (and on
    PostgreSQL), each in a fresh process (`bench.worker`)."""
    db_url = f"sqlite:///{db_path}"
    seeded = run_worker("seed", str(members), db_url=db_url)
    if seeded["seeded"]:
        results["seed_demo_200k"] = seeded["seed_seconds"]
        notes["seed_demo_200k"] = f"--members {members}: {seeded['people']} member records"
    else:
        skipped["seed_demo_200k"] = f"reusing the seeded database {db_path}"

    search = run_worker("search", db_url=db_url)
    results["member_search_p95"] = search["p95_ms"]
    notes["member_search_p95"] = (
        f"SQLite, {search['people']} people, median {search['median_ms']:.1f} ms, "
        f"slowest: {', '.join(search['slowest'])}"
    )
    if postgres_reachable():
        database = os.environ.get("BENCH_PG_DATABASE", f"seedbench_{os.getpid()}")
        keep = "keep" if os.environ.get("BENCH_PG_DATABASE") else "drop"
        pg = run_worker("pg_search", str(members), database, keep)
        results["member_search_p95_pg"] = pg["p95_ms"]
        notes["member_search_p95_pg"] = (
            f"PostgreSQL, {pg['people']} people, median {pg['median_ms']:.1f} ms, "
            f"slowest: {', '.join(pg['slowest'])}"
        )
    else:
        skipped["member_search_p95_pg"] = "PostgreSQL not reachable at 127.0.0.1:5432"

    sheet = tmp / "import.xlsx"
    if run_worker("import_file", str(sheet), db_url=db_url)["available"]:
        ours = run_worker("import", str(sheet), db_url=db_url)
        base = run_worker("import_baseline", str(sheet), db_url=db_url)
        results["member_import_10k"] = ours["seconds"]
        results["member_import_ratio"] = ours["seconds"] / base["seconds"]
        notes["member_import_10k"] = f"{ours['imported']} rows imported ({ours['status']})"
        notes["member_import_ratio"] = (
            f"import {ours['seconds']:.1f} s / openpyxl read-only {base['seconds']:.2f} s"
        )
    else:
        skipped["member_import_10k"] = "no import service yet (dangjian.members.imports)"

    rows_file = tmp / "export_rows.json"
    export = run_worker("export", db_url=db_url)
    run_worker("export_rows", str(rows_file), db_url=db_url)
    base = run_worker("export_baseline", str(rows_file), db_url=db_url)
    results["member_export_200k_mb"] = export["peak_mb"]
    results["member_export_ratio"] = export["seconds"] / base["seconds"]
    notes["member_export_200k_mb"] = (
        f"peak RSS of the export process ({export['before_mb']:.0f} MB before exporting), "
        f"{base['rows']} rows, {export['bytes'] / 2**20:.0f} MB file"
    )
    notes["member_export_ratio"] = (
        f"export {export['seconds']:.1f} s / openpyxl write-only {base['seconds']:.1f} s"
    )


def bench_development(db_path: Path, members: int, results, notes, skipped) -> None:
    """The member-development benchmarks (issue 4) on the 200 000-member database."""
    db_url = f"sqlite:///{db_path}"
    run_worker("seed", str(members), db_url=db_url)  # no-op when the member benchmarks seeded it
    board = run_worker("dev_dashboard", db_url=db_url)
    results["development_dashboard"] = board["median_ms"]
    notes["development_dashboard"] = (
        f"SQLite, whole group, {board['queries']} queries, {board['overdue']} overdue items"
    )
    daily = run_worker("dev_daily", db_url=db_url)
    results["development_daily_200k"] = daily["seconds"]
    notes["development_daily_200k"] = f"{daily['pipelines']} active pipelines evaluated"


def bench_orglife(db_path: Path, members: int, results, notes, skipped) -> None:
    """The organizational-life benchmarks (issue 5): the nightly compliance refresh on the
    200 000-member SQLite database, the committee heat-map on PostgreSQL."""
    db_url = f"sqlite:///{db_path}"
    run_worker("seed", str(members), db_url=db_url)  # no-op when already seeded
    refresh = run_worker("orglife_refresh", db_url=db_url)
    results["orglife_cells_refresh_200k"] = refresh["seconds"]
    notes["orglife_cells_refresh_200k"] = (
        f"SQLite, {refresh['branches']} branches, {refresh['activities']} activities, "
        f"{refresh['attendance']} attendance rows"
    )
    if not postgres_reachable():
        skipped["orglife_heatmap_pg"] = "PostgreSQL not reachable at 127.0.0.1:5432"
        return
    database = os.environ.get("BENCH_PG_DATABASE", f"seedbench_{os.getpid()}")
    keep = "keep" if os.environ.get("BENCH_PG_DATABASE") else "drop"
    pg = run_worker("pg_orglife", str(members), database, keep)
    periods = pg["periods"]
    results["orglife_heatmap_pg"] = pg["median_ms"]
    notes["orglife_heatmap_pg"] = (
        f"PostgreSQL, whole group by month: {pg['queries']} queries; {pg['branches']} branches, "
        f"{pg['activities']} activities, {pg['attendance']} attendance rows; by quarter "
        f"{periods['quarter']['median_ms']:.0f} ms, by year {periods['year']['median_ms']:.0f} "
        f"ms; nightly refresh on PostgreSQL {pg['refresh_seconds']:.0f} s"
    )


@contextmanager
def shared_postgres(enabled: bool):
    """One throw-away PostgreSQL database for the member and orglife groups, seeded once and
    dropped at the end (unless BENCH_PG_DATABASE names one to keep)."""
    if not enabled or "BENCH_PG_DATABASE" in os.environ or not postgres_reachable():
        yield
        return
    name = os.environ["BENCH_PG_DATABASE"] = f"seedbench_{os.getpid()}"
    try:
        yield
    finally:
        del os.environ["BENCH_PG_DATABASE"]
        run_worker("pg_drop", name)


def passes(value: float, spec: dict) -> bool:
    return value >= spec["target"] if spec["higher_is_better"] else value <= spec["target"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--members", type=int, default=20_000, help="members for the core benchmarks' database"
    )
    parser.add_argument(
        "--member-records", type=int, default=200_000,
        help="members for the member-record benchmarks' database (issue 3: 200 000)",
    )  # fmt: skip
    parser.add_argument(
        "--db", type=Path, help="SQLite file for the core benchmarks, kept and reused"
    )
    parser.add_argument(
        "--member-db", type=Path, help="SQLite file for the member benchmarks, kept and reused"
    )
    parser.add_argument(
        "--only",
        choices=("core", "members", "development", "orglife"),
        help="run only one group of benchmarks",
    )
    parser.add_argument("--update-baseline", action="store_true")
    args = parser.parse_args(argv)
    specs = json.loads(BASELINE.read_text())
    results, notes, skipped = {}, {}, {}
    shared = shared_postgres(args.only is None)
    with shared, tempfile.TemporaryDirectory(prefix="seedbench_") as tmp:
        if args.only in (None, "core"):
            db_path = args.db or Path(tmp) / "bench.sqlite3"
            setup_django(db_path)
            from dangjian.core import demo

            if demo.demo_root() is None:
                results["seed_demo_rate"] = bench_seed(args.members)
                notes["seed_demo_rate"] = f"--members {args.members}"
            else:
                skipped["seed_demo_rate"] = f"reusing the seeded database {db_path}"
            subtree_ms, subtree_size = bench_subtree()
            results["org_subtree_query"] = subtree_ms
            notes["org_subtree_query"] = f"{subtree_size} orgs in scope"
            if args.db is None:  # the audit benchmarks write events: not into a kept database
                results["audit_record_rate"] = bench_audit_record()
                results["audit_verify_rate"] = bench_audit_verify()
        member_db = args.member_db or Path(tmp) / "members.sqlite3"
        if args.only in (None, "members"):
            bench_members(member_db, args.member_records, Path(tmp), results, notes, skipped)
        if args.only in (None, "development"):
            bench_development(member_db, args.member_records, results, notes, skipped)
        if args.only in (None, "orglife"):
            bench_orglife(member_db, args.member_records, results, notes, skipped)
    failed = False
    for name, spec in specs.items():
        if name in skipped:
            print(f"{name:<24} {'-':>10} {spec['unit']:<10} SKIP  ({skipped[name]})")
            continue
        if name not in results:
            continue
        value = results[name]
        ok = passes(value, spec)
        failed |= not ok
        ratio = f"{value / spec['baseline']:5.2f}" if spec["baseline"] else "  n/a"
        comparison = "≥" if spec["higher_is_better"] else "≤"
        print(
            f"{name:<24} {value:>10.1f} {spec['unit']:<10} ratio {ratio}  "
            f"target {comparison} {spec['target']:<8} {'PASS' if ok else 'FAIL'}"
            + (f"  ({notes[name]})" if name in notes else ""),
            flush=True,
        )
        if args.update_baseline:
            spec["baseline"] = round(value, 2)
    if args.update_baseline:
        BASELINE.write_text(json.dumps(specs, indent=2, ensure_ascii=False) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
