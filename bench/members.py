"""Member-record benchmarks (issue 3): search p95, import of 10 000 rows, export of 200 000.

Each function runs inside a configured Django process on a database seeded by `seed_demo`;
`bench.worker` runs them in subprocesses where peak memory or another database is measured.
"""

from __future__ import annotations

import math
import resource
import statistics
import time
from pathlib import Path

# What people type into the search box: initials, full pinyin prefixes, Chinese names and
# surnames. Mixed so that some match thousands of rows and some a handful.
SEARCHES = (
    "zw", "lxd", "wjg", "zs", "lj", "wh", "czq", "yl", "hm", "zhq",
    "zhang", "wangwei", "liuzhi", "chenj", "zhao", "sunh", "li", "huangj",
    "张伟", "王红梅", "刘志强", "李晓东", "陈", "赵", "晓东", "王静",
)  # fmt: skip


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def search_user():
    """A user holding committee_admin at the root: the whole group in scope."""
    from dangjian.accounts.models import User

    return User.objects.get(username="demo_committee")


def list_page(user, text: str) -> tuple[int, int]:
    """What the member list view does for `?q=text`: its queryset, the paginator's count and
    the first page of 20 rows. Returns (count, rows on the page)."""
    from django.test import RequestFactory

    from dangjian.core.scope import forget_grants
    from dangjian.members.views import PersonListView

    forget_grants(user)  # a new request loads the grants again
    request = RequestFactory().get("/members/", {"q": text})
    request.user = user
    view = PersonListView()
    view.setup(request)
    queryset = view.get_queryset()
    # As ListView.paginate_queryset does, with the view's own paginator class.
    paginator = view.get_paginator(
        queryset, view.get_paginate_by(queryset), orphans=view.get_paginate_orphans(),
        allow_empty_first_page=view.get_allow_empty(),
    )  # fmt: skip
    page = paginator.page(1)
    return paginator.count, len(list(page.object_list))


def bench_search(rounds: int = 4) -> dict:
    """p95 and median server time (ms) of the list view's search work over SEARCHES."""
    user = search_user()
    for text in SEARCHES:  # warm the page cache once, as a running server would be
        list_page(user, text)
    samples, slowest = [], {}
    for _ in range(rounds):
        for text in SEARCHES:
            started = time.perf_counter()
            list_page(user, text)
            elapsed = (time.perf_counter() - started) * 1000
            samples.append(elapsed)
            slowest[text] = max(slowest.get(text, 0), elapsed)
    from dangjian.members.models import Person

    worst = sorted(slowest.items(), key=lambda item: -item[1])[:3]
    return {
        "p95_ms": p95(samples),
        "median_ms": statistics.median(samples),
        "samples": len(samples),
        "people": Person.objects.count(),
        "slowest": [f"{text} {ms:.0f} ms" for text, ms in worst],
    }


# --- export -------------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """Peak RSS of this process in MB. VmHWM, not ru_maxrss: Linux carries ru_maxrss over from
    the parent through fork and exec, so a worker started by a 1 GB parent would report 1 GB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def bench_export() -> dict:
    """The member list's .xlsx export of everyone (as the view calls it); time and peak RSS."""
    from dangjian.core.scope import forget_grants
    from dangjian.members.exports import export_people
    from dangjian.members.selectors import person_list

    user = search_user()
    forget_grants(user)
    before = peak_rss_mb()
    started = time.perf_counter()
    response = export_people(person_list(user), user=user, layout="list", query={},
                             limit=300_000)  # fmt: skip
    size = sum(len(chunk) for chunk in response.streaming_content)
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "peak_mb": peak_rss_mb(), "before_mb": before, "bytes": size}


def bench_export_baseline(rows_file: str) -> dict:
    """openpyxl write-only writing the same rows (cells prepared beforehand, not timed)."""
    import json
    import tempfile

    from openpyxl import Workbook

    rows = json.loads(Path(rows_file).read_text())

    with tempfile.TemporaryFile() as handle:
        started = time.perf_counter()
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Sheet")
        for row in rows:
            sheet.append(row)
        book.save(handle)
        elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "rows": len(rows)}


def dump_export_rows(rows_file: str) -> dict:
    """The cells the export writes (from members.exports), saved as JSON for the baseline."""
    import json

    from dangjian.members.exports import LIST_HEADERS, person_rows
    from dangjian.members.selectors import person_list

    user = search_user()
    rows = [["watermark"], [str(h) for h in LIST_HEADERS]]
    rows += list(person_rows(person_list(user), user, layout="list", limit=300_000))
    Path(rows_file).write_text(json.dumps(rows, ensure_ascii=False))
    return {"rows": len(rows) - 2}


