"""Writing and verifying the audit log (ARCHITECTURE.md §4).

Services call `audit_record(...)` inside their own transaction, so the change and its trace
commit or roll back together. Sensitive reads (unmasking, exports) are recorded the same way.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from dangjian.audit.models import AuditChainHead, AuditEvent
from dangjian.core import context

GENESIS = "0" * 64
_HASHED_FIELDS = (
    "seq", "at", "actor_id", "actor_label", "action", "target_type", "target_id",
    "target_label", "org_id", "org_path", "changes", "ip", "request_id", "prev_hash",
)  # fmt: skip


def _normalise(value):
    """JSON round-trip so what we hash is exactly what every database gives back."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def event_hash(event: AuditEvent) -> str:
    payload = {name: getattr(event, name) for name in _HASHED_FIELDS}
    # Microsecond UTC ISO text: identical on SQLite, PostgreSQL and MariaDB (DATETIME(6)).
    payload["at"] = event.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    message = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    key = settings.AUDIT_CHAIN_KEY.encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def _label(obj) -> str:
    return str(obj)[:200] if obj is not None else ""


def audit_record(
    *,
    actor,
    action: str,
    target=None,
    org=None,
    changes: dict | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Append one event to the chain. Call inside the transaction that makes the change."""
    ctx = context.current()
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        authenticated = actor is not None and getattr(actor, "is_authenticated", False)
        event = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            actor_id=actor.pk if authenticated else None,
            actor_label=(
                actor_label if actor_label is not None else _label(actor if authenticated else None)
            )[:150],
            action=action,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            target_label=_label(target),
            org_id=org.pk if org is not None else None,
            org_path=getattr(org, "path", "") if org is not None else "",
            changes=_normalise(changes or {}),
            ip=ctx.ip,
            request_id=ctx.request_id,
            prev_hash=head.hash or GENESIS,
        )
        event.hash = event_hash(event)
        event.save(force_insert=True)
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


def diff(old: dict, new: dict) -> dict:
    """{'field': [old, new]} for the fields that changed — what services put in `changes`."""
    return {key: [old.get(key), new.get(key)] for key in new if old.get(key) != new.get(key)}


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str
    # missing | unlinked | altered | deleted_tail | uncovered — lets the viewer explain it.
    kind: str = ""


def verify_chain(batch_size: int = 2000) -> ChainBreak | None:
    """Walk the chain in order; return the first broken link, or None if it is intact."""
    return chain_status(batch_size).broken


@dataclass(frozen=True)
class ChainStatus:
    checked: int  # events verified before the walk stopped
    broken: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def chain_status(batch_size: int = 2000) -> ChainStatus:
    """Verify the whole chain; report how many events were checked and the first break.

    The head is read first and only events up to it are walked, so events appended while the
    walk runs are neither checked nor mistaken for a deletion.
    """
    head = AuditChainHead.objects.filter(id=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, "")
    expected_seq, prev = 1, GENESIS
    last = None
    events = AuditEvent.objects.filter(seq__lte=head_seq).order_by("seq")
    for event in events.iterator(chunk_size=batch_size):
        checked = expected_seq - 1
        if event.seq != expected_seq:
            return ChainStatus(checked, ChainBreak(
                expected_seq, f"event #{expected_seq} is missing (next found is #{event.seq})",
                "missing",
            ))  # fmt: skip
        if event.prev_hash != prev:
            return ChainStatus(checked, ChainBreak(
                event.seq, f"event #{event.seq} does not link to event #{event.seq - 1}",
                "unlinked",
            ))  # fmt: skip
        if event_hash(event) != event.hash:
            return ChainStatus(checked, ChainBreak(
                event.seq, f"event #{event.seq} was altered after it was written",
                "altered",
            ))  # fmt: skip
        prev, expected_seq, last = event.hash, expected_seq + 1, event
    last_seq = last.seq if last else 0
    if head_seq != last_seq or (last and head_hash != last.hash):
        return ChainStatus(last_seq, ChainBreak(
            last_seq + 1, f"events after #{last_seq} were deleted (chain head is #{head_seq})",
            "deleted_tail",
        ))  # fmt: skip
    newest = AuditEvent.objects.aggregate(newest=Max("seq"))["newest"] or 0
    if newest > head_seq:  # appended since we started, or a head rolled back or removed
        head = AuditChainHead.objects.filter(id=1).first()
        if head is None or head.seq < newest:
            return ChainStatus(last_seq, ChainBreak(
                head_seq + 1, f"event #{head_seq + 1} and later are not covered by the chain head",
                "uncovered",
            ))  # fmt: skip
    return ChainStatus(last_seq, None)
