"""Delivery channels behind `notify` (ARCHITECTURE.md §12 of the core issue).

The inbox row is always written; after the transaction commits, every registered channel gets
the new notifications and decides for itself whom it can reach. A later SMS, WeCom or DingTalk
adapter is one class with a `name` and `deliver(notifications)` plus one `register_channel`
call; nothing that calls `notify` changes.
"""

from collections.abc import Sequence
from typing import Protocol

from django.conf import settings


class Channel(Protocol):
    name: str

    def deliver(self, notifications: Sequence) -> None:
        """Hand the (already committed) notifications on; must not raise for one bad address."""


class InboxChannel:
    """The notification row is the inbox entry itself: nothing more to do."""

    name = "inbox"

    def deliver(self, notifications: Sequence) -> None:
        return None


class EmailChannel:
    """Email through Django's mail backend, sent by a Celery task so it leaves the request."""

    name = "email"

    def deliver(self, notifications: Sequence) -> None:
        if not getattr(settings, "EMAIL_ENABLED", False):
            return
        from dangjian.notifications.tasks import send_email_notification

        for notification in notifications:
            if notification.recipient.email:
                send_email_notification.delay(notification.pk)


_CHANNELS: dict[str, Channel] = {}


def register_channel(channel: Channel) -> None:
    _CHANNELS[channel.name] = channel


def unregister_channel(name: str) -> None:
    _CHANNELS.pop(name, None)


def channels() -> list[Channel]:
    return list(_CHANNELS.values())


register_channel(InboxChannel())
register_channel(EmailChannel())
