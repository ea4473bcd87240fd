"""Gunicorn settings for the Dangjian web process (see docs/deployment.md).

Everything can be overridden from the environment (the systemd unit reads /etc/dangjian/env):
GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_TIMEOUT.
"""

import multiprocessing
import os

wsgi_app = "dangjian.wsgi:application"
# nginx on the same host proxies to this address; never expose gunicorn directly.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Threads let one worker overlap database and Redis waits; the code is thread-safe.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# Long work (imports, exports) runs as Celery tasks, so a request never needs more than this.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak can never take the site down.
max_requests = 2000
max_requests_jitter = 200
# Trust X-Forwarded-* only from the local nginx (Django reads X-Forwarded-For itself through
# TRUSTED_PROXY_COUNT).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(D)sµs "%(a)s"'
proc_name = "dangjian-web"
