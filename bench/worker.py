"""`python -m bench.worker TASK [ARG]`: one benchmark in a fresh process, JSON on the last line.

A fresh process gives an honest peak RSS (export) and lets a benchmark use another database
(PostgreSQL) than the parent's SQLite. DATABASE_URL comes from the environment.
"""

import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path


def setup(migrate: bool = False) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)


def seed_if_needed(members: int) -> dict:
    from dangjian.core import demo

    if demo.demo_root() is not None:
        return {"seeded": False}
    started = time.perf_counter()
    result = demo.seed(members=members, seed=2026)
    return {"seeded": True, "seed_seconds": time.perf_counter() - started,
            "people": result.people}  # fmt: skip


def _pg_admin():
    import psycopg

    return psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres",
                           autocommit=True, connect_timeout=5)  # fmt: skip


@contextmanager
def pg_database(database: str, keep: bool):
    """Create (or reuse) a PostgreSQL database, point Django at it and migrate; drop it
    afterwards unless `keep`."""
    admin = _pg_admin()
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
    if not exists:
        admin.execute(f'CREATE DATABASE "{database}"')
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    try:
        setup(migrate=True)
        yield
    finally:
        if not keep:
            from django.db import connections

            connections.close_all()
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()


def vacuum_analyze() -> None:
    """What autovacuum does soon after a bulk load."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def pg_search(members: int, database: str, keep: bool) -> dict:
    """Seed a PostgreSQL database (unless it is), measure the search."""
    with pg_database(database, keep):
        from bench.members import bench_search

        seeded = seed_if_needed(members)
        vacuum_analyze()
        return {**seeded, **bench_search()}


def pg_orglife(members: int, database: str, keep: bool) -> dict:
    """Seed a PostgreSQL database (unless it is), time the nightly compliance refresh there,
    then the committee heat-map."""
    with pg_database(database, keep):
        from bench import orglife

        seeded = seed_if_needed(members)
        sizes = orglife.ensure_activities()
        vacuum_analyze()
        refresh = orglife.bench_refresh()
        vacuum_analyze()  # the refresh rewrote every cell
        return {**seeded, **sizes, **orglife.bench_heatmap(),
                "refresh_seconds": refresh["seconds"]}  # fmt: skip


def pg_drop(database: str) -> dict:
    admin = _pg_admin()
    admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    admin.close()
    return {"dropped": database}


def main(argv: list[str]) -> int:
    task = argv[0]
    if task in ("pg_search", "pg_orglife"):
        run = pg_search if task == "pg_search" else pg_orglife
        result = run(int(argv[1]), argv[2], keep=len(argv) > 3 and argv[3] == "keep")
    elif task == "pg_drop":
        result = pg_drop(argv[1])
    else:
        setup()
        from bench import members

        if task == "seed":
            from django.core.management import call_command

            call_command("migrate", verbosity=0, interactive=False)
            result = seed_if_needed(int(argv[1]))
        elif task == "search":
            result = members.bench_search()
        elif task == "import_file":
            available = members.import_available()
            if available:
                members.write_import_file(Path(argv[1]))
            result = {"available": available}
        elif task == "export":
            result = members.bench_export()
        elif task == "export_rows":
            result = members.dump_export_rows(argv[1])
        elif task == "export_baseline":
            result = members.bench_export_baseline(argv[1])
        elif task == "import":
            result = members.bench_import(argv[1])
        elif task == "import_baseline":
            result = members.bench_import_baseline(argv[1])
        elif task == "dev_daily":
            from bench import development

            result = development.bench_daily()
        elif task == "dev_dashboard":
            from bench import development

            result = development.bench_dashboard()
        elif task == "orglife_refresh":
            from bench import orglife

            result = {**orglife.ensure_activities(), **orglife.bench_refresh()}
        else:
            raise SystemExit(f"unknown task {task}")
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
