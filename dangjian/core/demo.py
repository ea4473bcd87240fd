"""The demo enterprise: a deterministic, realistic energy group for `manage.py seed_demo`.

Planning (which organizations, how many members where, which committee terms) is pure Python
driven by one `random.Random(seed)`; writing uses bulk inserts and one shared password hash, so
200 000 members load in minutes on SQLite. Until the member-record module exists, a member is an
account holding the `party_member` role at their branch.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from dangjian.accounts.models import Role, RoleAssignment, User
from dangjian.audit.services import audit_record
from dangjian.orgs.models import CommitteeMember, CommitteePost, Organization, OrgKind, path_step
from dangjian.rules import orgs as org_rules
from dangjian.rules.idcard import check_character

ROOT_CODE = "HBNY"
ROOT_NAME = "华北能源集团党委"
# Every demo account and every generated member signs in with this (policy-compliant) password.
DEMO_PASSWORD = "Hongqi#2026"
# Fixed TOTP secret (hex) of the demo accounts that need two-factor; `demo_totp` prints codes.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"
DEMO_DEVICE_NAME = "demo"
MEMBER_USERNAME = "hb{:06d}"
BATCH = 2000
ASSIGNMENTS_FROM = date(2021, 1, 1)

# --- people ------------------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严武戴孔汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘"
)
MALE_GIVEN = "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘"  # noqa: E501
FEMALE_GIVEN = "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝丽阳妮宝贝初程梵罡恒鸿桦骅剑娇纪宽苛灵玛媚琪晴容睿烁堂唯威韦雯苇萱阅彦宇雨洋忠宗曼紫逸贤蝶菡绿蓝儿翠烟"  # noqa: E501
# Plausible region codes (county level) around the group's sites: Beijing, Tianjin, Hebei,
# Shanxi, Inner Mongolia, Shandong, Henan.
REGION_CODES = (
    "110101", "110105", "110108", "120101", "120104", "130102", "130104", "130203", "130402",
    "130602", "130681", "130683", "140105", "140106", "140202", "140302", "140402", "140702",
    "140902", "150102", "150202", "150602", "370102", "370202", "410102", "410302",
)  # fmt: skip
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                   "152", "155", "157", "158", "159", "166", "177", "180", "181", "185", "186",
                   "187", "188", "189", "199")  # fmt: skip


@dataclass(frozen=True)
class Person:
    """One generated person: what a member record will hold (issue 3 stores the ID number)."""

    name: str
    sex: str  # 'M' or 'F'
    birth_date: date
    id_number: str
    mobile: str


def make_id_number(region: str, birth: date, sequence: int) -> str:
    """A valid GB 11643 number; `sequence` (1–999) is odd for men and even for women."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


