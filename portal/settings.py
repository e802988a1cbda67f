"""Procure settings: every environment-specific value comes from an environment variable.

The defaults give a self-contained development setup (SQLite, Celery tasks run eagerly, no
service needed). Set DATABASE_URL and REDIS_URL to run on PostgreSQL with a Redis broker and real
Celery workers; see README.md.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Core -------------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", default=False)
# The development key only works with DEBUG on; portal.checks refuses it in production.
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Behind a TLS-terminating proxy (nginx), trust its scheme header so absolute links say https.
if env_bool("BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Apps -------------------------------------------------------------------------------------

INSTALLED_APPS = [
    # First, so that its `runserver` (keeping the client_id header) wins over the others.
    "portal",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "django_fsm",
    "django_celery_beat",
    "catalog",
    "orders",
    "approvals",
]

MIDDLEWARE = [
    "portal.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

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
                "orders.context_processors.navigation",
            ],
        },
    },
]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Database ---------------------------------------------------------------------------------

# Persistent connections: opening a PostgreSQL connection per request cost ~5x throughput here.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}

# --- Auth and OAuth 2 -------------------------------------------------------------------------

LOGIN_URL = "login"
# Failed sign-ins allowed per username (and per address) within the window (portal.auth).
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 15 * 60)
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

OAUTH2_PROVIDER_APPLICATION_MODEL = "portal.OAuthApplication"
OAUTH2_PROVIDER = {
    "SCOPES": {"read": "Read orders, catalog and people", "write": "Place and decide orders"},
    "DEFAULT_SCOPES": ["read", "write"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": min(env_int("ACCESS_TOKEN_EXPIRE_SECONDS", 3600), 7200),
    "REFRESH_TOKEN_EXPIRE_SECONDS": 14 * 24 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "PKCE_REQUIRED": True,
    "APPLICATION_ADMIN_CLASS": "portal.admin.OAuthApplicationAdmin",
    # RFC 9700 hardening, all on. The password and implicit grants stay possible because the
    # MobProc clients we are compatible with need them, but each application must opt in to them
    # (portal.OAuthApplication.allows_grant_type); their two deploy warnings are silenced below.
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    # http redirect URIs only while developing (loopback callbacks); https in production.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"] if DEBUG else ["https"],
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": not DEBUG,
}
SILENCED_SYSTEM_CHECKS = ["oauth2_provider.W001", "oauth2_provider.W002"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- Django REST framework --------------------------------------------------------------------

REST_FRAMEWORK = {
    # Bearer token + X-TNGO-TENANT + client_id + context headers -> request.auth (ApiContext).
    "DEFAULT_AUTHENTICATION_CLASSES": ["portal.api.context.TenantOAuth2Authentication"],
    "DEFAULT_PERMISSION_CLASSES": ["portal.api.context.HasApiContext"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.MetaPagination",
    "DEFAULT_FILTER_BACKENDS": ["portal.api.filters.QueryFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env_str("API_RATE_LIMIT", "6000/min")},
    "EXCEPTION_HANDLER": "portal.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "PAGE_SIZE": 25,
    # MobProc timestamps: UTC, whole seconds ("2016-04-29T21:04:56Z").
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Procure API",
    "DESCRIPTION": "Order devices and accessories, decide approvals (MobProc-compatible).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Cache ------------------------------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# --- Celery -----------------------------------------------------------------------------------

# Without REDIS_URL every task runs eagerly in the web process: the demo needs no service.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged only once it has run, and requeued if its worker dies mid-way.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Publishing must never hang a request on a dead broker (Celery #4296): fail fast, the outbox
# sweep publishes later.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task whose worker died unacknowledged is redelivered after this many seconds.
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    # One connection attempt: a retry would first sleep kombu's interval_start (2 s), holding a
    # request that publishes on commit past its 2 s bound. The outbox sweep is the retry.
    "max_retries": 0,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# --- Fulfilment -------------------------------------------------------------------------------

# The simulated carrier ships this many seconds after acknowledging (and delivers as long after).
SIMULATED_CARRIER_SHIP_DELAY = env_int("SIMULATED_CARRIER_SHIP_DELAY", 30)
# Per vendor id: SHIP, FAIL_TRANSIENTLY or FAIL, e.g. "98:FAIL,99:FAIL_TRANSIENTLY".
SIMULATED_CARRIER_MODES = dict(
    item.split(":", 1) for item in env_list("SIMULATED_CARRIER_MODES") if ":" in item
)

# --- E-mail -----------------------------------------------------------------------------------

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Procure <procure@localhost>")
# Links in e-mails point here.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# How long the Approve / Reject links of an approval e-mail stay valid.
APPROVAL_LINK_MAX_AGE = env_int("APPROVAL_LINK_MAX_AGE", 7 * 24 * 3600)

# --- Logging ----------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "portal.middleware.RequestContextLogFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s "
            "[corr=%(correlation_id)s act=%(activity_id)s] %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_context"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "oauth2_provider": {"level": "ERROR"},
    },
}
