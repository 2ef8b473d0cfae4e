"""PolkaMesh web settings.

Every value comes from the environment (12-factor); the defaults are the embedded
development set-up that `make run` uses (SQLite, a file-based Celery broker, an
in-process channel layer fed by the event outbox). Production changes only the
environment: see docs/OPERATIONS.md for every variable.
"""

import json
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PM_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def instance_secret_key(path: Path) -> str:
    """The instance's own random key, made on first start and kept in `path` (mode 600).

    A key written in the code would be public: anyone could forge sessions and Data NFT
    access tokens with it. The file is written aside and linked into place, so processes
    starting together all read the same complete key."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(64))
    try:
        os.link(draft, path)
    except FileExistsError:
        pass  # another process won the race; its key is the instance's
    finally:
        draft.unlink()
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
PM_SECRET_KEY_FILE = Path(env_str("PM_SECRET_KEY_FILE", str(VAR_DIR / "secret_key")))
SECRET_KEY = env_str("SECRET_KEY", "") or instance_secret_key(PM_SECRET_KEY_FILE)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- Security ---------------------------------------------------------------------------
# Behind a TLS-terminating proxy (which sets X-Forwarded-Proto) set PM_HTTPS=true:
# HTTPS redirects, HSTS and secure cookies. `manage.py check --deploy` then passes.
PM_HTTPS = env_bool("PM_HTTPS", False)
if PM_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = PM_HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer probes over plain HTTP
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PM_HTTPS
SECURE_HSTS_SECONDS = env_int("PM_HSTS_SECONDS", 31_536_000 if PM_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = PM_HTTPS
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SAMESITE = "Lax"
# No inline script or style anywhere: the pages load wallet.js and stylesheets only.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

INSTALLED_APPS = [
    "daphne",
    "polkamesh_web.console.ConsoleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "channels",
    "ledger",
    "marketplace.core",
    "marketplace.wallets",
    "marketplace.providers",
    "marketplace.artifacts",
    "marketplace.jobs",
    "marketplace.datanft",
    "marketplace.confidential",
    "marketplace.intents",
    "marketplace.chain",
    "marketplace.federated",
    "marketplace.agents",
    "marketplace.overview",
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
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "marketplace.wallets.middleware.WalletMiddleware",
]

ROOT_URLCONF = "polkamesh_web.urls"
ASGI_APPLICATION = "polkamesh_web.asgi.application"
WSGI_APPLICATION = None

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
                "marketplace.wallets.context_processors.wallet",
                "marketplace.realtime.context_processors.live",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# PostgreSQL in production and tests (DATABASE_URL); SQLite for the embedded set-up.
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    # Connections come from a pool per process (psycopg-pool, Django's built-in support):
    # under an ASGI server every request runs in a thread of its own, and Django's persistent
    # connections belong to a thread, so without a pool each request opened a new
    # PostgreSQL session (and a burst of requests could exhaust max_connections).
    # The pool checks a connection before handing it out (CONN_HEALTH_CHECKS), so one
    # that the server closed (a restart, a failover, pg_terminate_backend) is replaced
    # instead of failing the next request.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": env_int("PM_DB_POOL_SIZE", 10),
            "timeout": env_int("PM_DB_POOL_TIMEOUT", 10),
        }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "polkamesh_web.sqlite",  # amounts read back exactly (its base.py)
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                # The web, worker and beat processes share one file: IMMEDIATE transactions
                # serialise writers up front instead of failing with "database is locked"
                # half-way through a money movement.
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, Celery, Channels ------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "celery-broker"
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 times reads out after 5 s by default, which drops every idle
                # socket's group subscription; channels-redis waits on purpose.
                # redis-py's pool refuses a 101st concurrent command ("Too many
                # connections"); agents reconnecting together after a restart join their
                # groups at once, so the pool is sized for that.
                "hosts": [{"address": REDIS_URL, "socket_timeout": None, "max_connections": 1000}],
                # The defaults (100 messages, 60 s) drop pushes silently under load; the
                # outbox still lets clients catch up, but we size for 1,000 sockets.
                "capacity": env_int("PM_CHANNEL_CAPACITY", 1000),
                "expiry": 30,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# With a shared (Redis) layer any process can push directly after commit; the in-memory
# layer only reaches sockets in its own process, so the web process relays the outbox.
PM_EVENTS_DIRECT = bool(REDIS_URL)
# A WebSocket is closed after this long (the client reconnects and catches up): at most
# channels-redis' group_expiry (a day), which forgets a socket's group memberships.
PM_WEBSOCKET_MAX_AGE_SECONDS = env_int("PM_WEBSOCKET_MAX_AGE_SECONDS", 24 * 3600)
PM_OUTBOX_POLL_SECONDS = float(env_str("PM_OUTBOX_POLL_SECONDS", "0.2"))
PM_OUTBOX_RETENTION_SECONDS = env_int("PM_OUTBOX_RETENTION_SECONDS", 24 * 3600)

# --- Marketplace ------------------------------------------------------------------------
PM_DOMAIN = env_str("PM_DOMAIN", "polkamesh.local")
PM_SS58_PREFIX = env_int("PM_SS58_PREFIX", 42)
PM_SIGNATURE_MAX_AGE_SECONDS = env_int("PM_SIGNATURE_MAX_AGE_SECONDS", 300)
PM_FEE_BPS = env_int("PM_FEE_BPS", 250)
PM_MIN_STAKE = env_int("PM_MIN_STAKE", 100 * 10**10)  # 100 DOT, in planck
PM_STAKE_ASSET = env_str("PM_STAKE_ASSET", "DOT")
# Free test money is for demos only: `make run` turns it on, a deployment must opt in.
PM_FAUCET_ENABLED = env_bool("PM_FAUCET_ENABLED", False)
PM_FAUCET_MAX = env_int("PM_FAUCET_MAX", 1000)  # whole units of the asset per call
PM_BATCH_INTERVAL_SECONDS = env_int("PM_BATCH_INTERVAL_SECONDS", 30)
PM_DEFAULT_SLIPPAGE_BPS = env_int("PM_DEFAULT_SLIPPAGE_BPS", 50)  # the quote's suggested minimum
PM_REVIEW_WINDOW_SECONDS = env_int("PM_REVIEW_WINDOW_SECONDS", 24 * 3600)
# Staff aim to resolve a dispute within this long; the console counts down to it.
PM_DISPUTE_SLA_SECONDS = env_int("PM_DISPUTE_SLA_SECONDS", 72 * 3600)
PM_BID_WINDOW_SECONDS = env_int("PM_BID_WINDOW_SECONDS", 60)
PM_SWEEP_INTERVAL_SECONDS = env_int("PM_SWEEP_INTERVAL_SECONDS", 10)
PM_MIN_DEADLINE_SECONDS = env_int("PM_MIN_DEADLINE_SECONDS", 300)
# How long a provider has for one federated training task (capped by the job's deadline).
PM_FEDERATED_TASK_SECONDS = env_int("PM_FEDERATED_TASK_SECONDS", 600)
PM_UNBOND_SECONDS = env_int("PM_UNBOND_SECONDS", 7 * 24 * 3600)
PM_SLASH_BPS = env_int("PM_SLASH_BPS", 1000)  # share of stake slashed per expired job
PM_HEARTBEAT_SECONDS = env_int("PM_HEARTBEAT_SECONDS", 15)

# --- The chain (docs/CHAIN.md) -------------------------------------------------------------
# Empty: no chain; money enters by the faucet and staff mark withdrawals paid by hand.
PM_CHAIN_URL = env_str("PM_CHAIN_URL", "")
# What a browser wallet connects to (differs from PM_CHAIN_URL behind a proxy).
PM_CHAIN_PUBLIC_URL = env_str("PM_CHAIN_PUBLIC_URL", "") or PM_CHAIN_URL
# The hot wallet: receives deposits and pays withdrawals. A secret (URI, mnemonic or seed).
PM_CHAIN_HOT_WALLET_URI = env_str("PM_CHAIN_HOT_WALLET_URI", "")
# Blocks on top of a deposit's block, all finalized, before it is credited.
PM_CHAIN_CONFIRMATIONS = env_int("PM_CHAIN_CONFIRMATIONS", 2)
# Platform asset -> chain asset: "native" or an Assets-pallet id.
PM_CHAIN_ASSETS = dict(
    item.split("=", 1) for item in env_list("PM_CHAIN_ASSETS", ["DOT=native", "USDT=1984"])
)
# Four eyes on money out: a withdrawal above its asset's amount (smallest units) waits
# for an operator's approval before it is paid. An asset not named is never reviewed.
PM_WITHDRAW_REVIEW_THRESHOLD = {
    asset: int(amount)
    for asset, amount in (
        item.split("=", 1)
        for item in env_list(
            "PM_WITHDRAW_REVIEW_THRESHOLD", ["DOT=10000000000000", "USDT=10000000000"]
        )
    )
}
# The first block a new deployment reads deposits from (its cursor then moves on).
PM_CHAIN_START_BLOCK = env_int("PM_CHAIN_START_BLOCK", 0)
PM_CHAIN_POLL_SECONDS = float(env_str("PM_CHAIN_POLL_SECONDS", "1"))
if PM_CHAIN_PUBLIC_URL:  # the wallet page's Deposit form talks to the node itself
    SECURE_CSP["connect-src"].append(PM_CHAIN_PUBLIC_URL)

# Rate limits (DRF throttle syntax: N/second|minute|hour|day).
PM_RATE_IP = env_str("PM_RATE_IP", "1200/minute")
PM_RATE_ADDRESS = env_str("PM_RATE_ADDRESS", "300/minute")
PM_RATE_ACTIONS = {
    "login": env_str("PM_RATE_LOGIN", "30/minute"),
    "faucet": env_str("PM_RATE_FAUCET", "60/minute"),
}
CACHES = {
    "default": (
        {
            "BACKEND": "marketplace.core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # The limits fail open when Redis is unreachable (core/throttles.py); a Redis
            # that hangs instead of refusing must not hold every request either.
            "OPTIONS": {
                "socket_connect_timeout": 1,
                "socket_timeout": 1,
            },
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}


def _min_budgets() -> dict[str, int]:
    """PM_MIN_BUDGET_<ASSET> in the asset's smallest unit, for every asset named."""
    budgets = {"DOT": 10**9, "USDT": 10**5}  # 0.1 DOT, 0.1 USDT
    for name in os.environ:
        if name.startswith("PM_MIN_BUDGET_"):
            budgets[name.removeprefix("PM_MIN_BUDGET_")] = env_int(name, 0)
    return budgets


