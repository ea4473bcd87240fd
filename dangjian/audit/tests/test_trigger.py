"""PostgreSQL only: the database itself refuses to change or remove audit rows."""

import pytest
from django.db import DatabaseError, connection, transaction

from dangjian.audit.models import AuditChainHead, AuditEvent
from dangjian.audit.services import verify_chain

from .helpers import record_events, tampering

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL"
    ),
]


def refused(statement) -> bool:
    try:
        with transaction.atomic():
            statement()
    except DatabaseError as exc:
        return "append-only" in str(exc) or "chain head" in str(exc)
    return False


def test_updating_or_deleting_an_event_is_refused():
    record_events(3)
    assert refused(lambda: AuditEvent.objects.filter(seq=2).update(changes={"n": 0}))
    assert refused(lambda: AuditEvent.objects.filter(seq=2).delete())
    assert refused(lambda: AuditEvent.objects.all().delete())
    assert AuditEvent.objects.count() == 3
    assert verify_chain() is None


def test_the_head_may_advance_but_never_be_deleted_or_rolled_back():
    record_events(3)
    assert refused(lambda: AuditChainHead.objects.all().delete())
    assert refused(lambda: AuditChainHead.objects.update(seq=2))
    record_events(1, start=4)  # the normal path still advances the head
    assert AuditChainHead.objects.get().seq == 4


def test_with_the_trigger_disabled_tampering_is_still_caught_by_verify():
    record_events(4)
    with tampering():
        AuditEvent.objects.filter(seq=2).update(action="test.innocent")
    assert verify_chain().seq == 2