class PeopleFactory:
    """Draws people from one Random: same seed, same people."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.first_day = date(1960, 1, 1).toordinal()
        self.last_day = date(2004, 12, 31).toordinal()

    def name(self, sex: str) -> str:
        rng = self.rng
        chars = MALE_GIVEN if sex == "M" else FEMALE_GIVEN
        given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")
        return rng.choice(SURNAMES) + given

    def person(self, male_share: float = 0.7) -> Person:
        rng = self.rng
        sex = "M" if rng.random() < male_share else "F"
        birth = date.fromordinal(rng.randint(self.first_day, self.last_day))
        sequence = rng.randrange(1, 999, 2) if sex == "M" else rng.randrange(2, 999, 2)
        return Person(
            name=self.name(sex),
            sex=sex,
            birth_date=birth,
            id_number=make_id_number(rng.choice(REGION_CODES), birth, sequence),
            mobile=rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}",
        )


# --- organizations -----------------------------------------------------------------------------

CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1–99 in Chinese numerals (一, 十二, 二十); larger numbers stay Arabic."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    text = ("" if tens == 1 else CN_DIGITS[tens]) + "十" if tens else ""
    return text + (CN_DIGITS[ones] if ones else "")


@dataclass
class PlannedOrg:
    code: str
    name: str
    kind: str
    parent: PlannedOrg | None
    unit: str = ""
    short_name: str = ""
    founded_on: date | None = None
    term_start: date | None = None
    term_end: date | None = None
    size: int = 0  # party members, for branches
    obj: Organization | None = None

    @property
    def depth(self) -> int:
        return 1 if self.parent is None else self.parent.depth + 1


@dataclass
class Unit:
    """A general branch (mine, centre, county company) and the branch names it uses."""

    name: str
    unit: str
    teams: tuple[str, ...]


HQ_DEPARTMENTS = ("办公室", "党建工作部", "人力资源部", "财务资产部", "规划发展部",
                  "安全环保部", "生产技术部", "纪委办公室", "审计部", "法律合规部", "信息中心",
                  "工会")  # fmt: skip
COAL_MINES = ("东峰煤矿", "西山煤矿", "南坪煤矿", "北岭煤矿", "红旗煤矿", "青龙煤矿", "白石煤矿",
              "金沙煤矿", "长兴煤矿", "新安煤矿", "安泰煤矿", "永安煤矿")  # fmt: skip
COAL_TEAMS = ("综采一队", "综采二队", "综掘一队", "综掘二队", "机电队", "运输队", "通风队",
              "安全监察科", "调度室", "洗煤厂", "地测科", "机关")  # fmt: skip
POWER_UNITS = ("变电运维中心", "输电运检中心", "营销服务中心", "调度控制中心", "信息通信分公司",
               "涿州供电分公司", "定兴供电分公司", "高碑店供电分公司", "易县供电分公司",
               "涞水供电分公司", "徐水供电分公司", "满城供电分公司", "清苑供电分公司")  # fmt: skip
POWER_TEAMS = ("运维一班", "运维二班", "检修班", "配电运检班", "营业班", "客户服务班", "计量班",
               "调度班", "综合班", "机关")  # fmt: skip
ORGANS_TEAMS = tuple(f"机关第{cn_number(i)}" for i in range(1, 7))


class Planner:
    """Lays out the group: 集团党委 → 机关党委 / 煤业公司党委 / 供电公司党委 → 党总支 →
    党支部 → 党小组."""

    def __init__(self, rng: random.Random, members: int, today: date):
        self.rng = rng
        self.members = members
        self.today = today
        self.orgs: list[PlannedOrg] = []

    def add(self, **fields) -> PlannedOrg:
        org = PlannedOrg(**fields)
        org_rules.check_placement(org.kind, org.parent.kind if org.parent else None)
        self.orgs.append(org)
        return org

    def term(self, years: int, *, ends_in: int | None = None) -> tuple[date, date]:
        """A term of `years`; drawn so ~15% have ended and ~7% end within 90 days."""
        length = round(years * 365.25)
        if ends_in is not None:
            end = self.today + timedelta(days=ends_in)
            return end - timedelta(days=length - 1), end
        start = self.today - timedelta(days=self.rng.randint(0, length + 200))
        return start, start + timedelta(days=length - 1)

    def founded(self, first_year: int, last_year: int) -> date:
        start, end = date(first_year, 1, 1).toordinal(), date(last_year, 12, 31).toordinal()
        return date.fromordinal(self.rng.randint(start, end))

    def committee(self, parent, code, name, short, unit, founded) -> PlannedOrg:
        start, end = self.term(5)
        return self.add(code=code, name=name, short_name=short, kind=OrgKind.COMMITTEE,
                        parent=parent, unit=unit, founded_on=founded, term_start=start,
                        term_end=end)  # fmt: skip

    def branch_sizes(self, total: int) -> Iterator[int]:
        remaining = total
        while remaining > 0:
            size = remaining if remaining <= 45 else self.rng.randint(8, min(45, remaining - 8))
            remaining -= size
            yield size

    def plan(self) -> list[PlannedOrg]:
        root = self.committee(None, ROOT_CODE, ROOT_NAME, "集团党委", "华北能源集团有限公司",
                              date(1998, 7, 1))  # fmt: skip
        hq = self.committee(root, f"{ROOT_CODE}01", "华北能源集团机关党委", "集团机关党委",
                            "华北能源集团有限公司总部", date(1998, 9, 1))  # fmt: skip
        coal = self.committee(root, f"{ROOT_CODE}10", "华北煤业有限公司党委", "煤业公司党委",
                              "华北煤业有限公司", date(2001, 3, 15))  # fmt: skip
        power = self.committee(root, f"{ROOT_CODE}20", "华北供电有限公司党委", "供电公司党委",
                               "华北供电有限公司", date(2003, 6, 18))  # fmt: skip
        hq_members = max(8, round(self.members * 0.06))
        coal_members = max(8, round(self.members * 0.58))
        power_members = max(8, self.members - hq_members - coal_members)
        # The demo secretary's branch comes first: 32 members (so it has party groups) and a
        # committee term ending in 45 days, so the 换届 reminder shows on the demo.
        coal_units = [Unit("机关", "华北煤业有限公司机关", ORGANS_TEAMS)]
        self.units(hq, None, [Unit("", "华北能源集团总部", HQ_DEPARTMENTS)], hq_members)
        mines = [Unit(name, f"华北煤业有限公司{name}", COAL_TEAMS) for name in COAL_MINES]
        self.units(coal, "M", [mines[0], *coal_units, *mines[1:]], coal_members, first=32)
        centres = [Unit(name, f"华北供电有限公司{name}", POWER_TEAMS) for name in POWER_UNITS]
        self.units(power, "P", centres, power_members)
        return self.orgs

    def unit_for(self, units: list[Unit], index: int, letter: str) -> Unit:
        if index < len(units):
            return units[index]
        number = index - len(units) + 1
        name = f"第{number}煤矿" if letter == "M" else f"第{number}供电所"
        return Unit(name, name, units[-1].teams)

    def units(self, committee, letter, units, total, first=None) -> None:
        """Branches of `committee`; with `letter`, grouped into general branches (one per unit)."""
        sizes = list(self.branch_sizes(total - (first or 0)))
        if first:
            sizes.insert(0, first)
        unit_no, parent, unit, capacity, slot = 0, committee, units[0], 0, 0
        for index, size in enumerate(sizes, start=1):
            if letter and slot >= capacity:
                unit = self.unit_for(units, unit_no, letter)
                unit_no += 1
                start, end = self.term(3)
                parent = self.add(
                    code=f"{committee.code}{letter}{unit_no:03d}",
                    name=f"{unit.name}党总支",
                    kind=OrgKind.GENERAL_BRANCH,
                    parent=committee,
                    unit=unit.unit,
                    founded_on=self.founded(2002, 2012),
                    term_start=start,
                    term_end=end,
                )
                capacity, slot = min(len(unit.teams), self.rng.randint(5, 9)), 0
            team = unit.teams[slot % len(unit.teams)] if letter else self.hq_team(index)
            slot += 1
            start, end = self.term(3, ends_in=45 if (first and index == 1) else None)
            branch = self.add(
                code=f"{parent.code}B{index:04d}" if letter else f"{committee.code}B{index:04d}",
                name=f"{team}党支部",
                kind=OrgKind.BRANCH,
                parent=parent,
                unit=f"{unit.unit}{team}" if letter else f"华北能源集团{team}",
                founded_on=self.founded(2005, 2021),
                term_start=start,
                term_end=end,
                size=size,
            )
            for number in range(1, party_group_count(size) + 1):
                self.add(
                    code=f"{branch.code}G{number}",
                    name=f"{team}第{cn_number(number)}党小组",
                    kind=OrgKind.PARTY_GROUP,
                    parent=branch,
                    founded_on=branch.founded_on,
                )

    def hq_team(self, index: int) -> str:
        if index <= len(HQ_DEPARTMENTS):
            return HQ_DEPARTMENTS[index - 1]
        return f"机关第{cn_number(index - len(HQ_DEPARTMENTS))}"


def party_group_count(size: int) -> int:
    """Branches of 20 or more members split into party groups of about twelve."""
    return 0 if size < 20 else math.ceil(size / 12)


# --- writing -----------------------------------------------------------------------------------


@dataclass
class SeedResult:
    created: bool
    organizations: int = 0
    members: int = 0
    employees: int = 0
    committee_members: int = 0
    role_assignments: int = 0
    demo_accounts: list[str] = field(default_factory=list)


def demo_root() -> Organization | None:
    return Organization.objects.filter(code=ROOT_CODE).first()


def _save_orgs(planned: list[PlannedOrg]) -> None:
    """Insert level by level: a node's path needs its own id and its parent's path."""
    for depth in sorted({org.depth for org in planned}):
        level = [org for org in planned if org.depth == depth]
        objs = [
            Organization(
                code=org.code, name=org.name, short_name=org.short_name, kind=org.kind,
                unit=org.unit, parent=org.parent.obj if org.parent else None,
                path=f"~{org.code}", depth=depth, founded_on=org.founded_on,
                term_start=org.term_start, term_end=org.term_end,
            )
            for org in level
        ]  # fmt: skip
        Organization.objects.bulk_create(objs, batch_size=BATCH)
        _fill_pks(objs, Organization, "code")
        for org, obj in zip(level, objs, strict=True):
            obj.path = (org.parent.obj.path if org.parent else "") + path_step(obj.pk)
            org.obj = obj
        Organization.objects.bulk_update(objs, ["path"], batch_size=500)


def _fill_pks(objs: list, model, key: str) -> None:
    """Backends that cannot return ids from a bulk insert: look them up by a unique key."""
    missing = [getattr(obj, key) for obj in objs if obj.pk is None]
    if not missing:
        return
    ids = {}
    for start in range(0, len(missing), BATCH):
        chunk = missing[start : start + BATCH]
        ids.update(model.objects.filter(**{f"{key}__in": chunk}).values_list(key, "pk"))
    for obj in objs:
        if obj.pk is None:
            obj.pk = ids[getattr(obj, key)]


class Writer:
    """Turns the plan into rows with bulk inserts (no per-row save, signal or audit)."""

    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        self.people = PeopleFactory(rng)
        self.password = make_password(DEMO_PASSWORD)  # hashed once, shared by every member
        self.roles = {role.code: role for role in Role.objects.all()}
        self.users: list[User] = []
        self.grants: list[tuple[int, str, Organization]] = []  # (user index, role, org)
        self.committee: list[CommitteeMember] = []
        self.committee_users: list[tuple[CommitteeMember, int]] = []

    def account(self, person: Person) -> int:
        self.users.append(
            User(username=MEMBER_USERNAME.format(len(self.users) + 1), name=person.name,
                 mobile=person.mobile, password=self.password, must_change_password=False)
        )  # fmt: skip
        return len(self.users) - 1

    def post(self, org: PlannedOrg, post: str, name: str, user_index: int | None = None):
        member = CommitteeMember(org=org.obj, post=post, name=name, term_start=org.term_start,
                                 term_end=org.term_end)  # fmt: skip
        self.committee.append(member)
        if user_index is not None:
            self.committee_users.append((member, user_index))

    def populate(self, planned: list[PlannedOrg], employees: int) -> None:
        branches = [org for org in planned if org.kind == OrgKind.BRANCH]
        groups: dict[str, list[PlannedOrg]] = {}
        for org in planned:
            if org.kind == OrgKind.PARTY_GROUP:
                groups.setdefault(org.parent.code, []).append(org)
            elif org.kind != OrgKind.BRANCH:
                self.leadership(org)
        for branch in branches:
            share = 0.88 if branch.code.startswith(f"{ROOT_CODE}10") else 0.7
            indexes = [self.account(self.people.person(share)) for _ in range(branch.size)]
            for index in indexes:
                self.grants.append((index, "party_member", branch.obj))
            self.branch_committee(branch, indexes)
            for number, group in enumerate(groups.get(branch.code, ())):
                leader = indexes[number * 12 + 1 if number * 12 + 1 < len(indexes) else -1]
                self.grants.append((leader, "group_leader", group.obj))
        for _ in range(employees):
            branch = self.rng.choice(branches)
            index = self.account(self.people.person(0.6))
            self.grants.append((index, "employee", branch.obj))

    def leadership(self, org: PlannedOrg) -> None:
        """Committees: secretary, deputy, organization, propaganda, discipline (+ members)."""
        posts = [CommitteePost.SECRETARY, CommitteePost.DEPUTY, CommitteePost.ORGANIZATION,
                 CommitteePost.PROPAGANDA, CommitteePost.DISCIPLINE]  # fmt: skip
        if org.kind == OrgKind.COMMITTEE:
            posts += [CommitteePost.MEMBER, CommitteePost.MEMBER]
        for post in posts:
            self.post(org, post, self.people.person(0.75).name)

    def branch_committee(self, branch: PlannedOrg, indexes: list[int]) -> None:
        """≥ 7 members elect a committee of secretary, organization, propaganda and discipline
        members; smaller branches have a secretary only (支部工作条例 2018)."""
        secretary = indexes[0]
        self.grants.append((secretary, "branch_secretary", branch.obj))
        self.post(branch, CommitteePost.SECRETARY, self.users[secretary].name, secretary)
        if len(indexes) < 7:
            return
        for offset, (post, role) in enumerate(
            (
                (CommitteePost.ORGANIZATION, "organization_member"),
                (CommitteePost.PROPAGANDA, "propaganda_member"),
                (CommitteePost.DISCIPLINE, "discipline_member"),
            ),
            start=2,
        ):
            index = indexes[offset]
            self.grants.append((index, role, branch.obj))
            self.post(branch, post, self.users[index].name, index)

    def flush(self) -> int:
        User.objects.bulk_create(self.users, batch_size=BATCH)
        _fill_pks(self.users, User, "username")
        assignments = [
            RoleAssignment(user_id=self.users[index].pk, role=self.roles[code], org=org,
                           valid_from=ASSIGNMENTS_FROM)
            for index, code, org in self.grants
        ]  # fmt: skip
        RoleAssignment.objects.bulk_create(assignments, batch_size=BATCH)
        for member, index in self.committee_users:
            member.user_id = self.users[index].pk
        CommitteeMember.objects.bulk_create(self.committee, batch_size=BATCH)
        return len(assignments)


@dataclass(frozen=True)
class DemoAccount:
    """One demo login: a role held at an organization (by code) — one per built-in role."""

    username: str
    name: str
    roles: tuple[tuple[str, str], ...]  # (role code, org code)
    mobile: str = ""

    @property
    def main_role(self) -> str:
        return self.roles[0][0]


def branch_a_code() -> str:
    return f"{ROOT_CODE}10M001B0001"


DEMO_ACCOUNTS = (
    DemoAccount("demo_sysadmin", "系统管理员", (("system_admin", ROOT_CODE),)),
    DemoAccount("demo_secadmin", "安全管理员", (("security_admin", ROOT_CODE),)),
    DemoAccount("demo_auditadmin", "审计管理员", (("audit_admin", ROOT_CODE),)),
    DemoAccount("demo_committee", "郑建国", (("committee_admin", ROOT_CODE),)),
    DemoAccount("demo_organization", "组织委员", (("organization_member", f"{ROOT_CODE}10"),)),
    DemoAccount("demo_propaganda", "宣传委员", (("propaganda_member", f"{ROOT_CODE}10"),)),
    DemoAccount("demo_discipline", "纪检委员", (("discipline_member", f"{ROOT_CODE}10"),)),
    DemoAccount(
        "demo_secretary",
        "王红梅",
        (("branch_secretary", branch_a_code()), ("party_member", branch_a_code())),
    ),
    DemoAccount(
        "demo_leader",
        "刘志强",
        (("group_leader", f"{branch_a_code()}G1"), ("party_member", branch_a_code())),
    ),
    DemoAccount("demo_member", "李晓东", (("party_member", branch_a_code()),)),
    DemoAccount("demo_employee", "孙职工", (("employee", branch_a_code()),)),
)


def create_demo_accounts() -> list[str]:
    """Create the demo accounts through the account services (validated, audited)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from dangjian.accounts.services import role_assign, user_create

    roles = {role.code: role for role in Role.objects.all()}
    created = []
    for spec in DEMO_ACCOUNTS:
        if User.objects.filter(username=spec.username).exists():
            continue
        user = user_create(actor=None, username=spec.username, name=spec.name,
                           password=DEMO_PASSWORD, must_change_password=False)  # fmt: skip
        for code, org_code in spec.roles:
            org = Organization.objects.get(code=org_code)
            role_assign(actor=None, user=user, role=roles[code], org=org,
                        valid_from=ASSIGNMENTS_FROM)  # fmt: skip
        if spec.main_role == "branch_secretary":  # the demo secretary chairs branch A
            CommitteeMember.objects.filter(
                org__code=spec.roles[0][1], post=CommitteePost.SECRETARY
            ).update(name=spec.name, user=user)
        if any(roles[code].requires_2fa for code, _ in spec.roles):
            TOTPDevice.objects.create(user=user, name=DEMO_DEVICE_NAME, key=DEMO_TOTP_KEY,
                                      confirmed=True)  # fmt: skip
        created.append(spec.username)
    return created


def seed(*, members: int = 1500, seed: int = 2026, today: date | None = None) -> SeedResult:
    """Build the demo group once. Returns created=False (and touches nothing) if it exists."""
    if demo_root() is not None:
        return SeedResult(created=False)
    today = today or timezone.localdate()
    rng = random.Random(seed)
    with transaction.atomic():
        planned = Planner(rng, members, today).plan()
        _save_orgs(planned)
        writer = Writer(rng, today)
        employees = members // 20
        writer.populate(planned, employees)
        assignments = writer.flush()
        accounts = create_demo_accounts()
        result = SeedResult(
            created=True,
            organizations=len(planned),
            members=members,
            employees=employees,
            committee_members=len(writer.committee),
            role_assignments=assignments,
            demo_accounts=accounts,
        )
        root = planned[0].obj
        audit_record(
            actor=None,
            action="demo.seed",
            target=root,
            org=root,
            actor_label="seed_demo",
            changes={
                "seed": seed,
                "organizations": result.organizations,
                "members": members,
                "employees": employees,
                "committee_members": result.committee_members,
                "role_assignments": assignments,
                "demo_accounts": accounts,
            },
        )
    return result
