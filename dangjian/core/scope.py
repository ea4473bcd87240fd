"""`restrict(user, action)`: the only door to org-owned data (ARCHITECTURE.md §3).

A user's current role assignments are loaded once per request (cached on the user object);
each grants its role's permission codes over the assigned org's subtree, expressed as
materialized-path prefixes. Out of scope is indistinguishable from missing: callers use
`get_scoped_or_404`, which raises Http404 for both.
"""

from django.db import models
from django.db.models import Q
from django.http import Http404

_CACHE_ATTR = "_dangjian_grants"


def _grants(user) -> list[tuple[frozenset[str], str]]:
    """[(permission codes, org path)] for the user's assignments valid today."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        from dangjian.accounts.models import RoleAssignment

        rows = (
            RoleAssignment.objects.current()
            .filter(user_id=user.pk, org__is_active=True)
            .values_list("role__permissions", "org__path")
        )
        cached = [(frozenset(perms or ()), path) for perms, path in rows]
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_grants(user) -> None:
    """Drop the per-request cache after the user's assignments change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def scope_paths(user, action: str) -> list[str]:
    """Minimal set of path prefixes where `user` may perform `action`."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    paths = sorted({path for perms, path in _grants(user) if action in perms})
    minimal: list[str] = []
    for path in paths:  # sorted, so an ancestor always comes before its descendants
        if not any(path.startswith(kept) for kept in minimal):
            minimal.append(path)
    return minimal


def has_perm(user, action: str, org=None) -> bool:
    """May `user` do `action` on `org` (or anywhere, when org is None)?"""
    paths = scope_paths(user, action)
    if org is None:
        return bool(paths)
    return any(org.path.startswith(prefix) for prefix in paths)


def path_q(lookup: str, paths: list[str]) -> Q:
    """Q matching rows whose `lookup` path lies under any of `paths` (never matches if empty)."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{lookup}__startswith": path})
    return q


class ScopedQuerySet(models.QuerySet):
    """QuerySet of an org-owned model. The model names its path lookup in `scope_path_lookup`
    and may add `personal_scope(user, action) -> Q` for what a person sees of their own."""

    def restrict(self, user, action: str):
        q = path_q(self.model.scope_path_lookup, scope_paths(user, action))
        personal = getattr(self.model, "personal_scope", None)
        if personal is not None and user is not None and user.is_authenticated:
            q |= personal(user, action)
        return self.filter(q)


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


def get_scoped_or_404(queryset_or_model, user, action: str, **lookup):
    """Fetch one object the user may `action`, or 404 — the same for forbidden and missing."""
    qs = getattr(queryset_or_model, "objects", queryset_or_model)
    try:
        return qs.restrict(user, action).get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
