"""Party statistics: the counts match an independent count of the people made here."""

from collections import Counter
from datetime import date

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from dangjian.members.choices import ETHNICITIES, EXIT_STAGES, Stage
from dangjian.members.models import Person, StageChange
from dangjian.members.party_statistics import (
    AGE_BANDS,
    JOIN_ERAS,
    age_band_key,
    age_on,
    default_as_of,
    join_era_key,
    member_statistics,
    years_before,
)
from dangjian.members.services import person_update
from dangjian.orgs.models import Organization, OrgKind
from dangjian.rules.development import probation_end

AS_OF = date(2024, 12, 31)
EDUCATIONS = ["postgraduate", "bachelor", "college", "high_school", ""]
CATEGORIES = ["worker", "technician", "manager", "retired", ""]
ETHNIC_CODES = ["01", "01", "01", "03", "05", "08", "11", "03", "14", "15"]


def member(make_person, branch, i, *, birth, joined, **fields):
    """A party member joined on `joined`, full a year later when that is not in the future."""
    full = probation_end(joined)
    if full <= date(2026, 11, 1):
        fields.setdefault("stage", Stage.FULL)
        fields.setdefault("full_member_date", full)
    else:
        fields.setdefault("stage", Stage.PROBATIONARY)
        fields.setdefault("full_member_date", None)
    return make_person(
        branch=branch,
        name=f"党员{i}",
        sex="M" if i % 3 else "F",
        birth_date=birth,
        ethnicity=ETHNIC_CODES[i % len(ETHNIC_CODES)],
        education=EDUCATIONS[i % len(EDUCATIONS)],
        personnel_category=CATEGORIES[i % len(CATEGORIES)],
        join_date=joined,
        **fields,
    )


@pytest.fixture
def people(tree, make_person):
    """~35 people across branches A, B and C with the edge cases of an as-of count."""
    made = []
    births = [date(1925 + 2 * i, 1 + i % 12, 1 + i % 28) for i in range(20)]
    for i, birth in enumerate(births):
        joined = (
            years_before(date(2024, 6, 1), 5) if i % 4 == 0 else birth.replace(year=birth.year + 25)
        )
        branch = [tree.branch_a, tree.branch_a, tree.branch_b, tree.branch_c][i % 4]
        made.append(member(make_person, branch, i, birth=birth, joined=joined))
    # Age bands at the edges of as_of: 30 on the day, 31 on the day, 30 until tomorrow.
    made.append(member(make_person, tree.branch_a, 20, birth=date(1994, 12, 31),
                       joined=date(2015, 7, 1)))  # fmt: skip
    made.append(member(make_person, tree.branch_a, 21, birth=date(1993, 12, 31),
                       joined=date(2015, 7, 1)))  # fmt: skip
    # Joined on as_of itself.
    made.append(member(make_person, tree.branch_b, 22, birth=date(1964, 1, 1),
                       joined=date(2024, 12, 31)))  # fmt: skip
    # Era edges: the day before and the day of 1 October 1949.
    made.append(member(make_person, tree.branch_a, 23, birth=date(1925, 3, 3),
                       joined=date(1949, 9, 30)))  # fmt: skip
    made.append(member(make_person, tree.branch_a, 24, birth=date(1925, 4, 4),
                       joined=date(1949, 10, 1)))  # fmt: skip
    # Probationary on as_of, full member since.
    made.append(member(make_person, tree.branch_a, 25, birth=date(1990, 5, 5),
                       joined=date(2024, 6, 1)))  # fmt: skip
    # Joined after as_of: not counted.
    made.append(member(make_person, tree.branch_a, 26, birth=date(1991, 5, 5),
                       joined=date(2025, 2, 1)))  # fmt: skip
    # Died before as_of: not counted; left after as_of: counted.
    died = member(make_person, tree.branch_a, 27, birth=date(1940, 2, 2), joined=date(1970, 1, 1))
    person_update(actor=None, person=died, stage=Stage.DIED, on=date(2023, 5, 1))
    left = member(make_person, tree.branch_b, 28, birth=date(1980, 2, 2), joined=date(2005, 1, 1))
    person_update(actor=None, person=left, stage=Stage.LEFT, on=date(2025, 3, 1))
    # Transferred out and back before as_of: counted. Out before, back after: not counted.
    back = member(make_person, tree.branch_a, 29, birth=date(1982, 2, 2), joined=date(2006, 1, 1))
    person_update(actor=None, person=back, stage=Stage.TRANSFERRED_OUT, on=date(2022, 1, 1))
    person_update(actor=None, person=back, stage=Stage.FULL, on=date(2023, 1, 1))
    away = member(make_person, tree.branch_a, 30, birth=date(1983, 2, 2), joined=date(2007, 1, 1))
    person_update(actor=None, person=away, stage=Stage.TRANSFERRED_OUT, on=date(2024, 1, 1))
    person_update(actor=None, person=away, stage=Stage.FULL, on=date(2025, 2, 1))
    made += [died, left, back, away]
    # Development pipeline: stage on as_of from the history.
    dev = dict(join_date=None, full_member_date=None, application_date=date(2020, 3, 1))
    made.append(make_person(name="申请人", stage=Stage.APPLICANT, on=date(2020, 3, 1),
                            birth_date=date(1995, 1, 1), **dev))  # fmt: skip
    made.append(make_person(name="积极分子", stage=Stage.ACTIVIST, on=date(2021, 3, 1),
                            birth_date=date(1996, 1, 1), **dev))  # fmt: skip
    made.append(make_person(name="发展对象", stage=Stage.CANDIDATE, on=date(2024, 3, 1),
                            birth_date=date(1997, 1, 1), **dev))  # fmt: skip
    later = make_person(name="后来的发展对象", stage=Stage.CANDIDATE, on=date(2025, 3, 1),
                        birth_date=date(1998, 1, 1), **dev)  # fmt: skip
    StageChange.objects.create(
        person=later, from_stage="", to_stage="activist", on=date(2023, 1, 1)
    )
    made.append(later)
    made.append(make_person(name="职工", stage=Stage.EMPLOYEE, join_date=None,
                            full_member_date=None, birth_date=date(1999, 1, 1)))  # fmt: skip
    return made


