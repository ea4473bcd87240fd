"""Helpers every service uses: the scope check and turning rule errors into field errors."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.http import Http404

from dangjian.core.scope import has_perm
from dangjian.rules import RuleError


class OutOfScope(Http404):
    """Raised by services when the actor may not act there; answered as 404 like 'missing'."""


def require_perm(actor, action: str, org=None) -> None:
    """Services call this first. `actor=None` means the system itself (commands, migrations)."""
    if actor is None:
        return
    if not has_perm(actor, action, org):
        raise OutOfScope(action)


@contextmanager
def rule_field(field: str):
    """Re-raise a RuleError from dangjian.rules as a ValidationError on `field`."""
    try:
        yield
    except RuleError as exc:
        raise ValidationError({field: str(exc)}) from exc
