"""Field encryption for personal data (ARCHITECTURE.md §6).

Values are encrypted with Fernet (AES-128-CBC + HMAC) under FIELD_ENCRYPTION_KEY; several
comma-separated keys allow rotation (the first encrypts, all decrypt). Exact lookup uses a
keyed hash (HMAC-SHA256 under a key derived from the first key), so equal plaintexts can be
found without decrypting every row and without an unkeyed hash that could be brute-forced.
"""

import hashlib
import hmac
import logging
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(plaintext: str) -> str:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS)).encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS)).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("encrypted value cannot be decrypted with the configured keys") from exc


def lookup_hash(value: str) -> str:
    """Keyed hash of a normalised value for exact-match lookups (blind index)."""
    key = hashlib.sha256(b"lookup:" + settings.FIELD_ENCRYPTION_KEYS[0].encode()).digest()
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


logger = logging.getLogger(__name__)


class Undecryptable(str):
    """What a read gives for a value no configured key opens (a lost key, a bad import).

    Shown as a notice instead of failing the page; saved back, it writes the original
    ciphertext unchanged, so the value is never lost or overwritten by the notice.
    """

    def __new__(cls, token: str):
        obj = super().__new__(cls, "（无法解密）")
        obj.token = token
        return obj


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; reads give the plaintext back. Not searchable: pair it
    with a `lookup_hash` column for exact lookups."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        try:
            return decrypt(value)
        except ValueError:
            logger.error("%s: a stored value cannot be decrypted with the configured keys", self)
            return Undecryptable(value)

    def get_prep_value(self, value):
        if isinstance(value, Undecryptable):
            return value.token
        value = super().get_prep_value(value)
        return value if value in (None, "") else encrypt(value)
