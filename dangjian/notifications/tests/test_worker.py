"""A task really travels through Redis to a separate Celery worker process and back."""

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery

BROKER = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[3]
CELERY = Path(sys.executable).with_name("celery")


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(BROKER, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def forget_queue(queue: str) -> None:
    """Remove the bindings kombu left in Redis for our one-off queue."""
    import redis

    connection = redis.Redis.from_url(BROKER)
    keys = [
        key for pattern in (f"_kombu.binding*.{queue}", queue) for key in connection.keys(pattern)
    ]
    if keys:
        connection.delete(*keys)
    connection.close()


def test_a_task_runs_in_a_real_worker():
    if not redis_reachable():
        message = f"!!! Redis is not reachable at {BROKER}: the Celery worker proof did NOT run"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)

    queue = f"dangjian-test-{uuid.uuid4().hex[:12]}"  # no other worker can take our task
    env = {
        **os.environ,
        "CELERY_BROKER_URL": BROKER,
        "CELERY_RESULT_BACKEND": BROKER,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_SETTINGS_MODULE": "dangjian.settings",
    }
    command = [str(CELERY), "-A", "dangjian", "worker", "--pool=solo", "--concurrency=1",
               "--without-gossip", "--without-mingle", "--without-heartbeat",
               "--loglevel=WARNING", "-Q", queue, "-n", f"{queue}@%h"]  # fmt: skip
    client = Celery("probe", broker=BROKER, backend=BROKER)
    with tempfile.TemporaryFile() as log:
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        result = None
        try:
            token = uuid.uuid4().hex
            result = client.send_task(
                "dangjian.notifications.tasks.ping", args=[token], queue=queue
            )
            deadline = time.monotonic() + 60
            while not result.ready():
                if worker.poll() is not None:
                    log.seek(0)
                    pytest.fail(f"worker exited early:\n{log.read().decode(errors='replace')}")
                if time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            assert result.get(timeout=5) == token
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            if result is not None:
                result.forget()
            client.close()
            forget_queue(queue)
