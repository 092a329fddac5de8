"""The public pages served by gunicorn (2 workers) on loopback: the demo city's community,
street and portal pages, each signed in (a fresh account per client process: a community
worker, a volunteer; signed-in visitors bypass the page cache) and anonymous with the page
cache off, in rounds interleaved with Wagtail's own default page (a plain `Page` with Wagtail's
template, uncached) on the same server; then the community page signed in with the shared
parts not cached either (every part computed for every request), and from the page cache.

The load generator is plain Python (no wrk here): client processes on loopback, each with a few
threads opening one connection per request (gunicorn's sync workers close every connection),
for a fixed time; each series reports requests per second (min / median / max of the rounds),
p50/p99 latency of its median round, its ratio to the bare page (of the medians, and of each
round to the bare page of the same round), and the queries of one request (the shared parts
cached, as they are after the first visitor; `queries_cold` without them).
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

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, Site

from demo import registry as grid_demo
from demo import sites as pages_demo
from grid.models import Area, Assignment, Role
from pages.models import CommunityPage, StreetPage

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
CLIENT_PROCESSES = 2
THREADS = 4
SECONDS = 4
ROUNDS = 3
BARE_HOST = "bare.localhost"
COMMUNITY = "340705001001"
# The signed-in visitors: one fresh account per client process, holding these roles in turn.
ROLES = ("community_worker", "volunteer")
BACKEND = "django.contrib.auth.backends.ModelBackend"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    return (
        f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


@contextmanager
def gunicorn(port: int, **env):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DEBUG": "False",
        # This process's key: the servers read the sessions it signs in.
        "SECRET_KEY": settings.SECRET_KEY,
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


def fetch(port: int, path: str, host: str, cookie: str = "") -> tuple[int, float]:
    """One request on a fresh connection: (status, seconds); status 0 if it failed."""
    started = time.perf_counter()
    cookie_header = f"Cookie: {cookie}\r\n" if cookie else ""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{cookie_header}"
                "Connection: close\r\n\r\n".encode()
            )
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    except OSError:
        return 0, time.perf_counter() - started
    head = b"".join(chunks[:1])[:12]
    status = int(head[9:12]) if head.startswith(b"HTTP/1.") else 0
    return status, time.perf_counter() - started


def client_process(port: int, path: str, host: str, cookie: str, seconds: float, queue) -> None:
    import threading

    latencies: list[float] = []
    errors = [0]
    stop = time.monotonic() + seconds

    def loop():
        while time.monotonic() < stop:
            status, elapsed = fetch(port, path, host, cookie)
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


def load(port: int, path: str, host: str, cookies: list[str]) -> dict:
    """Requests per second and latency of CLIENT_PROCESSES processes, the i-th sending the
    i-th cookie (none for an anonymous visitor)."""
    cookies = [cookies[i % len(cookies)] for i in range(CLIENT_PROCESSES)] if cookies else [""]
    for i in range(20):  # warm every worker (and its caches)
        fetch(port, path, host, cookies[i % len(cookies)])
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [
        context.Process(
            target=client_process,
            args=(port, path, host, cookies[i % len(cookies)], SECONDS, queue),
        )
        for i in range(CLIENT_PROCESSES)
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
    }


def summary(rounds: list[dict]) -> dict:
    """min / median / max requests per second over the rounds, latency of the median round."""
    ordered = sorted(rounds, key=lambda r: r["requests_per_second"])
    middle = ordered[len(ordered) // 2]
    return {
        "requests_per_second": {
            "min": ordered[0]["requests_per_second"],
            "median": middle["requests_per_second"],
            "max": ordered[-1]["requests_per_second"],
        },
        "p50_ms": middle["p50_ms"],
        "p99_ms": middle["p99_ms"],
        "requests": sum(r["requests"] for r in rounds),
    }


def queries(path: str, host: str, user=None, **overrides) -> int:
    """Queries of one request in this process, after a first one (which fills the caches)."""
    cache.clear()
    client = Client(HTTP_HOST=host)
    if user is not None:
        client.force_login(user, backend=BACKEND)
    with override_settings(**{"PAGE_CACHE_SECONDS": 0, **overrides}):
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
    return len(captured)


def sign_in(user, path: str) -> str:
    """A session for the account, as a browser holds it after signing in: the session cookie
    and the CSRF cookie that the first signed-in page sets."""
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user, backend=BACKEND)
    assert client.get(path).status_code == 200
    return "; ".join(
        f"{name}={client.cookies[name].value}"
        for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)
    )


def visitors() -> list:
    community = Area.objects.get(code=COMMUNITY)
    accounts = []
    for i in range(CLIENT_PROCESSES):
        role = Role.objects.get(key=ROLES[i % len(ROLES)])
        user = get_user_model().objects.create_user(f"bench_{role.key}_{i}", first_name="测试")
        Assignment.objects.create(user=user, role=role, area=community)
        accounts.append(user)
    return accounts


def build() -> dict[str, str]:
    grid_demo.build()
    pages_demo.build()
    # Wagtail's own default page (made by its migrations) on a site of its own.
    welcome = Page.objects.filter(depth=2).exclude(slug=pages_demo.PORTAL_SLUG).first()
    if welcome is None:
        welcome = Page(title="Welcome to your new Wagtail site!", slug="home")
        Page.get_first_root_node().add_child(instance=welcome)
    Site.objects.get_or_create(hostname=BARE_HOST, defaults={"root_page": welcome, "port": 80})
    # Their paths on the district's site (Wagtail would name the street's own host first).
    portal_path = Site.objects.get(is_default_site=True).root_page.url_path
    community = CommunityPage.objects.get(area__code=COMMUNITY)
    street = StreetPage.objects.get(area__code=COMMUNITY[:-3])
    return {
        "community": "/" + community.url_path.removeprefix(portal_path),
        "street": "/" + street.url_path.removeprefix(portal_path),
        "portal": "/",
    }


def run() -> dict:
    paths = build()
    accounts = visitors()
    cookies = [sign_in(user, paths["community"]) for user in accounts]
    # (name, path, host, cookies): each round loads every series once, in this order.
    series = [("bare_wagtail_page", "/", BARE_HOST, [])]
    for page, path in paths.items():
        series.append((f"{page}_page_signed_in", path, "127.0.0.1", cookies))
        series.append((f"{page}_page_anonymous", path, "127.0.0.1", []))
    rounds: dict[str, list[dict]] = {name: [] for name, *_ in series}
    port = free_port()
    with gunicorn(port, PAGE_CACHE_SECONDS="0"):
        for _ in range(ROUNDS):
            for name, path, host, visitor_cookies in series:
                rounds[name].append(load(port, path, host, visitor_cookies))
    with gunicorn(port, PAGE_CACHE_SECONDS="0", PAGE_FRAGMENT_CACHE_SECONDS="0"):
        cold = summary([load(port, paths["community"], "127.0.0.1", cookies)])
    with gunicorn(port):
        cached = summary([load(port, paths["community"], "127.0.0.1", [])])

    figures: dict = {
        "workers": WORKERS,
        "client_processes": CLIENT_PROCESSES,
        "threads_each": THREADS,
        "seconds_each": SECONDS,
        "rounds": ROUNDS,
    }
    bare = summary(rounds["bare_wagtail_page"])
    bare["queries"] = queries("/", BARE_HOST)
    figures["bare_wagtail_page"] = bare
    median_bare = bare["requests_per_second"]["median"]
    for name, path, _host, visitor_cookies in series[1:]:
        result = summary(rounds[name])
        user = accounts[0] if visitor_cookies else None
        result["queries"] = queries(path, "127.0.0.1", user)
        result["queries_cold"] = queries(path, "127.0.0.1", user, PAGE_FRAGMENT_CACHE_SECONDS=0)
        result["vs_bare"] = round(result["requests_per_second"]["median"] / median_bare, 2)
        # Each round's ratio to the bare page of the same round: the machine's load changes
        # from one round to the next, less within one.
        ratios = sorted(
            page["requests_per_second"] / bare_page["requests_per_second"]
            for page, bare_page in zip(rounds[name], rounds["bare_wagtail_page"], strict=True)
        )
        result["vs_bare_each_round"] = {
            "min": round(ratios[0], 2),
            "median": round(ratios[len(ratios) // 2], 2),
            "max": round(ratios[-1], 2),
        }
        figures[name] = result
    cold["queries"] = queries(
        paths["community"], "127.0.0.1", accounts[0], PAGE_FRAGMENT_CACHE_SECONDS=0
    )
    cold["vs_bare"] = round(cold["requests_per_second"]["median"] / median_bare, 2)
    figures["community_page_signed_in_parts_not_cached"] = cold
    cached["queries"] = queries(paths["community"], "127.0.0.1", PAGE_CACHE_SECONDS=600)
    cached["vs_bare"] = round(cached["requests_per_second"]["median"] / median_bare, 2)
    figures["community_page_cached"] = cached
    return figures
