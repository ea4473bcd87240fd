"""Session gates: idle timeout, forced password change, required two-factor.

Both run after django-otp's OTPMiddleware (so `request.user.is_verified()` exists) and before
MessageMiddleware, so they pass notices to the login page by query string, not messages.
"""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.accounts.selectors import user_has_two_factor, user_requires_two_factor

LAST_ACTIVITY_KEY = "accounts_last_activity"
# Refreshing the activity stamp at most once a minute avoids a session write per request.
ACTIVITY_RESOLUTION_SECONDS = 60


def is_api_request(request) -> bool:
    return request.path.startswith("/api/")


def is_htmx_request(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _login_url(request, **params) -> str:
    query = {"next": request.get_full_path(), **params}
    return f"{reverse(settings.LOGIN_URL)}?{urlencode(query)}"


class IdleTimeoutMiddleware:
    """Sign out a session idle for SESSION_IDLE_TIMEOUT_MINUTES (audited as idle_logout)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_KEY)
            timeout = settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
            if isinstance(last, int) and now - last > timeout:
                return self._expire(request)
            if not isinstance(last, int) or now - last > ACTIVITY_RESOLUTION_SECONDS:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)

    def _expire(self, request):
        from dangjian.accounts.services import session_end

        login_url = _login_url(request, timeout="1")
        session_end(request=request, reason="idle")
        message = _("You were signed out after a period of inactivity. Please sign in again.")
        if is_api_request(request):
            return JsonResponse({"detail": message}, status=401)
        if is_htmx_request(request):
            response = HttpResponse(message, status=401)
            response["HX-Redirect"] = login_url
            return response
        return HttpResponseRedirect(login_url)


def _exempt_paths() -> tuple[str, ...]:
    return (
        reverse("accounts:logout"),
        reverse("accounts:password_change"),
        reverse("accounts:two_factor_setup"),
        reverse("accounts:two_factor_verify"),
        settings.STATIC_URL,
        "/favicon.ico",
    )


class AccountGateMiddleware:
    """Send a signed-in user to the step they still owe before using the platform:

    1. verify their authenticator, if their roles require two-factor and they have one;
    2. change their password, if it is temporary (first sign-in or reset);
    3. set up an authenticator, if their roles require two-factor and they have none.

    API requests are answered 403 with a JSON message instead of being redirected.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith(_exempt_paths()):
            step = self._pending_step(user)
            if step is not None:
                return self._redirect(request, *step)
        return self.get_response(request)

    @staticmethod
    def _pending_step(user) -> tuple[str, str] | None:
        needs_2fa = not user.is_verified() and user_requires_two_factor(user)
        has_device = needs_2fa and user_has_two_factor(user)
        if needs_2fa and has_device:
            return "accounts:two_factor_verify", _(
                "Your roles require two-factor authentication: enter the code from your "
                "authenticator app."
            )
        if user.must_change_password:
            return "accounts:password_change", _("Please change your password before continuing.")
        if needs_2fa:
            return "accounts:two_factor_setup", _(
                "Your roles require two-factor authentication: set up an authenticator app "
                "before continuing."
            )
        return None

    @staticmethod
    def _redirect(request, url_name: str, message: str):
        if is_api_request(request):
            return JsonResponse({"detail": message}, status=403)
        url = reverse(url_name)
        if request.method == "GET" and not is_htmx_request(request):
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        if is_htmx_request(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)
