"""`python -m bench`: one line per benchmark — name, value, ratio to baseline, target, PASS/FAIL.

Runs on a throw-away SQLite database (DATABASE_URL is overridden), so it never touches real
data. Baselines and targets live in bench/baseline.json; `--update-baseline` rewrites the
baselines from this run. Exit status 1 if any benchmark misses its target.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
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
    """members/s for seed_demo (bulk inserts, one shared password hash)."""
    from dangjian.core import demo

    started = time.perf_counter()
    result = demo.seed(members=members, seed=2026)
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


def passes(value: float, spec: dict) -> bool:
    return value >= spec["target"] if spec["higher_is_better"] else value <= spec["target"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--members", type=int, default=20000)
    parser.add_argument("--update-baseline", action="store_true")
    args = parser.parse_args(argv)
    specs = json.loads(BASELINE.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp) / "bench.sqlite3")
        seed_rate = bench_seed(args.members)
        subtree_ms, subtree_size = bench_subtree()
        record_rate = bench_audit_record()
        verify_rate = bench_audit_verify()
    results = {
        "seed_demo_rate": seed_rate,
        "org_subtree_query": subtree_ms,
        "audit_record_rate": record_rate,
        "audit_verify_rate": verify_rate,
    }
    notes = {"org_subtree_query": f"{subtree_size} orgs in scope",
             "seed_demo_rate": f"--members {args.members}"}  # fmt: skip
    failed = False
    for name, value in results.items():
        spec = specs[name]
        ok = passes(value, spec)
        failed |= not ok
        ratio = value / spec["baseline"] if spec["baseline"] else float("nan")
        comparison = "≥" if spec["higher_is_better"] else "≤"
        print(
            f"{name:<20} {value:>10.1f} {spec['unit']:<10} ratio {ratio:5.2f}  "
            f"target {comparison} {spec['target']:<8} {'PASS' if ok else 'FAIL'}"
            + (f"  ({notes[name]})" if name in notes else "")
        )
        if args.update_baseline:
            spec["baseline"] = round(value, 1)
    if args.update_baseline:
        BASELINE.write_text(json.dumps(specs, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