def expected(org: Organization, as_of: date) -> dict:
    """Independent count: plain Python over every person and their whole stage history."""
    history: dict[int, list] = {}
    for change in StageChange.objects.order_by("on", "pk"):
        history.setdefault(change.person_id, []).append(change)
    counts: dict[str, Counter] = {key: Counter() for key in
                                  ("stage", "sex", "ethnicity", "age", "education", "join_era",
                                   "personnel_category", "development")}  # fmt: skip
    total = 0
    for person in Person.objects.select_related("branch"):
        if not person.branch.path.startswith(org.path):
            continue
        before = [c for c in history.get(person.pk, []) if c.on <= as_of]
        stage_then = before[-1].to_stage if before else None
        if person.join_date and person.join_date <= as_of and stage_then not in EXIT_STAGES:
            total += 1
            full = person.full_member_date and person.full_member_date <= as_of
            counts["stage"]["full" if full else "probationary"] += 1
            counts["sex"][person.sex] += 1
            counts["ethnicity"][person.ethnicity] += 1
            counts["age"][age_band_key(age_on(person.birth_date, as_of))] += 1
            counts["education"][person.education] += 1
            counts["join_era"][join_era_key(person.join_date)] += 1
            counts["personnel_category"][person.personnel_category] += 1
        elif stage_then in ("applicant", "activist", "candidate"):
            counts["development"][stage_then] += 1
    return {"total": total, **counts}


def as_counter(items) -> Counter:
    return Counter({item["key"]: item["count"] for item in items if item["count"]})


@pytest.mark.parametrize("org_name", ["group", "company", "branch_a", "branch_c"])
def test_statistics_match_an_independent_count(tree, personas, people, org_name):
    org = getattr(tree, org_name)
    stats = member_statistics(user=personas.committee_admin, org=org, as_of=AS_OF)
    want = expected(org, AS_OF)
    assert stats["total"] == want["total"] > 0
    for key in ("stage", "sex", "age", "education", "join_era", "personnel_category",
                "development"):  # fmt: skip
        assert as_counter(stats[key]) == +want[key], key
    ethnic = {item["key"]: item["count"] for item in stats["ethnicity"]}
    assert ethnic["01"] == want["ethnicity"]["01"]
    assert ethnic["minorities"] == want["total"] - want["ethnicity"]["01"]
    for code, n in want["ethnicity"].items():
        if code != "01" and code in ethnic:
            assert ethnic[code] == n
    for section in ("stage", "sex", "age", "join_era"):
        assert sum(item["count"] for item in stats[section]) == stats["total"]


