"""The demo enterprise: realistic, deterministic, idempotent, and one login per role."""

import random
from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.accounts.models import RoleAssignment, User
from dangjian.audit.models import AuditEvent
from dangjian.audit.services import verify_chain
from dangjian.core import demo
from dangjian.core.crypto import lookup_hash
from dangjian.core.management.commands.demo_totp import current_code
from dangjian.core.permissions import ROLES
from dangjian.members.choices import EXIT_STAGES, MEMBER_STAGES, Stage
from dangjian.members.models import (
    FamilyMember,
    Person,
    PostHeld,
    RewardPunishment,
    StageChange,
    Training,
)
from dangjian.members.pinyin import pinyin_keys
from dangjian.members.services import validate_person
from dangjian.orgs.models import CommitteeMember, Organization, OrgKind, path_step
from dangjian.rules.development import probation_end
from dangjian.rules.idcard import parse_id_number

MEMBERS = 240


@pytest.fixture
def seeded(db):
    out = StringIO()
    call_command("seed_demo", members=MEMBERS, seed=7, stdout=out)
    return out.getvalue()


def test_people_are_deterministic_with_valid_id_numbers():
    first = [demo.PeopleFactory(random.Random(3)).person() for _ in range(3)]
    again = [demo.PeopleFactory(random.Random(3)).person() for _ in range(3)]
    assert first == again
    factory = demo.PeopleFactory(random.Random(11))
    people = [factory.person(0.5) for _ in range(2000)]
    for person in people:
        parsed = parse_id_number(person.id_number)
        assert parsed.birth_date == person.birth_date
        assert parsed.sex == person.sex
        assert date(1960, 1, 1) <= person.birth_date <= date(2004, 12, 31)
        assert parsed.region_code in demo.REGION_CODES
        assert len(person.mobile) == 11 and person.mobile.isdigit()
        assert 2 <= len(person.name) <= 3
    sexes = Counter(person.sex for person in people)
    assert 800 < sexes["F"] < 1200  # the share is honoured, not hard-wired


def test_plan_is_deterministic_and_follows_the_structure_rules():
    plan = demo.Planner(random.Random(5), 5000, date(2026, 11, 21)).plan()
    again = demo.Planner(random.Random(5), 5000, date(2026, 11, 21)).plan()
    assert [(o.code, o.name, o.size) for o in plan] == [(o.code, o.name, o.size) for o in again]
    branches = [o for o in plan if o.kind == OrgKind.BRANCH]
    assert sum(o.size for o in branches) == 5000
    assert all(8 <= o.size <= 45 for o in branches)
    assert all(o.parent.kind in (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH) for o in branches)
    groups = [o for o in plan if o.kind == OrgKind.PARTY_GROUP]
    assert groups and all(o.parent.kind == OrgKind.BRANCH and o.parent.size >= 20 for o in groups)
    assert len({o.code for o in plan}) == len(plan)
    names = {o.name for o in plan}
    assert {"华北能源集团党委", "华北煤业有限公司党委", "华北供电有限公司党委"} <= names
    assert "东峰煤矿党总支" in names and "变电运维中心党总支" in names


def test_cn_number():
    assert [demo.cn_number(n) for n in (1, 10, 12, 20, 35, 100)] == [
        "一", "十", "十二", "二十", "三十五", "100",
    ]  # fmt: skip


def test_seed_builds_the_group_with_correct_paths(seeded):
    assert "Seeded" in seeded and "member records" in seeded
    root = Organization.objects.get(code=demo.ROOT_CODE)
    orgs = list(Organization.objects.select_related("parent"))
    assert all(o.path.startswith(root.path) for o in orgs)
    for org in orgs:
        expected = (org.parent.path if org.parent else "") + path_step(org.pk)
        assert org.path == expected
        assert org.depth == len(org.path) // len(path_step(1))
    members = RoleAssignment.objects.filter(role__code="party_member")
    # Generated members plus the demo secretary, group leader and member of branch A.
    assert members.count() == MEMBERS + 3
    per_branch = Counter(members.exclude(user__username__startswith="demo_").values_list(
        "org__kind", flat=True))  # fmt: skip
    assert set(per_branch) == {OrgKind.BRANCH}
    every_branch = Organization.objects.filter(kind=OrgKind.BRANCH)
    assert all(b.role_assignments.filter(role__code="branch_secretary").exists()
               for b in every_branch)  # fmt: skip
    assert User.objects.filter(username__startswith="hb").count() == MEMBERS + MEMBERS // 20


