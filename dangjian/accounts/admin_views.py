"""Pages of the system administrator (users and role assignments, `accounts.manage`) and the
security administrator (lockouts, two-factor and password resets, `security.manage`).

Neither page shows business data: only accounts, roles and sign-in state. Anyone without the
permission gets 404, the same as for a page that does not exist.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.accounts import services
from dangjian.accounts.filters import UserFilter
from dangjian.accounts.forms import (
    RoleAssignForm,
    TemporaryPasswordForm,
    UserCreateForm,
)
from dangjian.accounts.models import LoginFailure, LoginLock, RoleAssignment, User
from dangjian.accounts.selectors import active_login_locks, user_has_two_factor
from dangjian.core.dates import cn_datetime
from dangjian.core.forms import apply_service_errors
from dangjian.core.lists import ScopedListView
from dangjian.core.services import require_perm
from dangjian.orgs.models import Organization


def permission_required(permission: str):
    """Signed in (else the login page) and holding `permission` somewhere (else 404)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require_perm(request.user, permission)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def confirm_then(
    request, *, title: str, message: str, button: str, action: Callable, done: str, back: str
):
    """GET shows a confirmation page; POST runs `action` and returns to `back`."""
    if request.method == "POST":
        try:
            action()
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, done)
        return redirect(back)
    context = {"title": title, "message": message, "button": button, "back": back}
    return render(request, "accounts/confirm.html", context)


def _role_text(user: User) -> str:
    return "；".join(f"{a.role.label}（{a.org.name}）" for a in user.current_roles)


# --- system administrator: users and roles ------------------------------------------------


