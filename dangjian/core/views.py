"""The personal home page and the error handlers (wired as handler400/403/404/500)."""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils import timezone

from dangjian.core.home import panels_for

logger = logging.getLogger(__name__)


@login_required
def home(request):
    """The personal home page: 'my tasks' from every module (see core.home)."""
    return render(
        request,
        "core/home.html",
        {"panels": panels_for(request), "today": timezone.localdate()},
    )


# --- error pages -------------------------------------------------------------------------------
# Rendered without a RequestContext: no context processor, no query, so a broken database or a
# failing context processor cannot turn an error page into a second error.

_FALLBACK = (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    '<title>系统错误</title></head><body style="font-family:sans-serif;padding:2rem">'
    "<h1>抱歉，系统出现了问题</h1><p>请稍后再试；如果问题持续出现，请联系系统管理员。</p>"
    '<p><a href="/">返回首页</a></p></body></html>'
)


def _error_context(request, status: int, *, touch_user: bool) -> dict:
    context = {
        "SITE_NAME": getattr(settings, "SITE_NAME", ""),
        "status": status,
        "home_url": "/",
        "request_id": getattr(request, "request_id", ""),
        "care_mode": False,
    }
    try:
        context["home_url"] = reverse("core:home")  # a broken URLconf must not break this page
    except Exception:
        logger.warning("error page: cannot reverse core:home", exc_info=True)
    if touch_user:
        try:
            user = getattr(request, "user", None)
            context["care_mode"] = bool(
                user is not None and user.is_authenticated and getattr(user, "care_mode", False)
            )
        except Exception:
            logger.warning("error page: cannot read the user", exc_info=True)
    return context


def _error(request, status: int, template: str, *, touch_user: bool = True) -> HttpResponse:
    try:
        body = loader.get_template(template).render(
            _error_context(request, status, touch_user=touch_user)
        )
    except Exception:
        logger.exception("error page %s could not be rendered", template)
        body = _FALLBACK
    return HttpResponse(body, status=status)


def bad_request(request, exception=None):
    return _error(request, 400, "errors/400.html")


def permission_denied(request, exception=None):
    return _error(request, 403, "errors/403.html")


def page_not_found(request, exception=None):
    return _error(request, 404, "errors/404.html")


def server_error(request):
    # Never touch request.user here: the failure may be the database itself.
    return _error(request, 500, "errors/500.html", touch_user=False)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a Chinese 'page expired' page instead of Django's English one."""
    return _error(request, 403, "errors/403_csrf.html")
