"""Data-quality dashboard: planted problems are found, and each list shows exactly them."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.core.crypto import lookup_hash
from dangjian.core.testing import login_as
from dangjian.members.models import Person
from dangjian.members.quality import checks, quality_summary, scan_id_numbers
from dangjian.members.tests.conftest import id_number

FRESH = dict(phone="13800000000", address="太原市", education="bachelor",
             personnel_category="worker", work_unit="煤业公司", job="技术员",
             native_place="山西太原")  # fmt: skip


@pytest.fixture
def clean(tree, make_person):
    """Complete, verified, consistent records: no check should find them."""

    def make(branch=None, **fields):
        person = make_person(branch=branch, **{**FRESH, **fields})
        Person.objects.filter(pk=person.pk).update(verified_at=timezone.now())
        if (branch or tree.branch_a) == tree.branch_a and person.is_member:
            Person.objects.filter(pk=person.pk).update(party_group=tree.group_a)
        return Person.objects.get(pk=person.pk)

    return make


def drop_active_id_uniqueness():
    """Old imports may hold duplicates; MariaDB has no partial index to stop them anyway."""
    if connection.vendor in ("sqlite", "postgresql"):
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX person_unique_active_id_number")


def counts(user, org) -> dict:
    summary = quality_summary(user=user, org=org)
    return {row["check"].key: row for group in summary["groups"] for row in group["checks"]}


def listed(client, org, check) -> set[str]:
    names = set()
    page = 1
    while True:
        url = reverse("members:quality_check", args=[org.pk, check]) + f"?page={page}"
        response = client.get(url)
        assert response.status_code == 200
        names |= {row["person"].name for row in response.context["rows"]}
        if not response.context["page_obj"].has_next():
            return names
        page += 1


@pytest.fixture
def planted(tree, clean, make_person):
    ok = [clean(name=f"好记录{i}") for i in range(3)]
    ok.append(clean(branch=tree.branch_b, name="机关好记录"))
    people = {}
    # A duplicate ID number: two active records with the same number.
    people["dup1"] = clean(name="重复甲", birth_date=date(1970, 1, 1))
    people["dup2"] = clean(branch=tree.branch_b, name="重复乙", birth_date=date(1971, 1, 1))
    drop_active_id_uniqueness()
    Person.objects.filter(pk=people["dup2"].pk).update(id_number_hash=people["dup1"].id_number_hash)
    # Dates written around the services.
    people["full_early"] = clean(name="转正早于入党")
    Person.objects.filter(pk=people["full_early"].pk).update(full_member_date=date(2010, 1, 1))
    people["join_early"] = clean(name="入党早于申请", application_date=date(2009, 1, 1))
    Person.objects.filter(pk=people["join_early"].pk).update(application_date=date(2012, 1, 1))
    people["future"] = clean(name="未来日期")
    Person.objects.filter(pk=people["future"].pk).update(
        join_date=timezone.localdate() + timedelta(days=30), full_member_date=None,
        stage="probationary",
    )  # fmt: skip
    # Missing fields, party group, standing, verification.
    people["no_phone"] = clean(name="缺电话", phone="")
    people["no_group"] = clean(name="无党小组")
    Person.objects.filter(pk=people["no_group"].pk).update(party_group=None)
    people["lost"] = clean(name="失联", lost_contact_since=date(2024, 1, 1))
    people["suspended"] = clean(name="停止党籍", standing="suspended")
    people["stale"] = clean(name="久未核对")
    Person.objects.filter(pk=people["stale"].pk).update(
        verified_at=timezone.now() - timedelta(days=400)
    )
    people["never"] = clean(name="从未核对")
    Person.objects.filter(pk=people["never"].pk).update(verified_at=None)
    # ID numbers that only decrypting finds.
    people["bad_check"] = clean(name="校验位错")
    wrong = people["bad_check"].id_number[:17] + (
        "0" if people["bad_check"].id_number[17] != "0" else "1"
    )
    Person.objects.filter(pk=people["bad_check"].pk).update(id_number=wrong)
    people["other_birth"] = clean(name="生日不符", birth_date=date(1980, 5, 5))
    other = id_number(date(1981, 5, 5), "M", seq=77)
    Person.objects.filter(pk=people["other_birth"].pk).update(
        id_number=other, id_number_hash=lookup_hash(other)
    )
    people["garbled"] = clean(name="无法解密")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Person._meta.db_table} SET id_number = %s WHERE id = %s",
            ["gAAAAA-not-a-token", people["garbled"].pk],
        )
    # Inactive records are not checked at all.
    gone = clean(name="已去世", phone="")
    Person.objects.filter(pk=gone.pk).update(is_active=False, stage="died", verified_at=None)
    # Outside the company: only the group's committee sees it.
    people["branch_c"] = clean(
        branch=tree.branch_c, name="供电失联", lost_contact_since=date(2024, 1, 1)
    )
    return people


EXPECTED = {
    "duplicate-id": {"重复甲", "重复乙"},
    "full-not-after-join": {"转正早于入党"},
    "join-before-application": {"入党早于申请"},
    "future-date": {"未来日期"},
    "missing-phone": {"缺电话"},
    "no-party-group": {"无党小组"},
    "lost-contact": {"失联"},
    "suspended": {"停止党籍"},
    "stale": {"久未核对", "从未核对"},
    "invalid-id": {"校验位错", "生日不符", "无法解密"},
    "date-before-birth": set(),
    "probation-overdue": set(),
    "foreign-party-group": set(),
    "exit-stage-active": set(),
}


def test_dashboard_counts_and_drill_down_lists_show_exactly_the_planted_records(
    client, tree, personas, planted
):
    login_as(client, personas.committee_admin)
    found = counts(personas.committee_admin, tree.company)
    for key, names in EXPECTED.items():
        if key != "invalid-id":
            assert found[key]["count"] == len(names), key
        assert listed(client, tree.company, key) == names, key
    assert found["invalid-id"]["count"] is None  # only the drill-down decrypts
    # Completeness shares: everyone but 缺电话 has a phone.
    phone = found["missing-phone"]
    assert phone["applicable"] == phone["filled"] + 1
    # The committee of the whole group also sees branch C.
    assert counts(personas.committee_admin, tree.group)["lost-contact"]["count"] == 2


def test_secretary_sees_only_their_branch(client, tree, personas, planted):
    found = counts(personas.secretary_a, tree.branch_a)
    assert found["duplicate-id"]["count"] == 0  # the other copy is in branch B, out of scope
    assert found["lost-contact"]["count"] == 1
    login_as(client, personas.secretary_a)
    assert listed(client, tree.branch_a, "suspended") == {"停止党籍"}
    for org in (tree.branch_b, tree.company, tree.branch_c):
        url = reverse("members:quality_check", args=[org.pk, "suspended"])
        assert client.get(url).status_code == 404
    page = client.get(reverse("members:quality"))
    assert page.status_code == 200
    choices = [value for value, _label in page.context["form"].fields["org"].choices]
    assert choices == [tree.branch_a.pk]
    assert (
        client.get(reverse("members:quality") + f"?org={tree.branch_c.pk}").context["summary"]
        is None
    )


def test_unknown_check_is_404_and_members_cannot_open_the_dashboard(client, tree, personas):
    login_as(client, personas.committee_admin)
    assert (
        client.get(reverse("members:quality_check", args=[tree.group.pk, "nope"])).status_code
        == 404
    )
    login_as(client, personas.member_a)
    assert client.get(reverse("members:quality")).status_code == 404


def test_id_scan_refuses_too_many_rows(tree, personas, clean):
    clean(name="甲")
    clean(name="乙")
    scan = scan_id_numbers(user=personas.committee_admin, org=tree.group, limit=1)
    assert scan.too_many and not scan.problems


def test_query_counts_do_not_grow_with_people(client, tree, personas, clean):
    login_as(client, personas.committee_admin)
    urls = [reverse("members:quality") + f"?org={tree.group.pk}"] + [
        reverse("members:quality_check", args=[tree.group.pk, c.key]) for c in checks()
    ]

    def measure():
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            result.append(len(ctx.captured_queries))
        return result

    clean(name="一", phone="")
    clean(name="二", phone="")
    measure()  # warm-up: the first request of a session loads a little more
    few = measure()
    for i in range(25):
        clean(name=f"人{i}", phone="")
    assert measure() == few


def test_export_of_a_drill_down_list_is_watermarked_and_audited(client, tree, personas, planted):
    from io import BytesIO

    from openpyxl import load_workbook

    from dangjian.audit.models import AuditEvent

    login_as(client, personas.committee_admin)
    url = reverse("members:quality_check", args=[tree.company.pk, "stale"]) + "?export=xlsx"
    response = client.get(url)
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("导出人")
    assert {row[0] for row in rows[2:]} == EXPECTED["stale"]
    event = AuditEvent.objects.filter(action="export.member_quality").latest("seq")
    assert event.changes["rows"] == 2
