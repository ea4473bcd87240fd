"""Background work of the notifications app (eager in-process without a broker)."""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _


@shared_task
def ping(value: str = "pong") -> str:
    """Needs no database: proves a task travels through the broker to a worker and back."""
    return value


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_kwargs={"max_retries": 5},
    acks_late=True,
)
def send_email_notification(notification_id: int) -> bool:
    """Email one notification to its recipient; False when there is nobody to send to."""
    from dangjian.notifications.models import Notification

    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    )
    if notification is None:
        return False
    recipient = notification.recipient
    if not recipient.is_active or not recipient.email:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        lines = [notification.body] if notification.body else []
        if notification.link:
            link = getattr(settings, "SITE_URL", "").rstrip("/") + notification.link
            lines.append(_("Open it on the platform: %(link)s") % {"link": link})
        lines.append(_("This message was sent by %(site)s.") % {"site": settings.SITE_NAME})
        send_mail(
            subject=f"[{settings.SITE_NAME}] {notification.title}",
            message="\n\n".join(lines),
            from_email=None,
            recipient_list=[recipient.email],
        )
    return True