def test_the_edge_cases_are_counted_as_the_rules_say(tree, personas, people):
    stats = member_statistics(user=personas.committee_admin, org=tree.group, as_of=AS_OF)
    names = {p.name for p in Person.objects.all()}
    assert {"党员26", "党员27", "党员30"} <= names
    # 32 members created; not counted: joined after (26), died before (27), away on as_of (30).
    members = [p for p in people if p.join_date]
    assert stats["total"] == len(members) - 3
    stage = {item["key"]: item["count"] for item in stats["stage"]}
    assert stage["probationary"] >= 2  # joined on as_of itself, and 2024-06-01
    ages = {item["key"]: item["count"] for item in stats["age"]}
    assert AGE_BANDS[0][0] == "le30"
    assert ages["le30"] >= 1 and ages["31_35"] >= 2  # born 1994-12-31 is 30; 1993-12-31 is 31
    eras = {item["key"]: item["count"] for item in stats["join_era"]}
    assert eras["pre_1949"] >= 1 and eras["1949_1966"] >= 1
    assert JOIN_ERAS[-1][0] == "since_2012"
    dev = {item["key"]: item["count"] for item in stats["development"]}
    assert dev == {"applicant": 1, "activist": 2, "candidate": 1}
    ethnic_labels = [item["label"] for item in stats["ethnicity"]]
    assert ethnic_labels[0] == ETHNICITIES[0]


def test_org_counts_by_kind_and_founding_date(tree, personas):
    Organization.objects.filter(pk=tree.branch_b.pk).update(founded_on=date(2025, 1, 1))
    Organization.objects.filter(pk=tree.group_a.pk).update(is_active=False)
    stats = member_statistics(user=personas.committee_admin, org=tree.company, as_of=AS_OF)
    kinds = {item["key"]: item["count"] for item in stats["organizations"]}
    assert kinds[OrgKind.COMMITTEE] == 1
    assert kinds[OrgKind.GENERAL_BRANCH] == 1
    assert kinds[OrgKind.BRANCH] == 1  # branch A; branch B was founded after as_of
    assert kinds[OrgKind.PARTY_GROUP] == 0  # deactivated


def test_secretary_statistics_cover_only_their_branch(tree, personas, people):
    stats = member_statistics(user=personas.secretary_a, org=tree.branch_a, as_of=AS_OF)
    assert stats["total"] == expected(tree.branch_a, AS_OF)["total"]
    for org in (tree.company, tree.group, tree.branch_b, tree.branch_c):
        with pytest.raises(Http404):
            member_statistics(user=personas.secretary_a, org=org, as_of=AS_OF)
    with pytest.raises(Http404):
        member_statistics(user=personas.member_a, org=tree.branch_a, as_of=AS_OF)


def test_query_count_does_not_grow_with_people(tree, personas, make_person):
    def run():
        user = type(personas.committee_admin).objects.get(pk=personas.committee_admin.pk)
        with CaptureQueriesContext(connection) as ctx:
            member_statistics(user=user, org=tree.group, as_of=AS_OF)
        return len(ctx.captured_queries)

    few = run()
    for i in range(12):
        make_person(name=f"人{i}", birth_date=date(1960 + i, 2, 3), education="bachelor")
    assert run() == few <= 5


def test_default_reference_date_is_31_december_of_last_year():
    assert default_as_of(date(2026, 11, 21)) == date(2025, 12, 31)
    assert default_as_of(date(2026, 1, 1)) == date(2025, 12, 31)


def test_years_before_handles_29_february():
    assert years_before(date(2024, 2, 29), 1) == date(2023, 2, 28)
    assert age_on(date(2000, 2, 29), date(2030, 2, 28)) == 29
