"""Production: everything from the environment; refuses to start without a secret key."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, INSTALLED_APPS, SECRET_KEY, STATIC_ROOT, STORAGES, env

DEBUG = env.bool("DEBUG", default=False)
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set it in the environment (see .env.example) before starting."
    )

# config.checks: production refuses to start with a per-process cache (config.E001) unless
# the operator declares that this install runs a single process (one gunicorn worker, no task
# worker), and whenever tasks run in a worker without a shared cache (config.E002).
INSTALLED_APPS = [*INSTALLED_APPS, "config.apps.ConfigConfig"]
SINGLE_PROCESS_INSTALL = env.bool("SINGLE_PROCESS_INSTALL", default=False)

# An unreachable database or Redis makes requests (and /healthz) fail within seconds instead
# of hanging until the proxy gives up.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": 2, "socket_timeout": 2}
    )

# Hashed, compressed static files with a manifest (see config.storage for third-party files).
STATIC_ROOT = env.path("STATIC_ROOT", default=str(STATIC_ROOT))
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "config.storage.ManifestStaticFilesStorage"},
}

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "SAMEORIGIN"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "mail_admins": {"class": "django.utils.log.AdminEmailHandler", "level": "ERROR"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.request": {"handlers": ["console", "mail_admins"], "level": "ERROR"}},
}

# Wagtail's page preview renders in a same-origin iframe, which DENY would break; SAMEORIGIN
# still refuses framing by any other site.
SILENCED_SYSTEM_CHECKS = ["security.W019"]
