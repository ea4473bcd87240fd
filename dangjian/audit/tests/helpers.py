"""Tampering with the audit tables the way an intruder with database access would."""

from contextlib import contextmanager

from django.db import connection

from dangjian.audit.services import audit_record

AUDIT_TABLES = ("audit_auditevent", "audit_auditchainhead")


def set_triggers(enabled: bool) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in AUDIT_TABLES:
            cursor.execute(f"ALTER TABLE {table} {'ENABLE' if enabled else 'DISABLE'} TRIGGER USER")


@contextmanager
def tampering():
    """On PostgreSQL the append-only triggers must be switched off first (table owner only)."""
    set_triggers(False)
    try:
        yield
    finally:
        set_triggers(True)


def record_events(count: int, start: int = 1) -> None:
    for number in range(start, start + count):
        audit_record(actor=None, action="test.event", changes={"n": [number - 1, number]})
