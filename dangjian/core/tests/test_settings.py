"""Settings come from the environment and refuse to start on bad or missing values.

Each case starts a fresh interpreter, as a real deployment would, so module-level checks in
settings.py run for real.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]
# Variables settings.py reads that the test run's own environment (e.g. CI's DATABASE_URL)
# must not leak into the child process.
CONTROLLED = (
    "DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "AUDIT_CHAIN_KEY", "DATABASE_URL",
    "REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL", "S3_BUCKET", "DANGJIAN_TESTING",
)  # fmt: skip
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-real-secret-key-for-this-test-only-0123456789abcdefghij",
    "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "AUDIT_CHAIN_KEY": "a-long-random-audit-chain-key-for-this-test-only",
}
START = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def start(**env: str) -> subprocess.CompletedProcess:
    child = {k: v for k, v in os.environ.items() if k not in CONTROLLED}
    child.update(DJANGO_SETTINGS_MODULE="dangjian.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", START],
        cwd=ROOT,
        env=child,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DEBUG": "notabool"}, "DEBUG"),
        ({"DATABASE_URL": "ftp://x"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://cache:6379"}, "REDIS_URL"),
        ({"LOGIN_FAILURE_LIMIT": "five"}, "LOGIN_FAILURE_LIMIT"),
        ({"DEBUG": "false"}, "SECRET_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": PRODUCTION["SECRET_KEY"]}, "FIELD_ENCRYPTION_KEY"),
        ({**PRODUCTION, "AUDIT_CHAIN_KEY": ""}, "AUDIT_CHAIN_KEY"),
        ({**PRODUCTION, "FIELD_ENCRYPTION_KEY": "not-a-fernet-key"}, "FIELD_ENCRYPTION_KEY"),
    ],
)
def test_bad_or_missing_setting_stops_start_up_naming_it(env, named):
    result = start(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr


def test_production_settings_start():
    result = start(**PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_default_settings_start_in_debug():
    result = start()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_time_zone_and_language():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.USE_TZ and settings.USE_I18N
