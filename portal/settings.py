"""Procure settings: every environment-specific value comes from an environment variable.

The defaults give a self-contained development setup (SQLite, Celery tasks run eagerly, no
service needed). Set DATABASE_URL and REDIS_URL to run on PostgreSQL with a Redis broker and real
Celery workers; see README.md.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool = False) -> bool:
    """Blank or unset: the default. A typo refuses to start: read as False it would quietly turn
    off what it meant to turn on (SECURE_SSL_REDIRECT=ture)."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={os.environ[name]!r} is not a boolean: use true/false, 1/0, yes/no or on/off "
        "(any case), or leave it blank for the default."
    )


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Core -------------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", default=False)
# Public, so only for development (DEBUG on). With DEBUG off portal.checks refuses it (or a blank
# key) in every check run (runserver, migrate), a weak key in `check --deploy`; gunicorn
# (portal.wsgi) and Celery worker and beat (portal.celery) refuse to start with either.
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me"
SECRET_KEY = env_str("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Behind a TLS-terminating proxy (nginx), trust its scheme header so absolute links say https.
if env_bool("BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
# Strict-Transport-Security, sent by SecurityMiddleware on HTTPS requests only (behind the proxy:
# those it forwards with X-Forwarded-Proto: https). 0 sends none.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Every response (django-csp): scripts, styles and images from our own origin only, no inline
# code (templates load static/js and static/css), no plugins, no <base>, never framed, forms post
# only here. Views that need more widen it themselves: the Swagger UI page (portal/api/urls.py)
# and the OAuth consent and sign-in pages (portal.middleware.OAuthRedirectFormActionMiddleware).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# Every response (portal.middleware.PermissionsPolicyMiddleware): no page uses these browser
# features, so none may ask for them, nor anything injected into one.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), hid=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), screen-wake-lock=(), serial=(), usb=(), "
    "xr-spatial-tracking=()"
)

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
    # Content-Security-Policy (CONTENT_SECURITY_POLICY); the app checks its settings' format.
    "csp",
    # Sign-in lockout: failed attempts counted in the database (portal.auth).
    "axes",
    "django_fsm",
    "django_celery_beat",
    "catalog",
    "orders",
    "approvals",
]

MIDDLEWARE = [
    "portal.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before whitenoise, so that static files carry these headers too.
    "portal.middleware.CSPMiddleware",
    "portal.middleware.PermissionsPolicyMiddleware",
    # After CSPMiddleware: widens the OAuth consent page's form-action before it is written.
    "portal.middleware.OAuthRedirectFormActionMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions (it drops a cookie the session lookup could not take); refuses query
    # parameters PostgreSQL cannot take with a 400 instead of a 500.
    "portal.middleware.UnstorableInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: turns a locked-out sign-in into portal.auth.lockout_response.
    "axes.middleware.AxesMiddleware",
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
                "orders.web.context_processors.navigation",
            ],
        },
    },
]

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
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
# PostgreSQL: parameters bound by the server, and a statement run five times on a connection
# (psycopg's prepare_threshold) prepared there, so that PostgreSQL parses and plans each hot
# query once per connection rather than on every call. Planning was most of PostgreSQL's CPU on
# the API's reads: per request 2.3 -> 0.3 ms for GET /orders/{id}, 0.7 -> 0.1 ms for GET /me,
# 3.9 -> 1.9 ms for a page of orders (measured alternating both in one process).
# Behind a connection pooler in transaction mode (PgBouncer before 1.21), which cannot keep a
# connection's prepared statements, set DATABASE_PREPARED_STATEMENTS=false.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", True
):
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "server_side_binding": True,
        "prepare_threshold": 5,
    }

# --- Auth and OAuth 2 -------------------------------------------------------------------------

