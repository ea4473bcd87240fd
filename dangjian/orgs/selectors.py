"""Reads of the organization tree. Every one starts from `restrict(user, action)`."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from dangjian.core.scope import scope_paths
from dangjian.orgs.models import (
    PATH_STEP,
    TERM_WARNING_DAYS,
    CommitteeMember,
    CommitteePost,
    Organization,
    OrgKind,
)
from dangjian.rules import orgs as org_rules

TREE_LEVELS = 3  # levels rendered at once; deeper nodes load on demand (htmx)


def term_q(status: str, today: date | None = None) -> Q:
    """Q for 'ended', 'ending' (within 90 days) or 'due' (either) — mirrors term_status()."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=TERM_WARNING_DAYS)
    if status == "ended":
        return Q(term_end__lt=today)
    if status == "ending":
        return Q(term_end__gte=today, term_end__lte=horizon)
    return Q(term_end__lte=horizon)


SEARCH_FIELDS = ("name", "short_name", "code", "unit")


def org_search(queryset: QuerySet, text: str) -> QuerySet:
    """Match `text` in the name, short name, code or work unit."""
    text = text.strip()[:100]
    if not text:
        return queryset
    q = Q()
    for name in SEARCH_FIELDS:
        q |= Q(**{f"{name}__icontains": text})
    return queryset.filter(q)


def org_list(user, action: str = "orgs.view") -> QuerySet[Organization]:
    return Organization.objects.restrict(user, action).select_related("parent")


def org_ancestors(org: Organization) -> list[Organization]:
    """Root first, excluding `org` itself: one query on the path prefixes."""
    paths = org.ancestor_paths()[:-1]
    return list(Organization.objects.filter(path__in=paths).order_by("path")) if paths else []


def org_children(org: Organization) -> list[Organization]:
    return list(org.children.order_by("-is_active", "path"))


def committee_of(org: Organization, today: date | None = None) -> tuple[list, list]:
    """(current members, past members) of the org's committee, each ordered by post."""
    today = today or timezone.localdate()
    current, past = [], []
    for member in CommitteeMember.objects.filter(org=org).select_related("user"):
        (current if member.term_end is None or member.term_end >= today else past).append(member)
    order = {post.value: index for index, post in enumerate(CommitteePost)}
    current.sort(key=lambda m: (order.get(m.post, 99), m.term_start))
    past.sort(key=lambda m: m.term_end or today, reverse=True)
    return current, past


def allowed_child_kinds(parent_kind: str | None) -> list[tuple[str, str]]:
    """Kind choices that `rules.orgs.check_placement` accepts under `parent_kind`."""
    return [
        (kind.value, kind.label)
        for kind in OrgKind
        if parent_kind in org_rules.ALLOWED_PARENTS.get(kind.value, ())
    ]


def move_targets(user, org: Organization) -> QuerySet[Organization]:
    """Where `user` may move `org`: active orgs they manage, of a kind allowed as its parent,
    outside its own subtree and other than its current parent."""
    kinds = [k for k in org_rules.ALLOWED_PARENTS.get(org.kind, ()) if k is not None]
    return (
        Organization.objects.restrict(user, "orgs.manage")
        .filter(is_active=True, kind__in=kinds)
        .exclude(path__startswith=org.path)
        .exclude(pk=org.parent_id or 0)
        .order_by("path")
    )


def term_reminders(user, limit: int = 10) -> tuple[list[Organization], bool]:
    """Active orgs the user manages whose term has ended or ends within 90 days, soonest first;
    returns (up to `limit` orgs, whether there are more). One query."""
    rows = list(
        Organization.objects.restrict(user, "orgs.manage")
        .filter(term_q("due"), is_active=True)
        .order_by("term_end", "path")[: limit + 1]
    )
    return rows[:limit], len(rows) > limit


@dataclass
class TreeNode:
    org: Organization
    has_children: bool
    children: list["TreeNode"] = field(default_factory=list)

    @property
    def loaded(self) -> bool:
        """Children present (or none to load); otherwise the page fetches them on demand."""
        return bool(self.children) or not self.has_children


def _with_child_flag(queryset: QuerySet) -> QuerySet:
    return queryset.annotate(
        has_children=Exists(Organization.objects.filter(parent_id=OuterRef("pk")))
    ).order_by("path")


def _build(rows) -> list[TreeNode]:
    """Nest rows ordered by path; a row whose parent is not among them is a top node."""
    by_path: dict[str, TreeNode] = {}
    top: list[TreeNode] = []
    for org in rows:
        node = TreeNode(org=org, has_children=org.has_children)
        by_path[org.path] = node
        parent = by_path.get(org.path[:-PATH_STEP])
        (parent.children if parent else top).append(node)
    return top


def tree_for(user, levels: int = TREE_LEVELS) -> list[TreeNode]:
    """The user's visible forest: each scope root and `levels - 1` levels below it. One query."""
    q = Q(pk__in=[])
    for path in scope_paths(user, "orgs.view"):
        depth = len(path) // PATH_STEP
        q |= Q(path__startswith=path, depth__lt=depth + levels)
    return _build(_with_child_flag(Organization.objects.restrict(user, "orgs.view").filter(q)))


def tree_children(org: Organization) -> list[TreeNode]:
    """The direct children of an org the caller already fetched in scope. One query."""
    return _build(_with_child_flag(Organization.objects.filter(parent=org)))
