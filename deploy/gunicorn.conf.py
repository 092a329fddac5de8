"""gunicorn for People's Grid: `gunicorn -c deploy/gunicorn.conf.py`, from any directory.

Settings come from the environment or the project's .env like everything else:
BIND (127.0.0.1:8000), WEB_CONCURRENCY (worker processes, 2 × cores + 1), GUNICORN_TIMEOUT.
Before any worker starts, the Django system checks run in the master: a failing one (a
per-process cache on a multi-process install, no SECRET_KEY, …) stops the server instead of
letting it serve wrong answers.
"""

import multiprocessing
import os
import sys
from pathlib import Path

import environ

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
# BIND and WEB_CONCURRENCY may sit in the .env with everything else (the environment wins).
environ.Env.read_env(ROOT / ".env")

chdir = str(ROOT)
pythonpath = str(ROOT / "site")
wsgi_app = "config.wsgi:application"
bind = os.environ.get("BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
# Imports of a few thousand rows run in the request when below REGISTRY_IMPORT_BACKGROUND_ROWS.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
# On restart, requests in flight (a form being stored) get this long to finish.
graceful_timeout = 30
keepalive = 5
# Recycling workers now and then bounds the memory a long-running process can gather.
max_requests = 2000
max_requests_jitter = 200
# gunicorn's control socket (for gunicornc) would go to $HOME/.gunicorn, and the service
# user's home is the root-owned code folder; systemctl reload does what it would be for.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
# The proxy's address is what REMOTE_ADDR holds; the client's comes from X-Forwarded-For,
# read by Django through TRUSTED_PROXY_COUNT, not by gunicorn.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def on_starting(server) -> None:
    sys.path.insert(0, pythonpath)
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError
    from django.db import connections

    try:
        call_command("check", deploy=True)
    except SystemCheckError as error:
        server.log.error("People's Grid does not start:\n%s", error)
        sys.exit(1)
    # Workers are forked from this process: an unflushed line would be printed again by each.
    sys.stdout.flush()
    from django.conf import settings

    if getattr(settings, "SINGLE_PROCESS_INSTALL", False) and server.cfg.workers > 1:
        server.log.error(
            "SINGLE_PROCESS_INSTALL=True declares one process, but gunicorn would start %d "
            "workers with a cache each: set WEB_CONCURRENCY=1, or REDIS_URL instead.",
            server.cfg.workers,
        )
        sys.exit(1)
    connections.close_all()  # workers open their own after the fork
