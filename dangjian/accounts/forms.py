"""Forms of the accounts pages. They only parse and label input; services decide and write,
and their ValidationErrors come back onto the named fields (`apply_errors`)."""

import secrets

from django import forms
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.models import Role
from dangjian.accounts.passwords import character_classes, policy_help_texts
from dangjian.core.forms import BootstrapMixin
from dangjian.orgs.models import Organization


class LoginForm(BootstrapMixin, forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "autofocus": True}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def _policy_text() -> str:
    return " ".join(str(text) for text in policy_help_texts())


policy_text = lazy(_policy_text, str)


def _password_field(label, autocomplete="new-password", help_text=""):
    return forms.CharField(
        label=label,
        max_length=256,
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class PasswordChangeForm(BootstrapMixin, forms.Form):
    """Current password, then the new one twice; the policy itself is checked by the service."""

    old_password = _password_field(_("Current password"), autocomplete="current-password")
    new_password1 = _password_field(_("New password"), help_text=policy_text())
    new_password2 = _password_field(_("Repeat the new password"))

    def clean(self):
        data = super().clean()
        one, two = data.get("new_password1"), data.get("new_password2")
        if one and two and one != two:
            self.add_error("new_password2", _("The two passwords do not match."))
        return data


class TokenForm(BootstrapMixin, forms.Form):
    token = forms.RegexField(
        label=_("6-digit code"),
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        error_messages={"invalid": _("Enter the 6 digits shown in your authenticator app.")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": r"[0-9 ]*",
                "maxlength": 7,
                "autofocus": True,
            }
        ),
    )


class ConfirmPasswordForm(BootstrapMixin, forms.Form):
    password = _password_field(_("Current password"), autocomplete="current-password")


class UserCreateForm(BootstrapMixin, forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        error_messages={
            "invalid": _("Use letters, digits and the characters @ . + - _ only (no spaces).")
        },
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off"}),
    )
    name = forms.CharField(label=_("Name"), max_length=50)
    mobile = forms.RegexField(
        label=_("Mobile"),
        max_length=20,
        required=False,
        regex=r"^\+?[0-9 -]{5,20}$",
        error_messages={"invalid": _("Enter a valid phone number.")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    password = forms.CharField(
        label=_("Initial password"),
        max_length=256,
        strip=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = " ".join(
            [str(_("The user must change it at the first sign-in.")), _policy_text()]
        )
        if not self.is_bound:
            self.initial.setdefault("password", temporary_password())


class TemporaryPasswordForm(BootstrapMixin, forms.Form):
    password = forms.CharField(
        label=_("Temporary password"),
        max_length=256,
        strip=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = " ".join(
            [str(_("The user must change it at the next sign-in.")), _policy_text()]
        )
        if not self.is_bound:
            self.initial.setdefault("password", temporary_password())


def temporary_password(length: int = 12) -> str:
    """A random password that satisfies the policy, without look-alike characters."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789#%+=@"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if character_classes(candidate) == 4 and candidate[0].isalnum():
            return candidate


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        depth = max(len(obj.ancestor_paths()) - 1, 0)
        return "\u3000" * depth + obj.name


class RoleAssignForm(BootstrapMixin, forms.Form):
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.all())
    org = OrgChoiceField(label=_("Organization"), queryset=Organization.objects.none())
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    valid_to = forms.DateField(
        label=_("Valid to"),
        required=False,
        help_text=_("Leave empty for no end date."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs
        self.fields["role"].label_from_instance = lambda role: str(role.label)
        self.initial.setdefault("valid_from", timezone.localdate())