PM_MIN_BUDGET = _min_budgets()

# --- Django REST framework ----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "marketplace.wallets.authentication.WalletTokenAuthentication",
        "marketplace.wallets.authentication.WalletSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["marketplace.core.rest.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "marketplace.core.rest.Pagination",
    "DEFAULT_THROTTLE_CLASSES": ["marketplace.core.throttles.IpThrottle"],
    # How many proxies stand in front (each appends to X-Forwarded-For). 0: the client
    # IP is REMOTE_ADDR and a forged X-Forwarded-For cannot dodge the per-IP limits.
    "NUM_PROXIES": env_int("PM_NUM_PROXIES", 0),
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "marketplace.core.rest.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PolkaMesh web API",
    "DESCRIPTION": "Decentralized AI compute and data marketplace. Every write is a signed action.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the installed sidecar package: no CDN, and CSP-friendly (split view).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "marketplace.core.rest.declare_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "marketplace.jobs.models.JobStatus",
        "BidStatusEnum": "marketplace.jobs.models.BidStatus",
        "TeeWorkerStatusEnum": "marketplace.confidential.models.WorkerStatus",
        "FederatedStatusEnum": "marketplace.federated.models.FederatedStatus",
    },
}

# --- Static files, i18n, sessions -------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = os.environ.get("STATIC_ROOT") or None  # only for `collectstatic` deployments
# The ASGI server serves no static files: WhiteNoise does, straight from static/ (no
# collectstatic step for `make run`), with long cache headers in production.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
SESSION_COOKIE_AGE = env_int("PM_SESSION_SECONDS", 7 * 24 * 3600)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("PM_MAX_BODY_BYTES", 1024 * 1024)

