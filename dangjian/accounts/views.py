"""Accounts pages: sign-in and out, profile, password, two-factor, care mode.

Administration pages (users, roles, security) live in `admin_views.py`.
"""

import time
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import mark_safe
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login

from dangjian.accounts import services
from dangjian.accounts.forms import (
    ConfirmPasswordForm,
    LoginForm,
    PasswordChangeForm,
    TokenForm,
)
from dangjian.accounts.middleware import LAST_ACTIVITY_KEY, is_htmx_request
from dangjian.accounts.selectors import (
    current_assignments,
    user_has_two_factor,
    user_requires_two_factor,
)
from dangjian.core.forms import apply_service_errors


def safe_next(request: HttpRequest, default: str = settings.LOGIN_REDIRECT_URL, *, referer=False):
    """The `next` target (POST, then GET, optionally the Referer) if it stays on this site."""
    candidates = [request.POST.get("next"), request.GET.get("next")]
    if referer:
        candidates.append(request.headers.get("Referer"))
    for candidate in candidates:
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return default


def login_view(request):
    if request.user.is_authenticated:
        return redirect(safe_next(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_attempt(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except services.AccountLocked as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            request.session.pop(DEVICE_ID_SESSION_KEY, None)  # every sign-in verifies anew
            auth_login(request, user)
            request.session[LAST_ACTIVITY_KEY] = int(time.time())  # the idle clock starts now
            return redirect(safe_next(request))
    context = {
        "form": form,
        "next": safe_next(request, default=""),
        "timed_out": request.GET.get("timeout") == "1",
    }
    return render(request, "accounts/login.html", context)


def logout_view(request):
    """POST signs out; GET only asks for confirmation (a link cannot sign anyone out)."""
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    if request.method == "POST":
        services.session_end(request=request)
        messages.info(request, _("You have signed out."))
        return redirect(settings.LOGOUT_REDIRECT_URL)
    return render(request, "accounts/logout_confirm.html")


@login_required
def profile(request):
    user = request.user
    context = {
        "assignments": current_assignments(user),
        "two_factor_enabled": user_has_two_factor(user),
        "two_factor_required": user_requires_two_factor(user),
    }
    return render(request, "accounts/profile.html", context)


@login_required
@require_POST
def care_mode(request):
    services.user_set_care_mode(actor=request.user, care_mode=request.POST.get("care_mode") == "on")
    if is_htmx_request(request):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"  # the whole page changes its look
        return response
    return redirect(safe_next(request, referer=True))


@login_required
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                actor=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect(safe_next(request, default="accounts:profile"))
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "next": safe_next(request, default="")},
    )


def _qr_svg(device) -> str:
    code = segno.make(device.config_url, error="m", micro=False)
    return mark_safe(  # noqa: S308 — segno's own markup; the title is our constant text
        code.svg_inline(scale=5, dark="#000", light="#fff", title=_("QR code to scan"))
    )


def _grouped_secret(device) -> str:
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def two_factor_setup(request):
    if user_has_two_factor(request.user):
        messages.info(request, _("Two-factor authentication is already set up."))
        return redirect("accounts:profile")
    device = services.totp_device_start(actor=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_device_confirm(
                actor=request.user, device=device, token=form.cleaned_data["token"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            otp_login(request, device)
            messages.success(request, _("Two-factor authentication is now on."))
            return redirect(safe_next(request))
    context = {
        "form": form,
        "qr_svg": _qr_svg(device),
        "secret": _grouped_secret(device),
        "required": user_requires_two_factor(request.user),
        "next": safe_next(request, default=""),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@login_required
def two_factor_verify(request):
    if request.user.is_verified() or not user_has_two_factor(request.user):
        return redirect(safe_next(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.totp_verify(actor=request.user, token=form.cleaned_data["token"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            otp_login(request, device)
            return redirect(safe_next(request))
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": safe_next(request, default="")},
    )


@login_required
def two_factor_disable(request):
    if user_requires_two_factor(request.user) or not user_has_two_factor(request.user):
        return redirect("accounts:profile")
    form = ConfirmPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.two_factor_disable(actor=request.user, password=form.cleaned_data["password"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            request.session.pop(DEVICE_ID_SESSION_KEY, None)
            messages.success(request, _("Two-factor authentication is now off."))
            return redirect("accounts:profile")
    return render(request, "accounts/two_factor_disable.html", {"form": form})