LOGIN_URL = "login"
# Failed sign-ins allowed per username (and client address: LOGIN_LOCKOUT_BY, below), on the
# sign-in page and the OAuth password grant alike, and how long (seconds) a locked-out username
# waits after its last failure (portal.auth).
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 15 * 60)
LOGIN_REDIRECT_URL = "orders:home"
LOGOUT_REDIRECT_URL = "login"
# Password reset e-mails sent per address, and reset requests taken per client address (0: no
# limit; behind one proxy a whole office shares one), in PASSWORD_RESET_WINDOW seconds.
PASSWORD_RESET_LIMIT = env_int("PASSWORD_RESET_LIMIT", 3)
PASSWORD_RESET_ADDRESS_LIMIT = env_int("PASSWORD_RESET_ADDRESS_LIMIT", 30)
PASSWORD_RESET_WINDOW = env_int("PASSWORD_RESET_WINDOW", 60 * 60)
# Days the audit of refused sign-ins and of reset requests is kept (portal.models.SignInEvent).
SIGN_IN_EVENT_DAYS = env_int("SIGN_IN_EVENT_DAYS", 90)

# The lockout is django-axes with its database handler: the counts live in PostgreSQL, so every
# web process shares them and signing in works with Redis down.
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
# A timedelta of LOGIN_FAILURE_WINDOW seconds (axes would read a number as hours).
AXES_COOLOFF_TIME = "portal.auth.login_failure_window"
# What a failure counts against (LOGIN_LOCKOUT_BY):
# - "username-and-address" (the default): the username from that client address. A guesser is
#   locked out, and the owner, signing in from elsewhere, is not: nobody can lock a colleague out
#   by typing their name.
# - "username": the username from anywhere, so spreading guesses over many addresses does not
#   help either; but anyone can then keep a given person locked out.
# Never the address alone: everyone behind one proxy or NAT shares it, and five wrong guesses
# would lock them all out.
LOGIN_LOCKOUT_CHOICES = {
    "username-and-address": [["username", "ip_address"]],
    "username": ["username"],
}
LOGIN_LOCKOUT_BY = env_str("LOGIN_LOCKOUT_BY", "username-and-address").strip().lower()
if LOGIN_LOCKOUT_BY not in LOGIN_LOCKOUT_CHOICES:
    raise ImproperlyConfigured(
        f"LOGIN_LOCKOUT_BY={LOGIN_LOCKOUT_BY!r}: use one of {', '.join(LOGIN_LOCKOUT_CHOICES)}."
    )
AXES_LOCKOUT_PARAMETERS = LOGIN_LOCKOUT_CHOICES[LOGIN_LOCKOUT_BY]
# The sign-in form's field, and the password grant's parameter.
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
# Attempts while locked out are refused but not counted, so the lockout ends LOGIN_FAILURE_WINDOW
# after the failure that started it, even if the user tries again meanwhile.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "portal.auth.lockout_response"
# Behind the proxy every request comes from it: the client's address is the last X-Forwarded-For
# entry, the one the proxy added. Otherwise REMOTE_ADDR, and that header (anyone can send one) is
# ignored.
AXES_CLIENT_IP_CALLABLE = "portal.auth.client_ip_behind_proxy" if env_bool("BEHIND_PROXY") else None
# axes masks these in its log lines and stored request data. Its default masks the username and
# address, which the log lines of failures and lockouts should name; passwords are always masked.
AXES_SENSITIVE_PARAMETERS = ["client_secret"]
# No table of every successful sign-in (nothing would ever prune it); they are logged.
AXES_DISABLE_ACCESS_LOG = True

