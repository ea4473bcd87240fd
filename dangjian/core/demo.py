"""The demo enterprise: a deterministic, realistic energy group for `manage.py seed_demo`.

Planning (which organizations, how many members where, which committee terms) is pure Python
driven by one `random.Random(seed)`; writing uses bulk inserts and one shared password hash, so
200 000 members load in minutes on SQLite. Every generated member is an account holding the
`party_member` role at their branch *and* a member record (`members.Person`) linked to it; around
them are people without accounts (the development pipeline, employees, a few who left).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import DateField, DateTimeField, Max
from django.utils import timezone

from dangjian.accounts.models import Role, RoleAssignment, User
from dangjian.audit.services import audit_record
from dangjian.core.crypto import EncryptedTextField, encrypt
from dangjian.members.choices import (
    EXIT_STAGES,
    Education,
    PersonnelCategory,
    RewardKind,
    Stage,
    Standing,
)
from dangjian.members.models import (
    FamilyMember,
    Hardship,
    PostHeld,
    RewardPunishment,
    StageChange,
    Training,
)
from dangjian.members.models import Person as PersonRecord
from dangjian.members.pinyin import pinyin_keys
from dangjian.orgs.models import CommitteeMember, CommitteePost, Organization, OrgKind, path_step
from dangjian.rules import orgs as org_rules
from dangjian.rules.dates import add_months, age_on
from dangjian.rules.development import probation_end
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


# --- member records ----------------------------------------------------------------------------

MEMBER = "member"  # a PersonSpec stage: probationary or full, decided when the record is built
PEOPLE_BATCH = 4000
# People without accounts per branch, as shares of the branch's members: a development
# pipeline (申请人 3 %, 积极分子 2 %, 发展对象 1 %), employees, and a few who left.
OUTSIDER_RATES = (
    (Stage.APPLICANT, 0.03), (Stage.ACTIVIST, 0.02), (Stage.CANDIDATE, 0.01),
    (Stage.EMPLOYEE, 0.05), (Stage.TRANSFERRED_OUT, 0.004), (Stage.DIED, 0.001),
)  # fmt: skip
PROBATIONARY_SHARE = 0.04
# region code → (native place, address prefix)
REGION_PLACES = {
    "110101": ("北京东城", "北京市东城区"), "110105": ("北京朝阳", "北京市朝阳区"),
    "110108": ("北京海淀", "北京市海淀区"), "120101": ("天津和平", "天津市和平区"),
    "120104": ("天津南开", "天津市南开区"), "130102": ("河北石家庄", "河北省石家庄市长安区"),
    "130104": ("河北石家庄", "河北省石家庄市桥西区"), "130203": ("河北唐山", "河北省唐山市路北区"),
    "130402": ("河北邯郸", "河北省邯郸市邯山区"), "130602": ("河北保定", "河北省保定市竞秀区"),
    "130681": ("河北涿州", "河北省涿州市"), "130683": ("河北安国", "河北省安国市"),
    "140105": ("山西太原", "山西省太原市小店区"), "140106": ("山西太原", "山西省太原市迎泽区"),
    "140202": ("山西大同", "山西省大同市平城区"), "140302": ("山西阳泉", "山西省阳泉市城区"),
    "140402": ("山西长治", "山西省长治市潞州区"), "140702": ("山西晋中", "山西省晋中市榆次区"),
    "140902": ("山西忻州", "山西省忻州市忻府区"),
    "150102": ("内蒙古呼和浩特", "内蒙古自治区呼和浩特市新城区"),
    "150202": ("内蒙古包头", "内蒙古自治区包头市东河区"),
    "150602": ("内蒙古鄂尔多斯", "内蒙古自治区鄂尔多斯市东胜区"),
    "370102": ("山东济南", "山东省济南市历下区"), "370202": ("山东青岛", "山东省青岛市市南区"),
    "410102": ("河南郑州", "河南省郑州市中原区"), "410302": ("河南洛阳", "河南省洛阳市老城区"),
}  # fmt: skip
STREETS = ("建设路", "解放路", "人民路", "和平街", "矿区路", "新华街", "迎宾路", "胜利路",
           "朝阳街", "光明路", "电力路", "文化路", "友谊大街", "中山路", "长安街")  # fmt: skip
# (GB 3304 code, cumulative share): mostly 汉族, some 回族, 满族, 蒙古族.
ETHNICITY_SHARES = (("01", 0.93), ("03", 0.96), ("11", 0.985), ("02", 1.0))
EDUCATION_SHARES = {  # personnel category → (education, cumulative share)
    PersonnelCategory.WORKER: (
        (Education.BACHELOR, 0.12), (Education.COLLEGE, 0.42),
        (Education.SECONDARY_VOCATIONAL, 0.72), (Education.HIGH_SCHOOL, 0.9),
        (Education.JUNIOR_HIGH_OR_BELOW, 1.0)),
    PersonnelCategory.TECHNICIAN: (
        (Education.POSTGRADUATE, 0.12), (Education.BACHELOR, 0.72), (Education.COLLEGE, 1.0)),
    PersonnelCategory.MANAGER: (
        (Education.POSTGRADUATE, 0.2), (Education.BACHELOR, 0.85), (Education.COLLEGE, 1.0)),
    PersonnelCategory.RETIRED: (
        (Education.BACHELOR, 0.1), (Education.COLLEGE, 0.3), (Education.SECONDARY_VOCATIONAL, 0.55),
        (Education.HIGH_SCHOOL, 0.8), (Education.JUNIOR_HIGH_OR_BELOW, 1.0)),
}  # fmt: skip
JOBS = {  # (job, personnel category, title choices)
    "M": (("采煤工", "worker"), ("掘进工", "worker"), ("综采维修电工", "worker"),
          ("采煤机司机", "worker"), ("支架工", "worker"), ("运输工", "worker"),
          ("通风工", "worker"), ("瓦斯检查工", "worker"), ("安全员", "technician"),
          ("技术员", "technician"), ("调度员", "technician"), ("班组长", "worker"),
          ("副队长", "manager"), ("队长", "manager")),
    "P": (("变电运维工", "worker"), ("输电线路工", "worker"), ("配电线路工", "worker"),
          ("装表接电工", "worker"), ("营业员", "worker"), ("客户经理", "technician"),
          ("调控员", "technician"), ("技术员", "technician"), ("专责", "technician"),
          ("班长", "worker"), ("副主任", "manager"), ("主任", "manager")),
    "H": (("科员", "manager"), ("专责", "technician"), ("主管", "manager"),
          ("副经理", "manager"), ("经理", "manager"), ("工程师", "technician")),
}  # fmt: skip
TITLES = {
    "worker": ("", "", "", "高级工", "技师", "高级技师"),
    "technician": ("助理工程师", "工程师", "工程师", "高级工程师"),
    "manager": ("", "经济师", "政工师", "高级经济师", "高级政工师"),
    "retired": ("",),
}
MOBILE_DESTINATIONS = ("北京市朝阳区", "天津市滨海新区", "内蒙古自治区鄂尔多斯市",
                       "陕西省榆林市", "山东省青岛市", "广东省深圳市",
                       "新疆维吾尔自治区哈密市")  # fmt: skip
HISTORY_REASONS = {
    Stage.APPLICANT: "递交入党申请书",
    Stage.ACTIVIST: "确定为入党积极分子",
    Stage.CANDIDATE: "确定为发展对象",
    Stage.PROBATIONARY: "支部大会讨论接收为预备党员",
    Stage.FULL: "预备期满，按期转为正式党员",
    Stage.EMPLOYEE: "建立人员信息",
    Stage.TRANSFERRED_OUT: "组织关系转出本单位",
    Stage.DIED: "去世",
}


@dataclass(slots=True)
class PersonSpec:
    """Who gets a record where; the details are drawn when the record is built."""

    identity: Person
    branch: PlannedOrg
    stage: str  # a Stage, or MEMBER
    user_index: int | None = None
    group: PlannedOrg | None = None


def _pick(rng: random.Random, shares):
    draw = rng.random()
    for value, cumulative in shares:
        if draw < cumulative:
            return value
    return shares[-1][0]


def _days(start: date, end: date, rng: random.Random) -> date:
    """A random day in [start, end] (start if the range is empty)."""
    return date.fromordinal(rng.randint(start.toordinal(), max(start, end).toordinal()))


class Records:
    """Builds `members.Person` rows (and their stage history) and writes them in bulk.

    The costs per person are Fernet encryption of the ID number, phone and address (done by the
    field on insert, randomized, so once per value), the pinyin keys (cached per name) and the
    lookup hashes (HMAC with the key derived once, same result as `crypto.lookup_hash`).
    """

    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        self.names = PeopleFactory(rng)  # introducers
        # Verification times count back from `today` (not the clock): same seed, same rows.
        self.now = timezone.make_aware(datetime.combine(today, time(18)))
        self.pinyin: dict[str, tuple[str, str]] = {}
        self.seen_ids: set[str] = set()
        self.hash_key = lookup_key()
        self.stamp = timezone.now()  # created_at / updated_at / recorded_at
        self.person_rows = RowInserter(PersonRecord)
        self.change_rows = RowInserter(StageChange)

    def unique_id(self, person: Person) -> str:
        """The ID number, with another sequence number if an earlier person drew it."""
        number = person.id_number
        sequence = int(number[14:17])
        while number in self.seen_ids:
            sequence = sequence + 2 if sequence + 2 < 1000 else 2 - sequence % 2
            number = make_id_number(number[:6], person.birth_date, sequence)
        self.seen_ids.add(number)
        return number

    def keys(self, name: str) -> tuple[str, str]:
        keys = self.pinyin.get(name)
        if keys is None:
            keys = self.pinyin[name] = pinyin_keys(name)
        return keys

    def hash(self, value: str) -> str:
        return hmac.new(self.hash_key, value.strip().upper().encode(), hashlib.sha256).hexdigest()

    def career(self, branch: PlannedOrg, birth: date) -> tuple[str, str, str, str]:
        """(personnel category, job, title, education) for someone of this branch."""
        rng = self.rng
        if age_on(birth, self.today) >= 60:
            category, job = PersonnelCategory.RETIRED, "退休"
        else:
            letter = branch.code[len(ROOT_CODE) + 2 : len(ROOT_CODE) + 3]
            job, category = rng.choice(JOBS.get(letter, JOBS["H"]))
        return category, job, rng.choice(TITLES[category]), _pick(rng, EDUCATION_SHARES[category])

    def build(self, spec: PersonSpec, user_id: int | None) -> tuple[dict, list]:
        """The person's columns {attname: value} and stage history [(stage, date)]."""
        rng, today, identity = self.rng, self.today, spec.identity
        birth = identity.birth_date
        adult = add_months(birth, 18 * 12)
        stage = spec.stage
        application = join = full = None
        history: list[tuple[str, date]] = []
        if stage == MEMBER:
            stage = Stage.PROBATIONARY if rng.random() < PROBATIONARY_SHARE else Stage.FULL
            if stage == Stage.FULL and adult + timedelta(days=1000) > today:
                stage = Stage.PROBATIONARY  # too young to have finished probation
        if stage in (Stage.FULL, Stage.TRANSFERRED_OUT, Stage.DIED):
            # Most people join between 20 and 35, so the join eras follow the age pyramid.
            join = adult + timedelta(days=rng.randint(600, 6000))
            join = max(min(join, today - timedelta(days=rng.randint(370, 1500))),
                       adult + timedelta(days=600), date(1982, 1, 1))  # fmt: skip
            full = probation_end(join)
        elif stage == Stage.PROBATIONARY:
            join = _days(max(adult + timedelta(days=600), today - timedelta(days=360)),
                         today - timedelta(days=1), rng)  # fmt: skip
        if join:
            # 申请 → 积极分子 (1–4 months) → 发展对象 (a year or more) → 预备党员
            application = _days(max(adult, join - timedelta(days=2000)),
                                join - timedelta(days=520), rng)  # fmt: skip
            activist = application + timedelta(days=rng.randint(30, 120))
            candidate = _days(activist + timedelta(days=365), join - timedelta(days=30), rng)
            history = [(Stage.APPLICANT, application), (Stage.ACTIVIST, activist),
                       (Stage.CANDIDATE, candidate), (Stage.PROBATIONARY, join)]  # fmt: skip
            if full:
                history.append((Stage.FULL, full))
            if stage in (Stage.TRANSFERRED_OUT, Stage.DIED):
                history.append((stage, _days(full + timedelta(days=1), today, rng)))
        elif stage in (Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE):
            back = {Stage.APPLICANT: (10, 700), Stage.ACTIVIST: (200, 1000),
                    Stage.CANDIDATE: (500, 1400)}[stage]  # fmt: skip
            application = _days(max(adult, today - timedelta(days=back[1])),
                                today - timedelta(days=back[0]), rng)  # fmt: skip
            history = [(Stage.APPLICANT, application)]
            if stage != Stage.APPLICANT:
                history.append(
                    (
                        Stage.ACTIVIST,
                        _days(
                            application + timedelta(days=30), application + timedelta(days=120), rng
                        ),
                    )
                )
            if stage == Stage.CANDIDATE:
                history.append(
                    (Stage.CANDIDATE, _days(history[-1][1] + timedelta(days=365), today, rng))
                )
            if history[-1][1] > today:  # very young people: squeeze into the past
                history = [(s, min(on, today)) for s, on in history]
        else:  # employee
            history = [(Stage.EMPLOYEE, min(add_months(birth, 22 * 12), today))]
        category, job, title, education = self.career(spec.branch, birth)
        member = stage in (Stage.PROBATIONARY, Stage.FULL)
        region = identity.id_number[:6]
        native, address = REGION_PLACES.get(region, ("", ""))
        draw = rng.random()
        verified = None
        if draw < 0.6:
            verified = self.now - timedelta(days=rng.randint(1, 330), minutes=rng.randint(0, 600))
        elif draw < 0.75:
            verified = self.now - timedelta(days=rng.randint(400, 900))
        id_number = self.unique_id(identity)
        name = identity.name
        pinyin, initials = self.keys(name)
        person = {
            "name": name, "name_pinyin": pinyin, "name_initials": initials, "sex": identity.sex,
            "ethnicity": _pick(rng, ETHNICITY_SHARES), "birth_date": birth,
            "id_number": id_number, "id_number_hash": self.hash(id_number),
            "phone": identity.mobile, "phone_hash": self.hash(identity.mobile),
            "address": f"{address}{rng.choice(STREETS)}{rng.randint(1, 300)}号"
                       f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(101, 1802)}室",
            "native_place": native if rng.random() < 0.8 else rng.choice(NATIVE_PLACES),
            "photo_id": None, "education": education, "personnel_category": category,
            "work_unit": spec.branch.unit[:100], "job": job, "title": title,
            "branch_id": spec.branch.obj.pk,
            "party_group_id": spec.group.obj.pk if spec.group and member and rng.random() < 0.97
                              else None,
            "stage": stage, "application_date": application, "join_date": join,
            "full_member_date": full, "probation_extension_months": 0,
            "introducers": "、".join(self.names.name(rng.choice("MF")) for _ in range(2))
                           if join else "",
            "standing": Standing.NORMAL, "lost_contact_since": None, "mobile_destination": "",
            "user_id": user_id, "verified_at": verified, "is_active": stage not in EXIT_STAGES,
            "created_at": self.stamp, "updated_at": self.stamp,
        }  # fmt: skip
        if member:
            draw = rng.random()
            if draw < 0.004:
                person["standing"] = Standing.SUSPENDED
            elif draw < 0.01:
                person["lost_contact_since"] = _days(today - timedelta(days=1500),
                                                     today - timedelta(days=200), rng)  # fmt: skip
            elif draw < 0.025:
                person["mobile_destination"] = rng.choice(MOBILE_DESTINATIONS)
        return person, history

    def save(self, people: list[dict], histories: list[list]) -> None:
        """Insert a chunk of people, then their stage history (ids looked up by hash)."""
        before = PersonRecord.objects.aggregate(last=Max("pk"))["last"] or 0
        self.person_rows.insert(people)
        ids = dict(PersonRecord.objects.filter(pk__gt=before).values_list("id_number_hash", "pk"))
        changes = []
        for person, history in zip(people, histories, strict=True):
            person["id"] = person_id = ids[person["id_number_hash"]]
            previous = ""
            for stage, on in history:
                changes.append({"person_id": person_id, "from_stage": previous, "to_stage": stage,
                                "on": on, "reason": HISTORY_REASONS[stage],
                                "recorded_by_id": None, "recorded_at": self.stamp})  # fmt: skip
                previous = stage
        self.change_rows.insert(changes)


