import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection

from dangjian.audit.models import AuditChainHead, AuditEvent
from dangjian.audit.services import audit_record, chain_status, verify_chain

from .helpers import record_events, tampering


def run_verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_an_untouched_chain_verifies():
    record_events(5)
    assert verify_chain() is None
    assert "OK: 5 events, chain intact" in run_verify()


@pytest.mark.django_db
def test_an_empty_log_verifies():
    assert "OK: 0 events, chain intact" in run_verify()


@pytest.mark.django_db
def test_editing_a_rows_changes_is_named_by_its_seq():
    record_events(5)
    with tampering():
        AuditEvent.objects.filter(seq=3).update(changes={"n": [0, 999]})
    broken = verify_chain()
    assert (broken.seq, broken.kind) == (3, "altered")
    with pytest.raises(CommandError, match="#3"):
        run_verify()


@pytest.mark.django_db
def test_rewriting_a_row_and_its_hash_breaks_the_next_link():
    record_events(5)
    with tampering():
        AuditEvent.objects.filter(seq=2).update(hash="f" * 64)
    broken = verify_chain()
    assert broken.seq == 2  # its own hash no longer matches its content


@pytest.mark.django_db
def test_deleting_a_middle_row_names_the_missing_seq():
    record_events(5)
    with tampering():
        AuditEvent.objects.filter(seq=3).delete()
    broken = verify_chain()
    assert (broken.seq, broken.kind) == (3, "missing")
    with pytest.raises(CommandError, match="#3 is missing"):
        run_verify()


@pytest.mark.django_db
def test_deleting_the_newest_row_is_caught_by_the_head():
    record_events(5)
    with tampering():
        AuditEvent.objects.filter(seq=5).delete()
    broken = verify_chain()
    assert (broken.seq, broken.kind) == (5, "deleted_tail")
    with pytest.raises(CommandError, match="#5"):
        run_verify()


@pytest.mark.django_db
def test_removing_the_head_is_caught():
    record_events(3)
    with tampering():
        AuditChainHead.objects.all().delete()
    assert verify_chain().seq == 1


@pytest.mark.django_db
def test_status_counts_the_events_checked():
    record_events(4)
    status = chain_status()
    assert (status.checked, status.intact) == (4, True)


def write_one(attempts: int = 200) -> None:
    """One event. The SQLite test database is in-memory with a shared cache, whose table locks
    fail at once instead of waiting as a file database (busy timeout) does, so only there a
    refused writer simply tries again; PostgreSQL and MariaDB writers queue on the head lock."""
    for _ in range(attempts):
        try:
            audit_record(actor=None, action="test.concurrent")
            return
        except OperationalError as exc:
            if connection.vendor != "sqlite" or "locked" not in str(exc):
                raise
            time.sleep(0.005)
    raise AssertionError("gave up waiting for the SQLite table lock")


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_contiguous_seqs():
    writers, each = 4, 10
    errors: list[BaseException] = []

    def write():
        try:
            for _ in range(each):
                write_one()
        except BaseException as exc:  # reported below, with the thread's own traceback
            errors.append(exc)
        finally:
            connection.close()

    # As after `migrate`, the head row exists before writers compete for its lock (the
    # transactional test's flush emptied the table).
    audit_record(actor=None, action="test.first")
    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, writers * each + 2))
    assert verify_chain() is None