# --- Artifacts (models and inputs) ---------------------------------------------------------
# Content-addressed bytes behind Django's storage API. Local files by default; any
# S3-compatible store by settings alone: PM_ARTIFACT_STORAGE=storages.backends.s3.S3Storage
# and PM_ARTIFACT_STORAGE_OPTIONS='{"bucket_name": "…", "endpoint_url": "…"}' (credentials
# from the usual AWS_* variables). docs/OPERATIONS.md.
PM_ARTIFACT_MAX_BYTES = env_int("PM_ARTIFACT_MAX_BYTES", 50 * 1024 * 1024)
PM_ARTIFACT_STORAGE = env_str("PM_ARTIFACT_STORAGE", "django.core.files.storage.FileSystemStorage")
PM_ARTIFACT_STORAGE_OPTIONS = (
    json.loads(env_str("PM_ARTIFACT_STORAGE_OPTIONS", "{}"))
    if PM_ARTIFACT_STORAGE != "django.core.files.storage.FileSystemStorage"
    else {"location": env_str("PM_ARTIFACT_DIR", str(VAR_DIR / "media" / "artifacts"))}
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "artifacts": {"BACKEND": PM_ARTIFACT_STORAGE, "OPTIONS": PM_ARTIFACT_STORAGE_OPTIONS},
}