def test_committee_terms_show_ended_and_ending_reminders(db):
    demo.seed(members=3000, seed=1)
    statuses = Counter(org.term_status() for org in Organization.objects.exclude(term_end=None))
    assert statuses["ended"] > 0 and statuses["ending"] > 0 and statuses[""] > 0
    branch_a = Organization.objects.get(code=demo.branch_a_code())
    assert branch_a.term_status() == "ending"
    secretary = CommitteeMember.objects.get(org=branch_a, post="secretary")
    assert secretary.user.username == "demo_secretary" and secretary.name == secretary.user.name
    assert secretary.term_end == branch_a.term_end


def test_seed_is_idempotent_and_audited_once(seeded):
    before = (Organization.objects.count(), User.objects.count(), AuditEvent.objects.count())
    out = StringIO()
    call_command("seed_demo", members=MEMBERS, stdout=out)
    assert "already exists" in out.getvalue()
    after = (Organization.objects.count(), User.objects.count(), AuditEvent.objects.count())
    assert Person.objects.count() == event_people(AuditEvent.objects.get(action="demo.seed"))
    assert after == before
    event = AuditEvent.objects.get(action="demo.seed")
    assert event.changes["members"] == MEMBERS
    assert verify_chain() is None


def test_one_demo_account_per_role_with_a_valid_password(seeded):
    accounts = User.objects.filter(username__startswith="demo_")
    held = set(RoleAssignment.objects.filter(user__in=accounts).values_list("role__code",
                                                                           flat=True))  # fmt: skip
    assert held == {spec.code for spec in ROLES}
    for user in accounts:
        validate_password(demo.DEMO_PASSWORD, user)
        assert user.check_password(demo.DEMO_PASSWORD)
        assert not user.must_change_password
    admins = [spec.username for spec in demo.DEMO_ACCOUNTS
              if spec.main_role in ("system_admin", "security_admin", "audit_admin")]  # fmt: skip
    assert len(set(admins)) == 3
    for username in admins:
        assert RoleAssignment.objects.filter(user__username=username).count() == 1


def test_accounts_needing_2fa_get_a_device_and_demo_totp_prints_a_valid_code(seeded):
    needs = {
        a.user.username
        for a in RoleAssignment.objects.filter(
            user__username__startswith="demo_", role__requires_2fa=True
        ).select_related("user")
    }
    assert needs == {"demo_sysadmin", "demo_secadmin", "demo_auditadmin", "demo_committee"}
    with_device = set(TOTPDevice.objects.filter(confirmed=True).values_list("user__username",
                                                                           flat=True))  # fmt: skip
    assert with_device == needs
    out = StringIO()
    call_command("demo_totp", "demo_committee", stdout=out)
    code = out.getvalue().strip()
    device = TOTPDevice.objects.get(user__username="demo_committee")
    assert code == current_code(device) and len(code) == 6
    assert device.verify_token(code)


def test_demo_accounts_lists_every_account(seeded):
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    text = out.getvalue()
    for spec in demo.DEMO_ACCOUNTS:
        assert spec.username in text
    assert demo.DEMO_PASSWORD in text and "demo_totp" in text
    assert "综采一队党支部" in text


def test_demo_secretary_sees_only_their_branch(seeded):
    secretary = User.objects.get(username="demo_secretary")
    visible = Organization.objects.restrict(secretary, "orgs.view")
    assert {o.code for o in visible} == {
        o.code for o in Organization.objects.filter(path__startswith=visible[0].path)
    }
    assert visible[0].code == demo.branch_a_code()
    assert visible.count() >= 2  # the branch and its party groups


# --- member records -----------------------------------------------------------------------------


def event_people(event) -> int:
    return event.changes["people"]


def test_every_generated_member_and_employee_account_has_a_record(seeded):
    generated = User.objects.filter(username__startswith="hb")
    assert Person.objects.filter(user__in=generated).count() == generated.count()
    members = Person.objects.filter(user__username__startswith="hb", stage__in=MEMBER_STAGES)
    assert members.count() == MEMBERS  # --members means party members with accounts
    assert Person.objects.filter(user__username__startswith="hb", stage=Stage.EMPLOYEE).count() \
        == MEMBERS // 20  # fmt: skip
    # Each member's record sits in the branch where the account holds party_member.
    held = dict(RoleAssignment.objects.filter(role__code="party_member", user__in=generated)
                .values_list("user_id", "org_id"))  # fmt: skip
    assert dict(members.values_list("user_id", "branch_id")) == held
    # Outsiders (no account): the development pipeline, employees, a few exits.
    stages = Counter(Person.objects.filter(user=None).values_list("stage", flat=True))
    assert stages[Stage.APPLICANT] > stages[Stage.CANDIDATE] > 0 and stages[Stage.ACTIVIST] > 0
    assert stages[Stage.EMPLOYEE] > 0
    assert not Person.objects.filter(stage__in=EXIT_STAGES, is_active=True).exists()


