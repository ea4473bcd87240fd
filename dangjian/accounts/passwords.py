"""Password policy (issue 2 §4): length, character classes, no username, not a common password.

Each validator follows Django's validator protocol (`validate(password, user=None)`,
`get_help_text()`) so `validate_password` and every password form apply the whole policy.
"""

from django.contrib.auth import password_validation as pv
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MinimumLengthValidator:
    """At least `min_length` characters (10 by the policy)."""

    def __init__(self, min_length: int = 10):
        self.min_length = min_length

    def validate(self, password: str, user=None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                ngettext(
                    "The password is too short: it must contain at least %(min_length)d character.",
                    "The password is too short: it must contain at least %(min_length)d "
                    "characters.",
                    self.min_length,
                )
                % {"min_length": self.min_length},
                code="password_too_short",
            )

    def get_help_text(self) -> str:
        return ngettext(
            "At least %(min_length)d character.",
            "At least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


def character_classes(password: str) -> int:
    """How many of the four classes (lower, upper, digit, symbol) the password uses.
    Anything that is not a cased letter or a digit (punctuation, space, Chinese characters)
    counts as a symbol."""
    checks = (
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not (c.islower() or c.isupper() or c.isdigit()) for c in password),
    )
    return sum(checks)


class CharacterClassValidator:
    """At least `min_classes` of: lowercase letters, uppercase letters, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _(
                    "The password must mix at least %(count)d of these: lowercase letters, "
                    "uppercase letters, digits and symbols."
                )
                % {"count": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _(
            "At least %(count)d of: lowercase letters, uppercase letters, digits, symbols."
        ) % {"count": self.min_classes}


class UsernameContainmentValidator:
    """The password may not contain the account's username (ignoring case)."""

    def validate(self, password: str, user=None) -> None:
        username = (getattr(user, "username", "") or "").strip().lower()
        if username and username in password.lower():
            raise ValidationError(
                _("The password must not contain the username."),
                code="password_contains_username",
            )

    def get_help_text(self) -> str:
        return _("Must not contain your username.")


class CommonPasswordValidator(pv.CommonPasswordValidator):
    """Rejects passwords on Django's bundled list (about 20,000 entries, a superset of the
    1,000 most common), compared case-insensitively."""

    def validate(self, password: str, user=None) -> None:
        if password.lower().strip() in self.passwords:
            raise ValidationError(
                _("This password is too common; choose one that is harder to guess."),
                code="password_too_common",
            )

    def get_help_text(self) -> str:
        return _("Must not be a commonly used password.")


def policy_help_texts() -> list[str]:
    """The configured policy as a list of sentences, for forms and the API."""
    return pv.password_validators_help_texts()
