"""Organizational-life benchmarks (issue 5) on the 200 000-member demo database with one year
of activities (`seed_demo`'s default `--orglife-months 12`): the group committee's compliance
heat-map for the whole group (server time of the full response, warm) and the nightly
refresh of every branch's compliance cells."""

from __future__ import annotations

import random
import statistics
import time


def ensure_activities() -> dict:
    """Seed organizational life into a demo database seeded before it existed (a kept
    BENCH_PG_DATABASE); the sizes of what there is."""
    from django.db import transaction
    from django.utils import timezone

    from dangjian.core.demo import demo_root
    from dangjian.orglife.demo import seed_orglife
    from dangjian.orglife.models import Activity, Attendance
    from dangjian.orgs.models import Organization, OrgKind

    seeded = 0.0
    if not Activity.objects.exists():
        started = time.perf_counter()
        with transaction.atomic():
            seed_orglife(random.Random("2026/orglife"), timezone.localdate(), root=demo_root())
        seeded = time.perf_counter() - started
    return {
        "orglife_seed_seconds": seeded,
        "branches": Organization.objects.filter(kind=OrgKind.BRANCH).count(),
        "activities": Activity.objects.count(),
        "attendance": Attendance.objects.count(),
    }


def _client():
    """A test client signed in as the group committee's demo account, its two-factor step
    passed with the account's own demo device (nothing written but the session)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from dangjian.accounts.models import User

    user = User.objects.get(username="demo_committee")
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def bench_heatmap(rounds: int = 9) -> dict:
    """Median ms of GET /orglife/compliance/?org=<group>&period=month for the committee (after
    one warming request), the queries it makes, and the same for quarters and the year."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from dangjian.core.demo import demo_root

    client, root, year = _client(), demo_root(), timezone.localdate().year
    url = reverse("orglife:compliance")
    out = {}
    for period in ("month", "quarter", "year"):
        query = {"org": root.pk, "year": year, "period": period}
        response = client.get(url, query)  # warm: templates, grants, the database's cache
        if response.status_code != 200:
            raise RuntimeError(f"heat-map answered {response.status_code}")
        timings = []
        for _ in range(rounds):
            started = time.perf_counter()
            client.get(url, query)
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, query)
        out[period] = {"median_ms": statistics.median(timings), "queries": len(captured),
                       "bytes": len(response.content)}  # fmt: skip
    return {"median_ms": out["month"]["median_ms"], "queries": out["month"]["queries"],
            "periods": out}  # fmt: skip


def bench_refresh() -> dict:
    """Seconds for the nightly `cells_refresh` of the current year over every branch."""
    from django.utils import timezone

    from dangjian.orglife.compliance import cells_refresh

    today = timezone.localdate()
    started = time.perf_counter()
    branches = cells_refresh(year=today.year, today=today)
    return {"seconds": time.perf_counter() - started, "branches": branches}
