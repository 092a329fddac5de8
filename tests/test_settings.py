"""Configuration: the site/ layout, environment-driven settings and production safety."""

import os
import socket
import subprocess
import sys
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
        PRODUCTION_ENV,
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
        {**PRODUCTION_ENV, "SECURE_SSL_REDIRECT": "False", "ALLOWED_HOSTS": "127.0.0.1"}
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--pythonpath",
            "site",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = None
        for _attempt in range(100):
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz", timeout=2
                ) as response:
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
