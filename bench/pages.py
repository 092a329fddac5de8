"""An anonymous visitor's community page served by gunicorn (2 workers) on loopback,
beside Wagtail's own default page (a plain `Page` with Wagtail's template, uncached) on the same
server in the same run, and the community page again with the page cache turned off.

The load generator is plain Python (no wrk here): client processes on loopback, each with a few
threads opening one connection per request (gunicorn's sync workers close every connection),
for a fixed time; it reports requests per second and p50/p99 latency.
"""

import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, Site

from demo import registry as grid_demo
from demo import sites as pages_demo
from pages.models import CommunityPage

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
CLIENT_PROCESSES = 2
THREADS = 4
SECONDS = 8
BARE_HOST = "bare.localhost"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return (
        f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


@contextmanager
def gunicorn(port: int, **env):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DEBUG": "False",
        "SECRET_KEY": "bench-only",
        "ALLOWED_HOSTS": f"127.0.0.1,localhost,{BARE_HOST}",
        "DATABASE_URL": database_url(),
        "LOG_LEVEL": "ERROR",
        **env,
    }
    environment.pop("REDIS_URL", None)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--pythonpath",
        "site",
        "config.wsgi",
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=environment)
    try:
        deadline = time.monotonic() + 30
        while fetch(port, "/healthz", "127.0.0.1")[0] != 200:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        yield
    finally:
        server.terminate()
        server.wait(timeout=30)


def fetch(port: int, path: str, host: str) -> tuple[int, float]:
    """One request on a fresh connection: (status, seconds); status 0 if it failed."""
    started = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
            )
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    except OSError:
        return 0, time.perf_counter() - started
    head = b"".join(chunks[:1])[:12]
    status = int(head[9:12]) if head.startswith(b"HTTP/1.") else 0
    return status, time.perf_counter() - started


def client_process(port: int, path: str, host: str, seconds: float, queue) -> None:
    import threading

    latencies: list[float] = []
    errors = [0]
    stop = time.monotonic() + seconds

    def loop():
        while time.monotonic() < stop:
            status, elapsed = fetch(port, path, host)
            if status == 200:
                latencies.append(elapsed)
            else:
                errors[0] += 1

    threads = [threading.Thread(target=loop) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put((latencies, errors[0]))


def load(port: int, path: str, host: str = "127.0.0.1") -> dict:
    for _ in range(20):  # warm every worker (and its page cache)
        fetch(port, path, host)
    queue = multiprocessing.get_context("fork").Queue()
    processes = [
        multiprocessing.get_context("fork").Process(
            target=client_process, args=(port, path, host, SECONDS, queue)
        )
        for _ in range(CLIENT_PROCESSES)
    ]
    started = time.perf_counter()
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(latency for result in results for latency in result[0])
    errors = sum(result[1] for result in results)
    if not latencies or errors:
        raise RuntimeError(f"{host}{path}: {errors} failed requests, {len(latencies)} answered")
    return {
        "requests_per_second": round(len(latencies) / elapsed),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "requests": len(latencies),
        "errors": errors,
    }


def queries(path: str, host: str, cache_seconds: int = 0) -> int:
    """Queries per anonymous request in this process (the first request warms caches)."""
    client = Client(HTTP_HOST=host)
    with override_settings(PAGE_CACHE_SECONDS=cache_seconds):
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
    return len(captured)


def build() -> tuple[str, str]:
    grid_demo.build()
    pages_demo.build()
    # Wagtail's own default page (made by its migrations) on a site of its own.
    welcome = Page.objects.filter(depth=2).exclude(slug=pages_demo.PORTAL_SLUG).first()
    if welcome is None:
        welcome = Page(title="Welcome to your new Wagtail site!", slug="home")
        Page.get_first_root_node().add_child(instance=welcome)
    Site.objects.get_or_create(hostname=BARE_HOST, defaults={"root_page": welcome, "port": 80})
    community = CommunityPage.objects.get(area__code="340705001001")
    # Its path on the district's site (Wagtail would name the street's own host first).
    portal_path = Site.objects.get(is_default_site=True).root_page.url_path
    return "/" + community.url_path.removeprefix(portal_path), "/"


def run() -> dict:
    community_path, bare_path = build()
    port = free_port()
    figures: dict = {"workers": WORKERS, "seconds_each": SECONDS}
    with gunicorn(port):
        figures["bare_wagtail_page"] = load(port, bare_path, BARE_HOST)
        figures["community_page_cached"] = load(port, community_path)
    with gunicorn(port, PAGE_CACHE_SECONDS="0"):
        figures["community_page_uncached"] = load(port, community_path)
    figures["bare_wagtail_page"]["queries"] = queries(bare_path, BARE_HOST)
    figures["community_page_uncached"]["queries"] = queries(community_path, "127.0.0.1")
    figures["community_page_cached"]["queries"] = queries(community_path, "127.0.0.1", 600)
    bare = figures["bare_wagtail_page"]["requests_per_second"]
    figures["cached_community_vs_bare"] = round(
        figures["community_page_cached"]["requests_per_second"] / bare, 2
    )
    figures["uncached_community_vs_bare"] = round(
        figures["community_page_uncached"]["requests_per_second"] / bare, 2
    )
    return figures