class RowInserter:
    """`INSERT … VALUES` through the cursor's executemany, for rows given as {attname: value}.

    Half of a Django bulk_create's time goes into preparing each value of each row through its
    field; here each column gets only what its type needs for the backend (dates adapted,
    encrypted fields encrypted — once per value, Fernet is randomized), and rows are sent in
    one executemany per batch. No signals, no auto_now: callers fill every column."""

    def __init__(self, model, batch: int = PEOPLE_BATCH):
        from django.db import connection

        self.connection, self.batch = connection, batch
        ops, quote = connection.ops, connection.ops.quote_name
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.names = [f.attname for f in fields]
        self.adapters = []
        for f in fields:
            if isinstance(f, EncryptedTextField):
                self.adapters.append(lambda v: encrypt(v) if v else v)
            elif isinstance(f, DateTimeField):
                self.adapters.append(ops.adapt_datetimefield_value)
            elif isinstance(f, DateField):
                self.adapters.append(ops.adapt_datefield_value)
            else:
                self.adapters.append(None)
        # Names from the model, quoted by the backend; values are always parameters.
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
            quote(model._meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join(["%s"] * len(fields)),
        )

    def insert(self, rows: list[dict]) -> None:
        pairs = list(zip(self.names, self.adapters, strict=True))
        with self.connection.cursor() as cursor:
            for start in range(0, len(rows), self.batch):
                cursor.executemany(self.sql, [
                    [row[name] if adapt is None or row[name] is None else adapt(row[name])
                     for name, adapt in pairs]
                    for row in rows[start : start + self.batch]
                ])  # fmt: skip


