"""Small builders shared by the orgs tests."""

from datetime import date

from dangjian.audit.models import AuditEvent
from dangjian.orgs.models import Organization, OrgKind
from dangjian.orgs.services import org_create

_counter = iter(range(1, 1_000_000))


def make_org(parent: Organization | None, kind: str = OrgKind.BRANCH, **fields) -> Organization:
    number = next(_counter)
    fields.setdefault("code", f"X{number:05d}")
    fields.setdefault("name", f"测试组织{number}")
    return org_create(actor=None, parent=parent, kind=kind, founded_on=date(2000, 1, 1), **fields)


def audit_actions(**lookup) -> list[str]:
    return list(
        AuditEvent.objects.filter(**lookup).order_by("seq").values_list("action", flat=True)
    )