# --- import -------------------------------------------------------------------------------------


def import_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("dangjian.members.imports") is not None


def bench_import_baseline(path: str) -> dict:
    """openpyxl alone reading every cell of the file in read-only mode."""
    from openpyxl import load_workbook

    started = time.perf_counter()
    book = load_workbook(path, read_only=True, data_only=True)
    cells = sum(len(row) for row in book.active.iter_rows(values_only=True))
    book.close()
    return {"seconds": time.perf_counter() - started, "cells": cells}


def write_import_file(path: Path, rows: int = 10_000, branch_codes: list[str] | None = None):
    """A realistic 10 000-row .xlsx in the import template's layout. Birth years 1950–1959:
    the demo's people are born 1960–2004, so no ID number can clash with theirs."""
    import random
    from datetime import date

    from openpyxl import Workbook

    from dangjian.core import demo
    from dangjian.members.imports import HEADERS
    from dangjian.orgs.models import Organization, OrgKind
    from dangjian.rules.development import probation_end

    if branch_codes is None:
        branch_codes = list(
            Organization.objects.filter(kind=OrgKind.BRANCH).order_by("pk")
            .values_list("code", flat=True)[:400]
        )  # fmt: skip
    rng = random.Random(10_000)
    factory = demo.PeopleFactory(rng)
    factory.first_day, factory.last_day = (
        date(1950, 1, 1).toordinal(),
        date(1959, 12, 31).toordinal(),
    )
    book = Workbook(write_only=True)
    sheet = book.create_sheet("党员信息")
    sheet.append(list(HEADERS))
    seen = set()
    while len(seen) < rows:
        person = factory.person()
        if person.id_number in seen:
            continue
        seen.add(person.id_number)
        earliest = max(date(person.birth_date.year + 21, 1, 1), date(1978, 1, 1))
        join = date.fromordinal(rng.randint(earliest.toordinal(),
                                            date(2010, 12, 31).toordinal()))  # fmt: skip
        full = probation_end(join)
        values = {
            "姓名*": person.name, "性别*": "男" if person.sex == "M" else "女", "民族": "汉族",
            "公民身份号码*": person.id_number, "出生日期": person.birth_date,
            "学历": rng.choice(("大学本科", "大学专科", "中专", "高中")),
            "人员类别": "离退休人员", "所在党支部(组织代码)*": rng.choice(branch_codes),
            "党小组(组织代码)": "", "人员阶段*": "正式党员",
            "申请入党日期": date(join.year - 2, 3, 1), "入党日期": join, "转正日期": full,
            "工作单位": "华北煤业有限公司", "工作岗位": "退休", "职称": "",
            "籍贯": "山西太原", "手机号码": person.mobile,
            "家庭住址": f"山西省太原市小店区建设路{rng.randint(1, 300)}号",
            "党籍状态": "正常", "失联日期": "", "流动党员外出流向": "",
            "入党介绍人": "张伟、李娜",
        }  # fmt: skip
        sheet.append([values.get(header, "") for header in HEADERS])
    book.save(path)
    return {"rows": rows}


def bench_import(path: str) -> dict:
    """The import service end to end (store the upload, read, check every row, write in one
    transaction) as the demo committee into the group; rolled back afterwards so the seeded
    database stays as it was."""
    import tempfile

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction
    from django.test.utils import override_settings

    from dangjian.core import demo
    from dangjian.members import import_services
    from dangjian.members.models import ImportJob

    user = search_user()
    root = demo.demo_root()
    data = Path(path).read_bytes()
    upload = SimpleUploadedFile("党员信息.xlsx", data, content_type="application/octet-stream")

    class Rollback(Exception):
        pass

    result = {}
    with (
        tempfile.TemporaryDirectory(prefix="seedbench_media_") as media,
        override_settings(MEDIA_ROOT=media),
    ):
        try:
            with transaction.atomic():  # on_commit never fires: the job runs right here
                started = time.perf_counter()
                job = import_services.import_job_create(actor=user, org=root, upload=upload,
                                                        strict=True)  # fmt: skip
                import_services.import_job_run(job.pk)
                elapsed = time.perf_counter() - started
                job = ImportJob.objects.get(pk=job.pk)
                result = {"seconds": elapsed, "status": job.status,
                          "imported": job.imported_rows, "error_rows": job.error_rows,
                          "message": job.message[:200], "errors": job.errors[:5]}  # fmt: skip
                raise Rollback
        except Rollback:
            pass
    return result