NATIVE_PLACES = tuple(sorted({native for native, _ in REGION_PLACES.values()}))


def lookup_key() -> bytes:
    """The key `crypto.lookup_hash` derives on every call, derived once."""
    return hashlib.sha256(b"lookup:" + settings.FIELD_ENCRYPTION_KEYS[0].encode()).digest()


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
    people: int = 0  # member records (Person rows), by stage in `stages`
    stages: dict[str, int] = field(default_factory=dict)
    development: dict[str, int] = field(default_factory=dict)  # pipelines, steps, …
    orglife: dict[str, int] = field(default_factory=dict)  # activities, attendance rows, …


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

    def __init__(self, rng: random.Random, today: date, seed: int = 0):
        self.rng = rng
        self.today = today
        self.people = PeopleFactory(rng)
        # People without accounts (pipeline, employees, exits) come from their own Random, so
        # adding them leaves the accounts drawn from `rng` as they were.
        self.outsiders = PeopleFactory(random.Random(f"{seed}/people"))
        self.identities: list[Person] = []  # parallel to self.users
        self.specs: list[PersonSpec] = []
        self.password = make_password(DEMO_PASSWORD)  # hashed once, shared by every member
        self.roles = {role.code: role for role in Role.objects.all()}
        self.users: list[User] = []
        self.grants: list[tuple[int, str, Organization]] = []  # (user index, role, org)
        self.committee: list[CommitteeMember] = []
        self.committee_users: list[tuple[CommitteeMember, int]] = []

    def account(self, person: Person) -> int:
        self.identities.append(person)
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
            branch_groups = groups.get(branch.code, [])
            for position, index in enumerate(indexes):
                self.grants.append((index, "party_member", branch.obj))
                group = branch_groups[min(position // 12, len(branch_groups) - 1)] if (
                    branch_groups) else None  # fmt: skip
                self.specs.append(PersonSpec(self.identities[index], branch, MEMBER, index, group))
            self.branch_committee(branch, indexes)
            for number, group in enumerate(branch_groups):
                leader = indexes[number * 12 + 1 if number * 12 + 1 < len(indexes) else -1]
                self.grants.append((leader, "group_leader", group.obj))
            self.outsiders_of(branch)
        for _ in range(employees):
            branch = self.rng.choice(branches)
            index = self.account(self.people.person(0.6))
            self.grants.append((index, "employee", branch.obj))
            self.specs.append(PersonSpec(self.identities[index], branch, Stage.EMPLOYEE, index))

    def outsiders_of(self, branch: PlannedOrg) -> None:
        """People without accounts: the development pipeline, employees, a few who left."""
        rng, share = self.outsiders.rng, 0.88 if branch.code.startswith(f"{ROOT_CODE}10") else 0.7
        for stage, rate in OUTSIDER_RATES:
            for _ in range(int(branch.size * rate + rng.random())):
                self.specs.append(PersonSpec(self.outsiders.person(share), branch, stage))

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

    def write_people(self, records: Records) -> Counter:
        """Member records for every planned person, in chunks (bounded memory)."""
        stages: Counter = Counter()
        for start in range(0, len(self.specs), PEOPLE_BATCH):
            chunk = self.specs[start : start + PEOPLE_BATCH]
            people, histories = [], []
            for spec in chunk:
                user_id = self.users[spec.user_index].pk if spec.user_index is not None else None
                person, history = records.build(spec, user_id)
                people.append(person)
                histories.append(history)
                stages[person["stage"]] += 1
            records.save(people, histories)
        return stages


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
    DemoAccount("demo_organization", "周卫东", (("organization_member", f"{ROOT_CODE}10"),)),
    DemoAccount("demo_propaganda", "陈静", (("propaganda_member", f"{ROOT_CODE}10"),)),
    DemoAccount("demo_discipline", "赵铁军", (("discipline_member", f"{ROOT_CODE}10"),)),
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


@dataclass(frozen=True)
class DemoPerson:
    """The member record behind a demo account (the administrators have none)."""

    username: str
    sex: str
    birth: str  # YYYY-MM-DD
    region: str
    stage: str
    join: str | None
    education: str
    category: str
    job: str
    title: str = ""
    in_group: bool = True


DEMO_PEOPLE = (
    DemoPerson("demo_secretary", "F", "1979-03-12", "140105", Stage.FULL, "2003-06-28",
               Education.BACHELOR, PersonnelCategory.MANAGER, "党支部书记、副队长", "工程师"),
    DemoPerson("demo_leader", "M", "1985-08-20", "140702", Stage.FULL, "2010-06-25",
               Education.COLLEGE, PersonnelCategory.WORKER, "综采班班长", "技师"),
    DemoPerson("demo_member", "M", "1992-11-05", "130681", Stage.FULL, "2016-07-01",
               Education.BACHELOR, PersonnelCategory.WORKER, "采煤机司机", "高级工"),
    DemoPerson("demo_employee", "M", "2000-04-18", "140402", Stage.EMPLOYEE, None,
               Education.COLLEGE, PersonnelCategory.WORKER, "支架工", in_group=False),
    DemoPerson("demo_committee", "M", "1968-10-01", "110105", Stage.FULL, "1992-06-30",
               Education.POSTGRADUATE, PersonnelCategory.MANAGER, "党建工作部主任",
               "高级政工师", in_group=False),
    DemoPerson("demo_organization", "M", "1975-05-16", "140106", Stage.FULL, "1998-12-20",
               Education.BACHELOR, PersonnelCategory.MANAGER, "组织部部长", "政工师", False),
    DemoPerson("demo_propaganda", "F", "1983-09-09", "130602", Stage.FULL, "2007-05-18",
               Education.POSTGRADUATE, PersonnelCategory.MANAGER, "宣传部部长", "政工师", False),
    DemoPerson("demo_discipline", "M", "1972-01-23", "150602", Stage.FULL, "1996-06-30",
               Education.BACHELOR, PersonnelCategory.MANAGER, "纪委副书记", "高级政工师", False),
)  # fmt: skip


def demo_branch(username: str, planned: list[PlannedOrg]) -> PlannedOrg:
    """Branch A for the branch's own accounts; the HQ party-building department's branch for
    the group committee; the coal company's office branch for its committee members."""
    branches = [org for org in planned if org.kind == OrgKind.BRANCH]
    wanted = {"demo_committee": (f"{ROOT_CODE}01B", "党建工作部"),
              "demo_organization": (f"{ROOT_CODE}10M002", ""),
              "demo_propaganda": (f"{ROOT_CODE}10M002", ""),
              "demo_discipline": (f"{ROOT_CODE}10M002", "")}.get(username)  # fmt: skip
    if wanted:
        for org in branches:
            if org.code.startswith(wanted[0]) and wanted[1] in org.name:
                return org
        for org in branches:  # small demos: not every unit exists
            if org.code.startswith(wanted[0][: len(ROOT_CODE) + 2]):
                return org
    return next(org for org in branches if org.code == branch_a_code())


def create_demo_people(records: Records, planned: list[PlannedOrg]) -> list[PersonRecord]:
    """Records for the demo accounts, with posts, rewards, trainings and family, so their
    detail pages look lived-in."""
    users = {u.username: u for u in User.objects.filter(username__startswith="demo_")}
    people, histories = [], []
    for number, spec in enumerate(DEMO_PEOPLE, start=1):
        user = users.get(spec.username)
        if user is None or PersonRecord.objects.filter(user=user).exists():
            continue
        birth = date.fromisoformat(spec.birth)
        sequence = number * 2 - (spec.sex == "M")  # odd for men
        identity = Person(name=user.name, sex=spec.sex, birth_date=birth,
                          id_number=make_id_number(spec.region, birth, sequence),
                          mobile=f"1380351{number:04d}")  # fmt: skip
        branch = demo_branch(spec.username, planned)
        group = next((o for o in planned if o.parent is branch), None) if spec.in_group else None
        person, history = records.build(
            PersonSpec(identity, branch, Stage.EMPLOYEE if spec.stage == Stage.EMPLOYEE else MEMBER,
                       None, group), user.pk)  # fmt: skip
        person.update(education=spec.education, personnel_category=spec.category, job=spec.job,
                      title=spec.title, party_group_id=group.obj.pk if group else None,
                      standing=Standing.NORMAL, lost_contact_since=None, mobile_destination="",
                      verified_at=records.now - timedelta(days=20 + number))  # fmt: skip
        if spec.join:
            join = date.fromisoformat(spec.join)
            person.update(stage=spec.stage, join_date=join, full_member_date=probation_end(join),
                          application_date=add_months(join, -30))  # fmt: skip
            history = [(Stage.APPLICANT, person["application_date"]),
                       (Stage.ACTIVIST, add_months(join, -27)),
                       (Stage.CANDIDATE, add_months(join, -3)),
                       (Stage.PROBATIONARY, join),
                       (Stage.FULL, person["full_member_date"])]  # fmt: skip
        people.append(person)
        histories.append(history)
    records.save(people, histories)
    saved = list(PersonRecord.objects.filter(pk__in=[p["id"] for p in people])
                 .select_related("user").order_by("pk"))  # fmt: skip
    for person in saved:
        record_sets(person)
    return saved


def record_sets(person: PersonRecord) -> None:
    """A few rows in each record set, drawn from the person's own data (deterministic)."""
    join = person.join_date or add_months(person.birth_date, 22 * 12)
    start = add_months(person.birth_date, 21 * 12)
    company = person.work_unit or "华北能源集团"
    PostHeld.objects.bulk_create([
        PostHeld(person=person, organization=company, post="见习员工", start=start,
                 end=add_months(start, 12)),
        PostHeld(person=person, organization=company, post=person.job or "职员",
                 start=add_months(start, 12)),
    ])  # fmt: skip
    if person.join_date:
        RewardPunishment.objects.bulk_create([
            RewardPunishment(person=person, kind=RewardKind.REWARD, name="优秀共产党员",
                             on=date(max(join.year + 2, 2021), 6, 28),
                             issuer="华北煤业有限公司党委"),
            RewardPunishment(person=person, kind=RewardKind.REWARD, name="安全生产先进个人",
                             on=date(max(join.year + 4, 2023), 1, 18),
                             issuer="华北煤业有限公司"),
        ])  # fmt: skip
        Training.objects.bulk_create([
            Training(person=person, name="党员冬训：学习贯彻党的二十大精神",
                     start=date(2024, 12, 2), end=date(2024, 12, 6), hours=Decimal("24"),
                     organizer="华北能源集团党委党校"),
            Training(person=person, name="党支部书记和党务干部培训班", start=date(2025, 5, 12),
                     end=date(2025, 5, 16), hours=Decimal("32"), organizer="华北煤业有限公司党委"),
        ])  # fmt: skip
    else:
        Training.objects.create(person=person, name="入党积极分子培训班", start=date(2025, 9, 8),
                                end=date(2025, 9, 10), hours=Decimal("24"),
                                organizer="华北煤业有限公司党委")  # fmt: skip
    married = person.birth_date.year < 1998
    family = [
        FamilyMember(person=person, relation="父亲", name=person.name[0] + "建国",
                     birth_year=person.birth_date.year - 27, political_status="中共党员",
                     work_unit="退休"),
        FamilyMember(person=person, relation="母亲", name="王桂兰",
                     birth_year=person.birth_date.year - 25, political_status="群众",
                     work_unit="退休"),
    ]  # fmt: skip
    if married:
        family.append(FamilyMember(
            person=person, relation="丈夫" if person.sex == "F" else "妻子",
            name="张海涛" if person.sex == "F" else "王丽",
            birth_year=person.birth_date.year + (1 if person.sex == "M" else -1),
            political_status="群众", work_unit="华北供电有限公司营销服务中心 营业员"))  # fmt: skip
    FamilyMember.objects.bulk_create(family)
    if person.user and person.user.username == "demo_member":
        Hardship.objects.create(person=person, kind="家庭成员患病",
                                description="父亲2024年起患慢性病，需定期住院治疗，家庭支出较大。",
                                since=date(2024, 3, 1))  # fmt: skip


@contextmanager
def _big_sqlite_cache(mib: int = 256):
    """SQLite's default page cache is 2 MB; index upkeep for 200 000 people with a dozen
    indexes thrashes it. A larger cache for this connection, while seeding."""
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{mib * 1024}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def seed(*, members: int = 1500, seed: int = 2026, today: date | None = None,
         orglife_months: int = 12) -> SeedResult:  # fmt: skip
    """Build the demo group once. Returns created=False (and touches nothing) if it exists.

    `orglife_months`: months of organizational-life history before the current one (0: none).
    """
    if demo_root() is not None:
        return SeedResult(created=False)
    today = today or timezone.localdate()
    rng = random.Random(seed)
    with transaction.atomic(), _big_sqlite_cache():
        planned = Planner(rng, members, today).plan()
        _save_orgs(planned)
        writer = Writer(rng, today, seed)
        employees = members // 20
        writer.populate(planned, employees)
        assignments = writer.flush()
        records = Records(random.Random(f"{seed}/records"), today)
        stages = writer.write_people(records)
        accounts = create_demo_accounts()
        for person in create_demo_people(records, planned):
            stages[person.stage] += 1
        from dangjian.development.demo import seed_development  # builds on the people above

        development = seed_development(
            random.Random(f"{seed}/development"), today, records=records, planned=planned
        )
        stages.update(development.people)
        from dangjian.orglife.demo import seed_orglife  # builds on the people and pipelines

        orglife = seed_orglife(random.Random(f"{seed}/orglife"), today, root=planned[0].obj,
                               months=orglife_months)  # fmt: skip
        result = SeedResult(
            created=True,
            organizations=len(planned),
            members=members,
            employees=employees,
            committee_members=len(writer.committee),
            role_assignments=assignments,
            demo_accounts=accounts,
            people=sum(stages.values()),
            stages={str(stage): count for stage, count in sorted(stages.items())},
            development=development.counts(),
            orglife=orglife.counts(),
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
                "people": result.people,
                "stages": result.stages,
                "development": result.development,
                "orglife": result.orglife,
            },
        )
    _analyze()
    return result


def _analyze() -> None:
    """Planner statistics for the freshly loaded tables. Without them SQLite guesses, and the
    member list of a 200 000-person group picks a plan 100× slower (bench/results.md);
    PostgreSQL's autovacuum would get there too, only later."""
    from django.db import connection

    if connection.vendor in ("sqlite", "postgresql"):
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
