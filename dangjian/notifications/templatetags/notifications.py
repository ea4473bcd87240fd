from django import template

from dangjian.notifications.services import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications_count(context) -> int:
    """{% unread_notifications_count as n %}: the signed-in user's unread notifications."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return unread_count(user) if user is not None else 0
