"""Shared test helpers: personas (ARCHITECTURE.md §9) and signing a client in as one."""

from dataclasses import dataclass
from datetime import date

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.accounts.models import Role, User
from dangjian.accounts.services import role_assign
from dangjian.orgs.models import Organization, OrgKind
from dangjian.orgs.services import org_create

PASSWORD = "Dangjian#2026ok"


@dataclass
class OrgTree:
    group: Organization  # 集团党委 (root)
    company: Organization  # 煤业公司党委
    general_branch: Organization  # 综采总支
    branch_a: Organization  # 综采一队支部
    branch_b: Organization  # 机关第一支部 (directly under the company committee)
    group_a: Organization  # 党小组 in branch A
    other_company: Organization  # 供电公司党委
    branch_c: Organization  # a branch of the other company


def build_org_tree() -> OrgTree:
    def make(parent, code, name, kind):
        return org_create(
            actor=None, parent=parent, code=code, name=name, kind=kind, founded_on=date(2010, 7, 1)
        )

    group = make(None, "T00", "测试能源集团党委", OrgKind.COMMITTEE)
    company = make(group, "T10", "测试煤业公司党委", OrgKind.COMMITTEE)
    general = make(company, "T11", "综采党总支", OrgKind.GENERAL_BRANCH)
    branch_a = make(general, "T111", "综采一队党支部", OrgKind.BRANCH)
    branch_b = make(company, "T12", "机关第一党支部", OrgKind.BRANCH)
    group_a = make(branch_a, "T1111", "综采一队第一党小组", OrgKind.PARTY_GROUP)
    other = make(group, "T20", "测试供电公司党委", OrgKind.COMMITTEE)
    branch_c = make(other, "T21", "变电运维党支部", OrgKind.BRANCH)
    return OrgTree(group, company, general, branch_a, branch_b, group_a, other, branch_c)


def make_user(username: str, name: str, *roles: tuple[str, Organization]) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, name=name, must_change_password=False
    )
    for code, org in roles:
        role_assign(
            actor=None,
            user=user,
            role=Role.objects.get(code=code),
            org=org,
            valid_from=date(2020, 1, 1),
        )
    return user


@dataclass
class Personas:
    committee_admin: User
    secretary_a: User
    member_a: User
    member_b: User
    outsider: User
    system_admin: User
    security_admin: User
    audit_admin: User

    def all(self) -> dict[str, User]:
        return dict(vars(self))


def build_personas(tree: OrgTree) -> Personas:
    return Personas(
        committee_admin=make_user("p_committee", "郑委员", ("committee_admin", tree.group)),
        secretary_a=make_user(
            "p_secretary_a",
            "王书记",
            ("branch_secretary", tree.branch_a),
            ("party_member", tree.branch_a),
        ),
        member_a=make_user("p_member_a", "李党员", ("party_member", tree.branch_a)),
        member_b=make_user("p_member_b", "赵党员", ("party_member", tree.branch_b)),
        outsider=make_user("p_outsider", "孙职工", ("employee", tree.branch_c)),
        system_admin=make_user("p_sysadmin", "系统管理员", ("system_admin", tree.group)),
        security_admin=make_user("p_secadmin", "安全管理员", ("security_admin", tree.group)),
        audit_admin=make_user("p_auditadmin", "审计管理员", ("audit_admin", tree.group)),
    )


def login_as(client, user: User) -> None:
    """Sign `client` in as `user`, passing the two-factor step when the user's roles need it."""
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="test", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