# How long an API call's validated token and employee are kept for the next calls at most
# (portal.api.token_cache; any change to them drops them at once). 0: not kept.
AUTH_CACHE_SECONDS = env_int("AUTH_CACHE_SECONDS", 60)
OAUTH2_PROVIDER_APPLICATION_MODEL = "portal.OAuthApplication"
OAUTH2_PROVIDER = {
    "SCOPES": {
        "read": "Read orders, catalog and people",
        "write": "Place and decide orders",
        # The MobProc documentation's scope: an alias granting both (portal.oauth.SCOPE_ALIASES).
        "MOBPROC": "Use the MobProc API: read and write",
    },
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
    # The password grant under the sign-in lockout: 429 when locked out, reset on success.
    "OAUTH2_VALIDATOR_CLASS": "portal.oauth.LockoutAwareOAuth2Validator",
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
    "DEFAULT_PARSER_CLASSES": ["portal.api.parsers.StorableJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.MetaPagination",
    "DEFAULT_FILTER_BACKENDS": ["portal.api.filters.QueryFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_METADATA_CLASS": "portal.api.metadata.DescriptionMetadata",
    # Fails open (logged) when the cache is down: portal.api.throttling.
    "DEFAULT_THROTTLE_CLASSES": ["portal.api.throttling.ApiUserRateThrottle"],
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
    # Several models have a `status`: each choice set gets a name of its own.
    "ENUM_NAME_OVERRIDES": {
        "EmployeeStatusEnum": "portal.models.Employee.Status",
        "ServiceStatusEnum": "catalog.models.ServiceAsset.Status",
    },
    # The headers every call sends and the error bodies it may answer (portal/api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.api.schema.describe_calls",
    ],
}

# --- Cache ------------------------------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "portal.cache.RedisCache",  # one client per pool; count()
        "LOCATION": REDIS_URL,
        # A Redis that stops answering costs a request half a second, never a hang.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    if REDIS_URL
    else {"BACKEND": "portal.cache.LocMemCache"}
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
# A worker outlives its broker. It reconnects after losing Redis (retry) however long Redis stays
# away (no limit: the default gives up after 100 attempts, about 45 min, and the worker exits;
# beat's connection uses the same limit). The transport's max_retries above is not in the way:
# the worker's reconnection loop uses these settings; publishers use the transport's (fail fast).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A worker started while Redis is down waits for it instead of exiting (Celery 6 reads only this).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task running when the connection drops runs to its end (Celery 6 will cancel it instead).
# With Redis restarted empty its message is gone: cancelled, the work would wait for the outbox
# sweep; finished, its acknowledgement is a no-op. Every task is idempotent either way.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False


# kombu's Redis transport with the one step mended that made losing Redis fatal to a worker
# (portal/broker.py says how).
if REDIS_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT = "portal.broker:RedisTransport"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Pending work (portal.outbox) whose task has not finished this many seconds after it was
# published is published again by the beat sweep (every OUTBOX_SWEEP_SECONDS, below): the
# bound on how long a lost message or a killed worker delays it. Longer than any task runs.
OUTBOX_REDRIVE_AFTER = env_int("OUTBOX_REDRIVE_AFTER", 30)
# The periodic jobs, all in one place (django-celery-beat stores and runs them).
CELERY_BEAT_SCHEDULE = {
    # Drives again the pending work whose message was never published (broker down), was lost
    # (broker restarted empty) or is held by a dead worker: the database, not the broker, says
    # what is left to do (portal.outbox).
    "publish-outbox": {
        "task": "portal.publish_outbox",
        "schedule": float(env_int("OUTBOX_SWEEP_SECONDS", 10)),
    },
    # Asks carriers about shipped segments when they said to ask again; Redis redelivers long
    # countdowns (visibility timeout), so the due times live in the database.
    "collect-due-progress": {"task": "orders.collect_due_progress", "schedule": 10.0},
    # Sends approval reminders and escalates steps that waited too long.
    "sweep-due-approval-steps": {"task": "approvals.sweep_due_steps", "schedule": 60.0},
    # Forgets refused sign-ins and reset requests older than SIGN_IN_EVENT_DAYS.
    "prune-sign-in-events": {"task": "portal.prune_sign_in_events", "schedule": 3600.0},
}
CELERY_TIMEZONE = TIME_ZONE
# Without a broker (`make run`) there is no beat either: the development server runs the schedule
# above in a thread of its own instead (portal/embedded.py). Never with REDIS_URL: beat does it.
EMBEDDED_SWEEPS = env_bool("EMBEDDED_SWEEPS", default=not REDIS_URL)

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
        # Failures and lockouts (WARNING) name the username; its routine lines are noise.
        "axes": {"level": "WARNING"},
    },
}
