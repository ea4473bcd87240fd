"""The catalogue of permission codes and built-in roles (ARCHITECTURE.md §3).

Roles live in the database (so assignments can reference them) but the built-in ones are
defined here and synchronised after every migrate: code is the source of truth for what a
built-in role may do. Later modules add their codes here.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

# permission code -> human label
PERMISSIONS = {
    "orgs.view": _("View organizations"),
    "orgs.manage": _("Manage organizations and their committees"),
    "members.view": _("View member records"),
    "members.view_sensitive": _("View unmasked personal data"),
    "members.manage": _("Manage member records"),
    "transfers.request": _("Start membership transfers and register mobile members"),
    "transfers.approve": _("Approve and accept membership transfers"),
    "development.view": _("View member development"),
    "development.manage": _("Record member-development steps of a branch"),
    "development.approve": _("Record the higher committee's development steps and approvals"),
    "development.override": _("Record a development step as an exception to a rule"),
    "orglife.view": _("View organizational life: activities, minutes, compliance"),
    "orglife.manage": _("Plan and run a branch's activities, attendance and minutes"),
    "orglife.configure": _("Define activity types and the organizational-life policy"),
    "accounts.manage": _("Manage user accounts and role assignments"),
    "security.manage": _("Manage security: lockouts, two-factor resets"),
    "audit.view": _("View and export the audit log"),
}


@dataclass(frozen=True)
class RoleSpec:
    code: str
    name: str
    permissions: frozenset[str] = field(default_factory=frozenset)
    requires_2fa: bool = False
    # 三员分立: an account may hold at most one role with separation_of_duties=True.
    separation_of_duties: bool = False


BUSINESS_READ = {"orgs.view", "members.view"}

ROLES = [
    RoleSpec("system_admin", _("System administrator"),
             frozenset({"accounts.manage", "orgs.view"}), True, True),
    RoleSpec("security_admin", _("Security administrator"),
             frozenset({"security.manage"}), True, True),
    RoleSpec("audit_admin", _("Audit administrator"), frozenset({"audit.view"}), True, True),
    RoleSpec("committee_admin", _("Committee administrator"),
             frozenset({"orgs.view", "orgs.manage", "members.view", "members.view_sensitive",
                        "members.manage", "transfers.request", "transfers.approve",
                        "development.view", "development.manage", "development.approve",
                        "development.override", "orglife.view", "orglife.manage",
                        "orglife.configure"}), True),
    RoleSpec("branch_secretary", _("Branch secretary"),
             frozenset({"orgs.view", "orgs.manage", "members.view", "members.view_sensitive",
                        "members.manage", "transfers.request", "development.view",
                        "development.manage", "orglife.view", "orglife.manage"})),
    RoleSpec("organization_member", _("Organization committee member"),
             frozenset({"orgs.view", "members.view", "members.manage", "transfers.request",
                        "development.view", "development.manage", "orglife.view",
                        "orglife.manage"})),
    RoleSpec("propaganda_member", _("Propaganda committee member"),
             frozenset(BUSINESS_READ | {"orglife.view"})),
    RoleSpec("discipline_member", _("Discipline committee member"),
             frozenset(BUSINESS_READ | {"orglife.view"})),
    # a party group leader runs the group's meetings (assigned at the party group)
    RoleSpec("group_leader", _("Party group leader"),
             frozenset(BUSINESS_READ | {"orglife.view", "orglife.manage"})),
    RoleSpec("party_member", _("Party member"), frozenset({"orgs.view"})),
    RoleSpec("employee", _("Employee (non-member)"), frozenset()),
]  # fmt: skip

ROLE_BY_CODE = {spec.code: spec for spec in ROLES}
