"""Mesh Portal settings: one module, every value from the environment with safe dev defaults.

See `.env.example` for the variables. With DEBUG off, SECRET_KEY is required and the
security settings are strict enough for `manage.py check --deploy --fail-level WARNING`.
"""

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MESH_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-change-me-" + "x" * 32

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "guardian",
    "catalog",
    "governance",
    "access",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mesh_portal.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "mesh_portal.urls"
WSGI_APPLICATION = "mesh_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mesh_portal.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'mesh_portal.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, worker and beat of `make demo` share one file without
    # "database is locked" errors; the timeout covers the short write overlaps that remain.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

# --- Auth -----------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None  # guardian: anonymous users hold no object permissions

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# --- Email ----------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "mesh-portal@localhost")

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated API call gets 401 with `WWW-Authenticate: Token`.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "mesh_portal.exceptions.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mesh Portal API",
    "DESCRIPTION": "Catalog, contracts, governance and access for a data mesh.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Request bodies get their own components, so required text fields say minLength: 1.
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name get names of their own (else drf-spectacular warns).
    "ENUM_NAME_OVERRIDES": {
        "ViolationSeverityEnum": "governance.compliance.scoring.SEVERITIES",
        "QualityRunTriggerEnum": "governance.models.QualityRunTrigger",
        "ComplianceTriggerEnum": "governance.models.ComplianceTrigger",
    },
    # Every authenticated operation documents its 401 in the error shape (mesh_portal/openapi.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "mesh_portal.openapi.add_authentication_errors",
    ],
}

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "filesystem://"
_celery_dir = VAR_DIR / "celery"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded broker: queues are files under var/celery, so the demo needs no server.
    for sub in ("queue", "processed", "results", "control"):
        (_celery_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or f"file://{_celery_dir / 'results'}"
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "1800")),
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }
    CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or CELERY_BROKER_URL
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    k: v for k, v in CELERY_BROKER_TRANSPORT_OPTIONS.items() if k == "visibility_timeout"
}
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "900"))
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(_celery_dir / "beat-schedule")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Mesh Portal ----------------------------------------------------------------------
# URL prefix -> local folder, e.g. "s3://data-products/=var/data/s3". Several with ";".
MESH_STORAGE_MAP = {}
for _pair in os.environ.get("MESH_STORAGE_MAP", f"s3://data-products/={VAR_DIR / 'data' / 's3'}").split(";"):
    if "=" in _pair:
        _prefix, _folder = _pair.split("=", 1)
        _path = Path(_folder.strip())
        MESH_STORAGE_MAP[_prefix.strip()] = str(_path if _path.is_absolute() else BASE_DIR / _path)

# Data sources for `postgresql://<source>/<schema>.<table>` locations: a JSON object of
# source name -> connection URL. The demo's "warehouse" points at the portal's own
# PostgreSQL database when there is one.
MESH_DATA_SOURCES: dict[str, str] = json.loads(os.environ.get("MESH_DATA_SOURCES", "{}") or "{}")
if "warehouse" not in MESH_DATA_SOURCES:
    # Without PostgreSQL, the demo's warehouse is an embedded DuckDB database file.
    MESH_DATA_SOURCES["warehouse"] = os.environ.get(
        "MESH_WAREHOUSE_URL",
        DATABASE_URL if IS_POSTGRES else f"duckdb://{VAR_DIR / 'data' / 'warehouse.duckdb'}",
    )

MESH_CONTRACT_MAX_BYTES = int(os.environ.get("MESH_CONTRACT_MAX_BYTES", str(256 * 1024)))
MESH_CHECK_TIMEOUT_SECONDS = int(os.environ.get("MESH_CHECK_TIMEOUT_SECONDS", "60"))
MESH_CHECK_MEMORY_LIMIT = os.environ.get("MESH_CHECK_MEMORY_LIMIT", "1GB")
MESH_CHECK_THREADS = int(os.environ.get("MESH_CHECK_THREADS", "2"))
MESH_ACCESS_MAX_DAYS = int(os.environ.get("MESH_ACCESS_MAX_DAYS", "365"))  # longest grant policy allows
MESH_ACCESS_SOX_MAX_DAYS = int(os.environ.get("MESH_ACCESS_SOX_MAX_DAYS", "90"))  # in SOX domains
MESH_PREVIEW_TIMEOUT_SECONDS = int(os.environ.get("MESH_PREVIEW_TIMEOUT_SECONDS", "10"))
# Password of the per-product PostgreSQL reader roles the quality checks log in as (empty: trust auth).
MESH_QC_READER_PASSWORD = os.environ.get("MESH_QC_READER_PASSWORD", "")
MESH_PUBLIC_URL = os.environ.get("MESH_PUBLIC_URL", "http://127.0.0.1:8000")
# Monitoring (docs/monitoring.md): when checks run, freshness, alert notifications.
MESH_CHECK_INTERVAL_MINUTES = int(os.environ.get("MESH_CHECK_INTERVAL_MINUTES", "60"))  # no update_schedule
MESH_CHECK_DELAY_MINUTES = int(os.environ.get("MESH_CHECK_DELAY_MINUTES", "10"))  # after an expected update
MESH_CHECK_MIN_INTERVAL_MINUTES = int(os.environ.get("MESH_CHECK_MIN_INTERVAL_MINUTES", "15"))
MESH_FRESHNESS_GRACE_MINUTES = int(os.environ.get("MESH_FRESHNESS_GRACE_MINUTES", "30"))
MESH_MONITOR_SWEEP_SECONDS = float(os.environ.get("MESH_MONITOR_SWEEP_SECONDS", "60"))
MESH_FRESHNESS_SWEEP_SECONDS = float(os.environ.get("MESH_FRESHNESS_SWEEP_SECONDS", "60"))
MESH_MONITOR_SWEEP_BATCH = int(os.environ.get("MESH_MONITOR_SWEEP_BATCH", "1000"))  # products per transaction
MESH_MONITOR_SWEEP_MAX = int(os.environ.get("MESH_MONITOR_SWEEP_MAX", "50000"))  # runs one sweep creates
MESH_RUN_TIME_LIMIT_SECONDS = int(os.environ.get("MESH_RUN_TIME_LIMIT_SECONDS", "600"))  # hard, per run task
MESH_RUN_QUEUED_MAX_HOURS = int(os.environ.get("MESH_RUN_QUEUED_MAX_HOURS", "24"))
MESH_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("MESH_WEBHOOK_TIMEOUT_SECONDS", "10"))
MESH_NOTIFY_MAX_RETRIES = int(os.environ.get("MESH_NOTIFY_MAX_RETRIES", "8"))
MESH_NOTIFY_RETRY_BASE_SECONDS = int(os.environ.get("MESH_NOTIFY_RETRY_BASE_SECONDS", "30"))
MESH_ALERT_EMAILS = env_bool("MESH_ALERT_EMAILS", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
