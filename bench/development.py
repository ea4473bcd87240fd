"""Member-development benchmarks (issue 4) on the 200 000-member demo database: the daily
evaluation of every active pipeline and the group committee's pipeline dashboard."""

from __future__ import annotations

import statistics
import time


def bench_daily() -> dict:
    """Seconds for `pipelines_evaluate_all` (the daily task) over every active pipeline."""
    from dangjian.development.services import pipelines_evaluate_all

    started = time.perf_counter()
    count = pipelines_evaluate_all()
    return {"seconds": time.perf_counter() - started, "pipelines": count}


def bench_dashboard(rounds: int = 5) -> dict:
    """Median server ms (and query count) of the whole group's dashboard for its committee."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from dangjian.accounts.models import User
    from dangjian.core.demo import demo_root
    from dangjian.core.scope import forget_grants
    from dangjian.development.insights import dashboard

    user, root = User.objects.get(username="demo_committee"), demo_root()
    year = timezone.localdate().year
    timings, queries, overdue = [], 0, 0
    for _ in range(rounds):
        forget_grants(user)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            board = dashboard(user=user, org=root, year=year)
            timings.append((time.perf_counter() - started) * 1000)
        queries, overdue = len(captured), len(board.overdue)
    return {"median_ms": statistics.median(timings), "queries": queries, "overdue": overdue}