class UserListView(ScopedListView):
    model = User
    permission = "accounts.manage"
    detail_url_name = "accounts:user_detail"
    template_name = "accounts/user_list.html"
    search_fields = ["username", "name"]
    filterset_class = UserFilter
    export_name = "users"
    export_columns = [
        (gettext_lazy("Username"), "username"),
        (gettext_lazy("Name"), "name"),
        (gettext_lazy("Active"), lambda u: _("Yes") if u.is_active else _("No")),
        (gettext_lazy("Roles"), _role_text),
        (gettext_lazy("Last sign-in"), lambda u: cn_datetime(u.last_login)),
        (gettext_lazy("Last sign-in IP"), "last_login_ip"),
    ]

    def base_queryset(self):
        require_perm(self.request.user, self.permission)
        current = RoleAssignment.objects.current().select_related("role", "org").order_by("id")
        return User.objects.order_by("username").prefetch_related(
            Prefetch("role_assignments", queryset=current, to_attr="current_roles")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["detail_url_name"] = self.detail_url_name
        return context


@permission_required("accounts.manage")
def user_create(request):
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user,
                username=data["username"],
                name=data["name"],
                mobile=data["mobile"],
                password=data["password"],
                must_change_password=True,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The account %(user)s was created.") % {"user": user})
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


def _assignment_rows(user: User) -> list[dict]:
    today = timezone.localdate()
    rows = []
    for assignment in user.role_assignments.select_related("role", "org").order_by(
        "-valid_from", "-id"
    ):
        if assignment.valid_from > today:
            status = _("Not yet started")
        elif assignment.valid_to is not None and assignment.valid_to < today:
            status = _("Ended")
        else:
            status = _("Current")
        ended = assignment.valid_to is not None and assignment.valid_to < today
        rows.append({"assignment": assignment, "status": status, "ended": ended})
    return rows


@permission_required("accounts.manage")
def user_detail(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    context = {
        "subject": user,
        "rows": _assignment_rows(user),
        "two_factor_enabled": user_has_two_factor(user),
    }
    return render(request, "accounts/user_detail.html", context)


@permission_required("accounts.manage")
def role_assign(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    orgs = Organization.objects.restrict(request.user, "accounts.manage").filter(is_active=True)
    form = RoleAssignForm(request.POST or None, orgs=orgs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.role_assign(
                actor=request.user,
                user=user,
                role=data["role"],
                org=data["org"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The role was assigned."))
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/role_assign.html", {"form": form, "subject": user})


@permission_required("accounts.manage")
def role_revoke(request, pk: int, assignment_pk: int):
    assignment = get_object_or_404(
        RoleAssignment.objects.select_related("role", "org", "user"), pk=assignment_pk, user_id=pk
    )
    values = {"role": assignment.role.label, "org": assignment.org.name, "user": assignment.user}
    return confirm_then(
        request,
        title=_("Revoke a role"),
        message=_(
            "Revoke the role “%(role)s” over %(org)s from %(user)s? It ends at once; the "
            "history is kept."
        )
        % values,
        button=_("Revoke"),
        action=lambda: services.role_revoke(actor=request.user, assignment=assignment),
        done=_("The role was revoked."),
        back=reverse("accounts:user_detail", args=[pk]),
    )


@permission_required("accounts.manage")
def user_deactivate(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    return confirm_then(
        request,
        title=_("Deactivate an account"),
        message=_(
            "Deactivate %(user)s? The account can no longer sign in and its API token is "
            "revoked. You can reactivate it later."
        )
        % {"user": user},
        button=_("Deactivate"),
        action=lambda: services.user_deactivate(actor=request.user, user=user),
        done=_("The account was deactivated."),
        back=reverse("accounts:user_detail", args=[pk]),
    )


@permission_required("accounts.manage")
def user_reactivate(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    return confirm_then(
        request,
        title=_("Reactivate an account"),
        message=_("Reactivate %(user)s? The account can sign in again.") % {"user": user},
        button=_("Reactivate"),
        action=lambda: services.user_reactivate(actor=request.user, user=user),
        done=_("The account was reactivated."),
        back=reverse("accounts:user_detail", args=[pk]),
    )


# --- security administrator -----------------------------------------------------------------


@permission_required("security.manage")
def security_home(request):
    context = {
        "locks": active_login_locks(),
        "failures": LoginFailure.objects.order_by("-at")[:20],
    }
    return render(request, "accounts/security.html", context)


@permission_required("security.manage")
def lock_release(request, pk: int):
    lock = get_object_or_404(active_login_locks(), pk=pk)
    return confirm_then(
        request,
        title=_("Unlock"),
        message=_("Lift the lock on %(lock)s now?") % {"lock": lock},
        button=_("Unlock"),
        action=lambda: services.login_lock_release(actor=request.user, lock=lock),
        done=_("The lock was lifted."),
        back=reverse("accounts:security"),
    )


class SecurityUserListView(UserListView):
    permission = "security.manage"
    detail_url_name = "accounts:security_user"
    template_name = "accounts/security_user_list.html"
    export_columns = []


@permission_required("security.manage")
def security_user(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    locks = LoginLock.objects.filter(kind="account", key=services.username_key(user.username))
    context = {
        "subject": user,
        "two_factor_enabled": user_has_two_factor(user),
        "locks": [lock for lock in locks if lock.is_active()],
    }
    return render(request, "accounts/security_user.html", context)


@permission_required("security.manage")
def two_factor_reset(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    return confirm_then(
        request,
        title=_("Reset two-factor authentication"),
        message=_(
            "Remove every authenticator of %(user)s? If their roles require two-factor they "
            "set up a new one at the next sign-in."
        )
        % {"user": user},
        button=_("Reset two-factor"),
        action=lambda: services.two_factor_reset(actor=request.user, user=user),
        done=_("The user's authenticators were removed."),
        back=reverse("accounts:security_user", args=[pk]),
    )


@permission_required("security.manage")
def password_reset(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    form = TemporaryPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset(
                actor=request.user, user=user, new_password=form.cleaned_data["password"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The password of %(user)s was reset. Give them the temporary password safely.")
                % {"user": user},
            )
            return redirect("accounts:security_user", pk=user.pk)
    return render(request, "accounts/password_reset.html", {"form": form, "subject": user})