def test_seeded_records_pass_the_consistency_rules(seeded):
    today = date.today()
    people = list(Person.objects.select_related("branch", "party_group").order_by("pk"))
    for person in people[::7]:  # a sample through the full validation (one query each)
        validate_person(person)
    for person in people:  # the cheap invariants on everyone
        parsed = parse_id_number(person.id_number)
        assert (parsed.birth_date, parsed.sex) == (person.birth_date, person.sex)
        assert person.id_number_hash == lookup_hash(person.id_number)
        assert person.phone_hash == lookup_hash(person.phone) and len(person.phone) == 11
        assert (person.name_pinyin, person.name_initials) == pinyin_keys(person.name)
        assert person.is_active == (person.stage not in EXIT_STAGES)
        if person.stage == Stage.FULL:
            assert person.full_member_date == probation_end(person.join_date) <= today
        if person.stage == Stage.PROBATIONARY:
            assert person.full_member_date is None
            assert (today - person.join_date).days < 366
        if person.join_date:
            assert person.application_date < person.join_date
        if person.party_group_id:
            assert person.party_group.parent_id == person.branch_id
    numbers = [p.id_number for p in people]
    assert len(set(numbers)) == len(numbers)


def test_records_are_realistic(seeded):
    people = Person.objects.all()
    total = people.count()
    sexes = Counter(people.values_list("sex", flat=True))
    assert 0.6 < sexes["M"] / total < 0.9
    ethnicities = Counter(people.values_list("ethnicity", flat=True))
    assert ethnicities["01"] / total > 0.85 and len(ethnicities) > 1
    assert len(set(people.values_list("education", flat=True))) >= 4
    assert len(set(people.values_list("personnel_category", flat=True))) >= 3
    verified = people.exclude(verified_at=None).count()
    assert 0.4 < verified / total < 0.9
    grouped = people.filter(stage__in=MEMBER_STAGES, branch__children__kind=OrgKind.PARTY_GROUP)
    grouped = grouped.distinct()
    assert grouped.exclude(party_group=None).count() > 0.9 * grouped.count()
    assert people.filter(stage=Stage.PROBATIONARY).exists()
    assert all(p.work_unit and p.job and p.native_place and p.address for p in people[:200])
    # Every record has its dated history, ending in its current stage.
    last = {}
    for person_id, stage in StageChange.objects.order_by("person_id", "on", "id").values_list(
        "person_id", "to_stage"
    ):
        last[person_id] = stage
    assert last == dict(people.values_list("pk", "stage"))


def test_demo_accounts_have_lived_in_records(seeded):
    for username in ("demo_member", "demo_secretary", "demo_leader", "demo_committee",
                     "demo_organization", "demo_propaganda", "demo_discipline"):  # fmt: skip
        person = Person.objects.select_related("user", "branch").get(user__username=username)
        assert person.stage == Stage.FULL and person.name == person.user.name
        validate_person(person)
        assert PostHeld.objects.filter(person=person).exists()
        assert RewardPunishment.objects.filter(person=person).exists()
        assert Training.objects.filter(person=person).exists()
        assert FamilyMember.objects.filter(person=person).exists()
    member = Person.objects.get(user__username="demo_member")
    assert member.branch.code == demo.branch_a_code()
    assert member.party_group.parent_id == member.branch_id
    assert Person.objects.get(user__username="demo_employee").stage == Stage.EMPLOYEE
    secretary = Person.objects.get(user__username="demo_secretary")
    assert secretary.branch.code == demo.branch_a_code() and secretary.sex == "F"
    assert not Person.objects.filter(user__username="demo_sysadmin").exists()


def test_records_are_deterministic(db):
    def build(seed):
        today = date(2026, 11, 21)
        rng = random.Random(seed)
        planned = demo.Planner(rng, 400, today).plan()
        for org in planned:  # unsaved: building records needs no database rows
            org.obj = Organization(code=org.code, kind=org.kind)
        writer = demo.Writer(rng, today, seed)
        writer.populate(planned, 20)
        records = demo.Records(random.Random(f"{seed}/records"), today)
        rows = []
        for spec in writer.specs:
            person, history = records.build(spec, None)
            columns = ("name", "id_number", "stage", "join_date", "job", "address",
                       "verified_at", "party_group_id", "introducers")  # fmt: skip
            rows.append((spec.branch.code, *(person[c] for c in columns), tuple(history)))
        return rows

    first = build(9)
    assert first == build(9)
    assert first != build(10)
    assert len(first) > 400
