"""Structural rules of the organization tree (支部工作条例 2018; DOMAIN.md §2–3)."""

from dataclasses import dataclass

from dangjian.rules import RuleError

COMMITTEE = "committee"
GENERAL_BRANCH = "general_branch"
BRANCH = "branch"
JOINT_BRANCH = "joint_branch"
PARTY_GROUP = "party_group"

KIND_NAMES = {
    COMMITTEE: "党委",
    GENERAL_BRANCH: "党总支",
    BRANCH: "党支部",
    JOINT_BRANCH: "联合党支部",
    PARTY_GROUP: "党小组",
}
BRANCH_KINDS = frozenset({BRANCH, JOINT_BRANCH})

# kind -> kinds it may sit under (None = may be a root)
ALLOWED_PARENTS: dict[str, frozenset] = {
    COMMITTEE: frozenset({None, COMMITTEE}),
    GENERAL_BRANCH: frozenset({COMMITTEE}),
    BRANCH: frozenset({COMMITTEE, GENERAL_BRANCH}),
    JOINT_BRANCH: frozenset({COMMITTEE, GENERAL_BRANCH}),
    PARTY_GROUP: BRANCH_KINDS,
}


@dataclass(frozen=True)
class OrgPolicy:
    """Versioned structural policy; kinds that may approve new members (发展党员细则 2014 §17)."""

    name: str
    approving_kinds: frozenset


ORG_2018 = OrgPolicy(name="支部工作条例（试行）2018", approving_kinds=frozenset({COMMITTEE}))


def check_placement(kind: str, parent_kind: str | None) -> None:
    """Raise RuleError if an organization of `kind` may not sit under `parent_kind`."""
    if kind not in ALLOWED_PARENTS:
        raise RuleError(f"未知的组织类型：{kind}")
    if parent_kind in ALLOWED_PARENTS[kind]:
        return
    name = KIND_NAMES[kind]
    if parent_kind is None:
        raise RuleError(f"{name}必须有上级组织。")
    if kind == PARTY_GROUP:
        raise RuleError("党小组只能设在党支部（或联合党支部）之下。")
    if parent_kind in BRANCH_KINDS:
        raise RuleError(f"党支部之下不能再设{name}，只能设党小组。")
    if parent_kind == PARTY_GROUP:
        raise RuleError("党小组之下不能再设组织。")
    allowed = "、".join(KIND_NAMES[k] for k in sorted(ALLOWED_PARENTS[kind] - {None}))
    raise RuleError(f"{name}的上级组织只能是{allowed}，不能是{KIND_NAMES[parent_kind]}。")


def can_approve_members(kind: str, policy: OrgPolicy = ORG_2018) -> bool:
    """Only a basic-level committee approves admissions; a 党总支 never does."""
    return kind in policy.approving_kinds


def check_can_approve_members(kind: str, policy: OrgPolicy = ORG_2018) -> None:
    if not can_approve_members(kind, policy):
        raise RuleError(
            f"{KIND_NAMES.get(kind, kind)}无权审批接收党员，须由基层党委审批（{policy.name}）。"
        )
