"""A user's own notifications: list, mark one read (htmx), mark all read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dangjian.notifications.services import (
    for_user,
    notification_mark_all_read,
    notification_mark_read,
    safe_link,
)

SHOW_CHOICES = ("all", "unread")


@login_required
def notification_list(request):
    show = request.GET.get("show")
    show = show if show in SHOW_CHOICES else "all"
    notifications = for_user(request.user).select_related("actor")
    if show == "unread":
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, 20).get_page(request.GET.get("page"))
    return render(request, "notifications/notification_list.html", {
        "page_obj": page,
        "is_paginated": page.has_other_pages(),
        "notifications": page.object_list,
        "show": show,
        "querystring": f"show={show}",
        "has_unread": for_user(request.user).filter(read_at__isnull=True).exists(),
    })  # fmt: skip


@login_required
@require_POST
def mark_read(request, pk: int):
    notification = for_user(request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    notification_mark_read(actor=request.user, notification=notification)
    if request.headers.get("HX-Request"):
        response = render(request, "notifications/notification_item.html", {"n": notification})
        response["HX-Trigger"] = "notifications-changed"  # lets the shell refresh the badge
        return response
    return redirect(safe_link(request.POST.get("next", "")) or "notifications:list")


@login_required
@require_POST
def mark_all_read(request):
    notification_mark_all_read(actor=request.user)
    return redirect("notifications:list")
