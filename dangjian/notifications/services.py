"""Sending and reading notifications. `notify` is the one way any module tells people
something; marking read is the recipient's own bookkeeping and is not audited."""

import logging
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from dangjian.notifications.channels import channels
from dangjian.notifications.models import Notification

logger = logging.getLogger(__name__)


def safe_link(link: str) -> str:
    """Only paths on this site: no external URLs, no protocol-relative '//host' tricks."""
    link = (link or "").strip()
    if link.startswith("/") and not link.startswith(("//", "/\\")):
        return link[:500]
    return ""


def notify(
    *,
    recipients: Iterable,
    title: str,
    body: str = "",
    link: str = "",
    category: str = "",
    actor=None,
) -> list[Notification]:
    """Put a notification in each recipient's inbox; other channels follow after commit.

    Call it inside the service transaction that caused it: if that rolls back, nobody is told.
    Inactive users and duplicates are skipped.
    """
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not people:
        return []
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    rows = [
        Notification(recipient=user, actor_id=actor_id, title=str(title)[:200], body=str(body),
                     link=safe_link(link), category=category[:40])
        for user in people.values()
    ]  # fmt: skip
    with transaction.atomic():
        if connection.features.can_return_rows_from_bulk_insert:
            created = Notification.objects.bulk_create(rows, batch_size=500)
        else:  # MySQL proper gives no ids back from a bulk insert; channels need them
            for row in rows:
                row.save(force_insert=True)
            created = rows
        transaction.on_commit(lambda: dispatch(created), robust=True)
    return created


def dispatch(notifications: list[Notification]) -> None:
    """Hand committed notifications to every channel; one failing channel spares the others."""
    for channel in channels():
        try:
            channel.deliver(notifications)
        except Exception:
            logger.exception("notification channel %s failed", channel.name)


def notification_mark_read(*, actor, notification: Notification) -> Notification:
    if notification.recipient_id != actor.pk:  # views fetch through for_user(); belt and braces
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, actor) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def for_user(user):
    """The only notifications a user ever sees: their own."""
    return Notification.objects.filter(recipient_id=user.pk)


def unread_count(user) -> int:
    """Counted once per request (cached on the user object), however often the badge shows."""
    if not getattr(user, "is_authenticated", False):
        return 0
    cached = getattr(user, "_dangjian_unread_notifications", None)
    if cached is None:
        cached = for_user(user).filter(read_at__isnull=True).count()
        user._dangjian_unread_notifications = cached
    return cached
