"""Settings shared by every environment; each value that differs comes from the environment."""

import datetime
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy

CONFIG_DIR = Path(__file__).resolve().parent.parent
SITE_DIR = CONFIG_DIR.parent
BASE_DIR = SITE_DIR.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "grid",
    "sms",
    "pages",
    "forms",
    "workflows",
    "open311",
    "daily",
    "returns",
    "dashboards",
    "demo",
    "wagtail.contrib.forms",
    "wagtail.contrib.routable_page",
    "wagtail.api.v2",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "wagtail_modeladmin",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "import_export",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Viewflow ships its own 403/404/500 and registration/ templates; listed last so that
    # the project's and Wagtail's templates win.
    "viewflow",
    "viewflow.workflow",
]

MIDDLEWARE = [
    # /healthz and /livez, answered before anything that could fail on the way to a view.
    "config.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response, cached pages included (site/config/csp.py).
    "config.csp.PolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Anonymous visitors of public pages are answered here, before the page lookup.
    "pages.cache.AnonymousPageCacheMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "workflows.middleware.WorkflowMiddleware",
    # Answers a locked-out login with the lockout page; last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SITE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'peoples-grid.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# A kept connection may have died with a database restart or failover since the last request:
# test it before a request's first query, or that request fails on it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and a management command share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if env.str("REDIS_URL", default=""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("REDIS_URL"),
            "KEY_PREFIX": "peoples-grid",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "peoples-grid",
            # Django's 300 would cull the parts of public pages (several per page and language)
            # long before memory matters.
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username and address is refused before any password check.
    "grid.backends.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "grid.backends.AssignmentBackend",
    "workflows.backends.QueueBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# After LOGIN_FAILURE_LIMIT wrong passwords for one username from one client address, that
# pair is locked out for LOGIN_LOCKOUT_MINUTES (django-axes); a success clears the count. Admins
# unlock under Organisation → Login lockouts. The address is the rate limits' own.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=60))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "grid.clients.login_client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "grid.views.login_locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "landing"
# The page that removes what a phone kept for working offline (the admin's sign-out too).
LOGOUT_REDIRECT_URL = "daily:signed_out"

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# site/locale-vendor: Chinese for Viewflow and modeladmin strings their catalogues leave empty.
LOCALE_PATHS = [SITE_DIR / "locale", SITE_DIR / "locale-vendor"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static_collected"
STATICFILES_DIRS = [SITE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Files uploaded with form submissions: outside MEDIA_ROOT, never served by URL, only through
# a view that checks who may see the submission. Share it between app servers.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=VAR_DIR / "private")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="People's Grid <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Text messages (sms app): written to files under SMS_FILE_PATH unless a provider is named,
# SMS_BACKEND=sms.backends.tencent.TencentBackend with the SMS_TENCENT_* settings.
SMS_BACKEND = env.str("SMS_BACKEND", default="sms.backends.file.FileBackend")
SMS_FILE_PATH = env.path("SMS_FILE_PATH", default=VAR_DIR / "sms")
# At most SMS_RATE_LIMIT_COUNT messages to one number in SMS_RATE_LIMIT_WINDOW seconds (0 turns
# the limit off); messages beyond it are recorded as held back, not sent.
SMS_RATE_LIMIT_COUNT = env.int("SMS_RATE_LIMIT_COUNT", default=5)
SMS_RATE_LIMIT_WINDOW = env.int("SMS_RATE_LIMIT_WINDOW", default=3600)
SMS_MAX_ATTEMPTS = env.int("SMS_MAX_ATTEMPTS", default=5)
SMS_TIMEOUT = env.int("SMS_TIMEOUT", default=10)
# The secret part of the delivery-report address given to the provider, /sms/status/<token>/;
# empty: no reports are received.
SMS_STATUS_TOKEN = env.str("SMS_STATUS_TOKEN", default="")
SMS_TENCENT_SECRET_ID = env.str("SMS_TENCENT_SECRET_ID", default="")
SMS_TENCENT_SECRET_KEY = env.str("SMS_TENCENT_SECRET_KEY", default="")
SMS_TENCENT_SDK_APP_ID = env.str("SMS_TENCENT_SDK_APP_ID", default="")
SMS_TENCENT_SIGN_NAME = env.str("SMS_TENCENT_SIGN_NAME", default="")
SMS_TENCENT_REGION = env.str("SMS_TENCENT_REGION", default="ap-guangzhou")
SMS_TENCENT_ENDPOINT = env.str("SMS_TENCENT_ENDPOINT", default="sms.tencentcloudapi.com")
SMS_TENCENT_SCHEME = env.str("SMS_TENCENT_SCHEME", default="https")

# Background work runs inline unless a deployment names a queue backend: with
# TASKS_BACKEND=django_tasks_db.DatabaseBackend, `manage.py db_worker` runs the queue.
TASKS = {
    "default": {
        "BACKEND": env.str(
            "TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Registry imports: files with more data rows than this run as a background task with a
# progress bar; larger uploads than the byte limit are refused.
REGISTRY_IMPORT_BACKGROUND_ROWS = env.int("REGISTRY_IMPORT_BACKGROUND_ROWS", default=2000)
REGISTRY_IMPORT_MAX_BYTES = env.int("REGISTRY_IMPORT_MAX_BYTES", default=100 * 1024 * 1024)
# Registry exports of more rows than this are written by a background task, with a progress
# bar, and downloaded from the job's page; smaller ones are sent at once.
REGISTRY_EXPORT_BACKGROUND_ROWS = env.int("REGISTRY_EXPORT_BACKGROUND_ROWS", default=20000)
# Form submissions exported from a list longer than this are written by a background task
# (0: always within the request).
FORMS_EXPORT_BACKGROUND_ROWS = env.int("FORMS_EXPORT_BACKGROUND_ROWS", default=20000)

# The admin names the product in the reader's language.
WAGTAIL_SITE_NAME = gettext_lazy("People's Grid")
WAGTAILADMIN_BASE_URL = env.str("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
# No page fetches from another host (installs are often offline or behind a government
# firewall): no Gravatar avatars (Wagtail's bundled default instead), no release check.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024

# Public pages served to anonymous visitors are cached this long (0 turns the cache off);
# publishing and registry changes invalidate them sooner. Several app servers need a shared
# cache (REDIS_URL) for invalidation to reach all of them.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=600)
# The parts of public pages that are the same for every visitor (grid cards, people
# responsible, counts, map data, lists of pages), signed in or not, are cached this long, and
# renewed sooner when what they show changes (see pages/cache.py; 0 turns this cache off).
PAGE_FRAGMENT_CACHE_SECONDS = env.int("PAGE_FRAGMENT_CACHE_SECONDS", default=600)

# The grid map draws the registry's boundaries on a plain background; a deployment with a tile
# server of its own names it here, e.g. https://tiles.example.gov.cn/{z}/{x}/{y}.png
GRID_MAP_TILE_URL = env.str("GRID_MAP_TILE_URL", default="")
GRID_MAP_TILE_ATTRIBUTION = env.str("GRID_MAP_TILE_ATTRIBUTION", default="")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # The public APIs are rate-limited per client address like the public forms.
    "DEFAULT_THROTTLE_CLASSES": ["grid.clients.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env.str("API_ANON_RATE", default="120/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "People's Grid public registry API",
    "DESCRIPTION": (
        "Read-only: areas of the three-level grid with codes, boundaries, household counts and "
        "the public contacts responsible for them. No personal data of residents."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["grid.api.registry_endpoints_only"],
}

# The grid size rule: a residential responsibility grid should hold this many households.
GRID_HOUSEHOLDS_MIN = env.int("GRID_HOUSEHOLDS_MIN", default=250)
GRID_HOUSEHOLDS_MAX = env.int("GRID_HOUSEHOLDS_MAX", default=500)

# The client address that rate limits count by (grid.clients.client_address): with no
# trusted proxy, the connection's own address; behind N proxies that each append the address
# they saw to X-Forwarded-For, its Nth entry from the right. Anything further left was written
# by the client and is ignored.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Public form submissions: at most FORMS_RATE_LIMIT_COUNT attempts per client address in
# FORMS_RATE_LIMIT_WINDOW seconds (0 turns the limit off).
FORMS_RATE_LIMIT_COUNT = env.int("FORMS_RATE_LIMIT_COUNT", default=20)
FORMS_RATE_LIMIT_WINDOW = env.int("FORMS_RATE_LIMIT_WINDOW", default=600)
# Requests for a link to set a new password, per client address in FORMS_RATE_LIMIT_WINDOW.
PASSWORD_RESET_RATE_LIMIT_COUNT = env.int("PASSWORD_RESET_RATE_LIMIT_COUNT", default=5)
# Tracking pages: at most TRACK_RATE_LIMIT_COUNT look-ups of a code per client address in
# TRACK_RATE_LIMIT_WINDOW seconds, so that codes cannot be tried in bulk (0 turns it off).
TRACK_RATE_LIMIT_COUNT = env.int("TRACK_RATE_LIMIT_COUNT", default=60)
TRACK_RATE_LIMIT_WINDOW = env.int("TRACK_RATE_LIMIT_WINDOW", default=600)
# A whole submission, files included; each file field has its own, smaller cap.
FORMS_MAX_REQUEST_SIZE = env.int("FORMS_MAX_REQUEST_SIZE", default=60 * 1024 * 1024)
FORMS_EMAIL_MAX_ATTEMPTS = env.int("FORMS_EMAIL_MAX_ATTEMPTS", default=5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

PORT = env.int("PORT", default=8000)

# Working days for process deadlines: Monday to Friday, less these public holidays, plus these
# make-up working days (调休), as ISO dates. The `WORKFLOW_…` names are read too, so that an
# environment written before the rename keeps its calendar.
PROCESS_HOLIDAYS = env.list("PROCESS_HOLIDAYS", default=env.list("WORKFLOW_HOLIDAYS", default=[]))
PROCESS_EXTRA_WORKING_DAYS = env.list(
    "PROCESS_EXTRA_WORKING_DAYS", default=env.list("WORKFLOW_EXTRA_WORKING_DAYS", default=[])
)
# The deadline check (`process_deadlines`; deploy/systemd/peoples-grid-deadlines.timer) runs
# every this many minutes; the admin dashboard warns when its last run is older than that.
PROCESS_DEADLINE_CHECK_MINUTES = env.int(
    "PROCESS_DEADLINE_CHECK_MINUTES", default=env.int("WORKFLOW_DEADLINE_CHECK_MINUTES", default=5)
)
# Personal answers of processes closed (and of plain form submissions sent) longer ago than this
# many days are anonymised by `anonymise_personal_data` (deploy/systemd, daily); 0 keeps them.
# Three years: the limitation period for civil claims (民法典 art. 188), so an applicant's
# complaint or appeal about a closed case can still be answered from the record; after that
# only the figures statistics need are kept.
PERSONAL_DATA_RETENTION_DAYS = env.int("PERSONAL_DATA_RETENTION_DAYS", default=365 * 3)