# PM_LOG_LEVEL (LOG_LEVEL is the older name) is the level of everything but the market
# events the agents log, one plain line each at INFO, which show at any level: `make run`
# sets WARNING, so its console shows the market moving and any trouble, not chatter.
PM_LOG_LEVEL = env_str("PM_LOG_LEVEL", env_str("LOG_LEVEL", "INFO")).upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "event": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "events": {"class": "logging.StreamHandler", "formatter": "event"},
    },
    "root": {"handlers": ["console"], "level": PM_LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "polkamesh.agents": {
            "handlers": ["events"],
            "level": "DEBUG" if PM_LOG_LEVEL == "DEBUG" else "INFO",
            "propagate": False,
        },
    },
}

# Periodic work: every money deadline is found by a sweep that queries the database,
# never by ETA/countdown tasks (a broker may redeliver or lose those).
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "marketplace.core.tasks.heartbeat", "schedule": PM_HEARTBEAT_SECONDS},
    "trim-outbox": {"task": "marketplace.core.tasks.trim_outbox", "schedule": 3600},
    "settle-batches": {
        "task": "marketplace.intents.tasks.settle_due_batches",
        "schedule": PM_BATCH_INTERVAL_SECONDS,
    },
    "verify-batches": {
        "task": "marketplace.intents.tasks.verify_settled_batches",
        "schedule": PM_BATCH_INTERVAL_SECONDS,
    },
    "sweep-bid-windows": {
        "task": "marketplace.jobs.tasks.sweep_bid_windows",
        "schedule": PM_SWEEP_INTERVAL_SECONDS,
    },
    "sweep-reviews": {
        "task": "marketplace.jobs.tasks.sweep_reviews",
        "schedule": PM_SWEEP_INTERVAL_SECONDS,
    },
    "sweep-deadlines": {
        "task": "marketplace.jobs.tasks.sweep_deadlines",
        "schedule": PM_SWEEP_INTERVAL_SECONDS,
    },
    "sweep-unbondings": {
        "task": "marketplace.providers.tasks.sweep_unbondings",
        "schedule": PM_SWEEP_INTERVAL_SECONDS,
    },
    "expire-subscriptions": {
        "task": "marketplace.datanft.tasks.expire_subscriptions",
        "schedule": PM_SWEEP_INTERVAL_SECONDS,
    },
}
