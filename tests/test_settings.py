"""Configuration: the site/ layout, environment-driven settings and production safety."""

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "k" * 20 + "-a-real-looking-secret-key-with-entropy-9f8e7d6c5b4a3",
    "ALLOWED_HOSTS": "grid.example.gov.cn",
    "DATABASE_URL": "sqlite:////tmp/peoples-grid-settings-test.sqlite3",
}

GUNICORN = str(Path(sys.executable).parent / "gunicorn")

# Variables the test run itself sets, which a deployment would not have.
TEST_ONLY_ENV = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")


def clean_env(extra: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY_ENV}
    env.update(extra)
    return env


def run(args, env_extra, cwd=ROOT):
    return subprocess.run(
        args, cwd=cwd, env=clean_env(env_extra), capture_output=True, text=True, timeout=120
    )


def test_site_is_not_a_package():
    assert not (ROOT / "site" / "__init__.py").exists()
    import site

    assert hasattr(site, "getsitepackages")  # still the standard library's module


def test_production_refuses_to_start_without_a_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = run([sys.executable, "manage.py", "check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_passes_check_deploy_without_warnings():
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {**PRODUCTION_ENV, "REDIS_URL": "redis://127.0.0.1:6379/0"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_settings_come_from_the_environment():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], "
        "s.ALLOWED_HOSTS, s.EMAIL_HOST)"
    )
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": "postgres://u:p@db.internal:5432/grid",
        "REDIS_URL": "redis://cache.internal:6379/1",
        "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.gov.cn:587",
        "PYTHONPATH": f"{ROOT / 'site'}",
    }
    result = run([sys.executable, "-c", code], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "django.core.cache.backends.redis.RedisCache",
        "['grid.example.gov.cn']",
        "smtp.example.gov.cn",
    ]


# A worker's connection kept between requests (CONN_MAX_AGE) is ended by the database (restart,
# failover, idle timeout); the next request must reconnect, not fail.
KEPT_CONNECTION_SCRIPT = """
import django, psycopg
django.setup()
from django.core.signals import request_finished, request_started
from django.db import connection

def request(sql):
    request_started.send(sender=None)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]
    finally:
        request_finished.send(sender=None)

pid = request("SELECT pg_backend_pid()")
params = connection.get_connection_params()
params.pop("cursor_factory", None)
params.pop("context", None)
with psycopg.connect(**params, autocommit=True) as other:
    other.execute("SELECT pg_terminate_backend(%s)", [pid])
print(request("SELECT pg_backend_pid()") != pid)
"""


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="a PostgreSQL server"
)
def test_a_kept_connection_the_database_ended_is_replaced_before_the_next_request():
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "CONN_MAX_AGE": "60",
        "PYTHONPATH": f"{ROOT / 'site'}",
    }
    result = run([sys.executable, "-c", KEPT_CONNECTION_SCRIPT], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True"]


def test_without_environment_it_uses_sqlite_under_var(settings):
    result = run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.DATABASES['default']['NAME'])",
        ],
        {"DJANGO_SETTINGS_MODULE": "config.settings.dev", "PYTHONPATH": f"{ROOT / 'site'}"},
    )
    assert result.stdout.strip() == str(ROOT / "var" / "peoples-grid.sqlite3")


def test_gunicorn_serves_the_wsgi_entry_point(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = clean_env(
        {
            **PRODUCTION_ENV,
            "SECURE_SSL_REDIRECT": "False",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SINGLE_PROCESS_INSTALL": "True",
        }
    )
    server = subprocess.Popen(
        [GUNICORN, "--pythonpath", "site", "config.wsgi", "--bind", f"127.0.0.1:{port}", "-w1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body, live = None, f"http://127.0.0.1:{port}/livez"
        for _attempt in range(100):
            try:
                with urllib.request.urlopen(live, timeout=2) as response:
                    body = response.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert body == '{"status": "ok"}'
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.django_db
def test_migrations_are_in_sync():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.parametrize(
    ("extra", "errors"),
    [
        ({}, ["config.E001"]),
        ({"SINGLE_PROCESS_INSTALL": "True"}, []),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, []),
        ({"TASKS_BACKEND": "django_tasks_db.DatabaseBackend"}, ["config.E001", "config.E002"]),
        (
            {"SINGLE_PROCESS_INSTALL": "True", "TASKS_BACKEND": "django_tasks_db.DatabaseBackend"},
            ["config.E002"],
        ),
        (
            {
                "REDIS_URL": "redis://127.0.0.1:6379/0",
                "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            },
            [],
        ),
    ],
)
def test_production_refuses_a_per_process_cache(extra, errors):
    """Several processes with a cache each: pages stay stale after a publish on another server,
    rate limits count per process, the worker's progress never reaches the web servers."""
    result = run([sys.executable, "manage.py", "check"], {**PRODUCTION_ENV, **extra})
    found = sorted(set(re.findall(r"\(config\.E\d+\)", result.stdout + result.stderr)))
    assert found == [f"({error})" for error in errors]
    assert (result.returncode != 0) == bool(errors)


def test_gunicorn_config_refuses_to_start_when_a_check_fails():
    env = clean_env({**PRODUCTION_ENV, "SECURE_SSL_REDIRECT": "False"})
    result = subprocess.run(
        [GUNICORN, "-c", "deploy/gunicorn.conf.py", "--bind", "127.0.0.1:0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "config.E001" in result.stdout + result.stderr


def collect(tmp_path, source: Path, settings) -> Path:
    settings.STATICFILES_DIRS = [source]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATIC_ROOT = tmp_path / "collected"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "config.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


def test_collectstatic_leaves_a_packages_broken_reference_and_logs_it(tmp_path, settings, caplog):
    package = tmp_path / "package"  # outside the project, as site-packages is
    (package / "fonts").mkdir(parents=True)
    (package / "fonts" / "here.woff2").write_bytes(b"font")
    (package / "fonts" / "face.css").write_text(
        "@font-face { src: url(here.woff2), url(missing.woff2); }"
    )
    collected = collect(tmp_path, package, settings)
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    css = (collected / manifest["fonts/face.css"]).read_text()
    assert f'url("{Path(manifest["fonts/here.woff2"]).name}")' in css
    assert "url(missing.woff2)" in css
    assert "fonts/face.css refers to missing.woff2" in caplog.text


def test_collectstatic_refuses_a_broken_reference_in_the_projects_own_files(tmp_path, settings):
    (ROOT / "var").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ROOT / "var") as own:
        (Path(own) / "broken.css").write_text("body { background: url(missing.png); }")
        with pytest.raises(ValueError, match=r"missing\.png"):
            collect(tmp_path, Path(own), settings)
