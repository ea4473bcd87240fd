# ruff: noqa: S603, S607 - a test that runs this project's own commands
"""Every deploy file is exercised: gunicorn serves the login page with deploy/gunicorn.conf.py,
the systemd units pass `systemd-analyze verify` and their worker and beat commands really start,
and the nginx site agrees with the gunicorn bind and the settings.

Run by .ci/run (`python -m pytest deploy`). Paths in the units (/srv/dangjian, /etc/dangjian/env)
are rewritten to this checkout and a temporary environment file.
"""

import configparser
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

DEPLOY = Path(__file__).resolve().parent
ROOT = DEPLOY.parent
VENV_BIN = Path(sys.executable).parent
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "deploy-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "AUDIT_CHAIN_KEY": "deploy-test-audit-chain-key-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SETTINGS_MODULE": "dangjian.settings",
}
REDIS = "redis://127.0.0.1:6379/14"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(tmp_path: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(PRODUCTION_ENV, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", **extra)
    return env


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=300)  # fmt: skip


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(path)
    return parser


def expand_specifiers(text: str) -> str:
    """systemd's own % specifiers (the few the units use); `%%` is a literal `%`."""
    values = {"%": "%", "H": socket.gethostname(), "n": "unit", "i": ""}
    return re.sub(r"%(.)", lambda m: values[m.group(1)], text)


def exec_start(path: Path) -> list[str]:
    """The unit's ExecStart as systemd would run it, but from this checkout's virtualenv."""
    command = shlex.split(expand_specifiers(unit(path)["Service"]["ExecStart"]))
    command[0] = str(VENV_BIN / Path(command[0]).name)
    return [arg.replace("/srv/dangjian", str(ROOT)) for arg in command]


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2):
            return True
    except OSError:
        return False


def wait_for_line(process: subprocess.Popen, pattern: str, seconds: float) -> str:
    """Read the process's output until `pattern` appears (or fail with what it printed)."""
    seen = []
    deadline = time.monotonic() + seconds
    os.set_blocking(process.stdout.fileno(), False)
    while time.monotonic() < deadline:
        chunk = process.stdout.read()
        if chunk:
            seen.append(chunk.decode(errors="replace"))
            if re.search(pattern, "".join(seen)):
                return "".join(seen)
        elif process.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"{pattern!r} never appeared; output:\n{''.join(seen)}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_gunicorn_check_config(tmp_path):
    result = subprocess.run(
        [str(VENV_BIN / "gunicorn"), "--check-config", "--config", "deploy/gunicorn.conf.py"],
        cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_gunicorn_with_the_deploy_config_serves_the_login_page(tmp_path):
    port = free_port()
    env = production_env(tmp_path, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="1")
    manage(env, "migrate", "--no-input")
    manage(env, "collectstatic", "--no-input", "-v0")  # production serves hashed static names
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for_line(process, r"Booting worker", 60)
        body, status = "", 0
        for _ in range(50):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as reply:
                    status, body = reply.status, reply.read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200
        assert 'name="password"' in body and 'lang="zh-CN"' in body
        # Static files are served (whitenoise) under their hashed production names.
        css = re.search(r'href="(/static/[^"]+\.css)"', body).group(1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{css}") as reply:
            assert reply.status == 200
    finally:
        stop(process)


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_systemd_unit_verifies(tmp_path, path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    env_file = tmp_path / "env"
    env_file.write_text("DEBUG=false\n")
    text = path.read_text()
    text = text.replace("/srv/dangjian/.venv/bin", str(VENV_BIN))
    text = text.replace("/srv/dangjian", str(ROOT)).replace("/etc/dangjian/env", str(env_file))
    copy = tmp_path / path.name
    copy.write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True,
                            text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Unknown" not in result.stderr, result.stderr
    service = unit(path)["Service"]
    assert service["EnvironmentFile"] == "/etc/dangjian/env"
    assert service["User"] == "dangjian"


def test_web_unit_runs_gunicorn_with_the_deploy_config():
    command = exec_start(DEPLOY / "systemd" / "dangjian-web.service")
    assert Path(command[0]).name == "gunicorn"
    config = command[command.index("--config") + 1]
    assert (ROOT / config).resolve() == DEPLOY / "gunicorn.conf.py"


@pytest.mark.parametrize(
    ("name", "ready"),
    [("dangjian-worker.service", r"ready\."), ("dangjian-beat.service", r"beat: Starting")],
)
def test_celery_unit_command_starts(tmp_path, name, ready):
    if not redis_up():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Redis is not reachable on 127.0.0.1:6379")
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    command = exec_start(DEPLOY / "systemd" / name)
    command = [arg.replace(str(ROOT / "var"), str(tmp_path)) for arg in command]
    env = production_env(tmp_path, CELERY_BROKER_URL=REDIS, REDIS_URL=REDIS)
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)  # fmt: skip
    try:
        wait_for_line(process, ready, 60)
    finally:
        stop(process)


def test_nginx_site_matches_gunicorn_and_settings():
    site = (DEPLOY / "nginx" / "dangjian.conf").read_text()
    code = "".join(line.split("#", 1)[0] for line in site.splitlines(keepends=True))
    assert code.count("{") == code.count("}")
    statements = [s.strip() for s in re.split(r"[;{}]", code) if s.strip()]
    assert all(re.fullmatch(r"[a-z_0-9]+(\s+\S.*)?", s, re.S) for s in statements)
    gunicorn_bind = re.search(r'"GUNICORN_BIND", "([^"]+)"', (DEPLOY / "gunicorn.conf.py")
                              .read_text()).group(1)  # fmt: skip
    assert f"server {gunicorn_bind} " in code
    assert "alias /srv/dangjian/var/static/;" in code  # settings.STATIC_ROOT = var/static
    body_mb = int(re.search(r"client_max_body_size (\d+)m;", code).group(1))
    assert body_mb > 20  # ATTACHMENT_MAX_MB default
