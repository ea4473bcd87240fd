"""Strict parsers for settings read from environment variables.

A typo in production configuration must stop start-up with a message that names the
variable, instead of silently falling back to a default (healthchecks' settings do the same).
"""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None or value.strip() == "" else value.strip()


def env_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"Environment variable {name}={value!r} is not a boolean; use one of "
        f"{sorted(_TRUE | _FALSE)}."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"Environment variable {name}={value!r} is not an integer."
        ) from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"Environment variable {name}={number} must be ≥ {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name: str, schemes: set[str], default: str | None = None) -> str | None:
    """A URL whose scheme is one of `schemes`; anything else stops start-up."""
    value = _raw(name)
    if value is None:
        return default
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        raise ImproperlyConfigured(
            f"Environment variable {name} has scheme {parts.scheme!r}; expected one of "
            f"{sorted(schemes)}."
        )
    if parts.scheme != "sqlite" and not parts.hostname:
        raise ImproperlyConfigured(f"Environment variable {name} has no host name.")
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise ImproperlyConfigured(f"Environment variable {name} has a malformed port.") from None
    return value


def database_from_url(url: str, base_dir) -> dict:
    """Django DATABASES['default'] from sqlite:///path, postgres://… or mysql://… URLs."""
    from urllib.parse import parse_qs, unquote

    parts = urlsplit(url)
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme == "sqlite":
        path = unquote(parts.path)[1:] if parts.path.startswith("/") else parts.path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path if path == ":memory:" or os.path.isabs(path) else base_dir / path,
            # WAL lets readers and a writer work at once; IMMEDIATE avoids lock upgrades failing.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "timeout": 20,
            },
        }
    engine = {
        "postgres": "django.db.backends.postgresql",
        "postgresql": "django.db.backends.postgresql",
        "mysql": "django.db.backends.mysql",
        "mariadb": "django.db.backends.mysql",
    }[parts.scheme]
    config = {
        "ENGINE": engine,
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": options,
    }
    if engine.endswith("mysql"):
        _use_pymysql()
        config["OPTIONS"] = {"charset": "utf8mb4", **options}
        config["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    return config


def _use_pymysql() -> None:
    """Serve Django's MySQL backend with PyMySQL: pure Python, so no compiler or client
    libraries are needed to reach MariaDB/MySQL (and compatible domestic databases)."""
    import pymysql

    pymysql.install_as_MySQLdb()


def check_fernet_keys(name: str, keys: list[str]) -> list[str]:
    """Each key must be 32 url-safe base64-encoded bytes (what Fernet.generate_key() prints)."""
    import base64
    import binascii

    for index, key in enumerate(keys, start=1):
        try:
            raw = base64.urlsafe_b64decode(key.encode())
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            raise ImproperlyConfigured(
                f"Environment variable {name}: key #{index} is not a Fernet key (32 url-safe "
                "base64 bytes); generate one with: python -c 'from cryptography.fernet import "
                "Fernet; print(Fernet.generate_key().decode())'"
            )
    return keys
