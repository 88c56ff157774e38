"""Settings for Greenslot.

Everything that differs between a laptop demo and production comes from the environment:
``DATABASE_URL`` (SQLite file by default), ``SECRET_KEY``, ``DEBUG``, ``ALLOWED_HOSTS``,
``CELERY_BROKER_URL`` (no broker by default: background work runs in-process), ``CACHE_URL``
(a Redis URL; without it each process keeps its own cache).
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "greenslot-insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files: /api/docs/ needs no CDN
    "fleet",
    "emissions",
    "tenants",
    "pricing",
    "booking",
    "dashboards",
    "lab",  # tools: benchmarks, stress, demo city, simulation; the product never imports it
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Under /api/ only: refuses bodies over API_MAX_BODY_BYTES, answers Django's own errors as JSON.
    "booking.api.middleware.ApiBoundaryMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "greenslot.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # Django 6 has partials in core; registering the library as a builtin keeps
            # templates free of {% load partials %} so they move to Django 6 unchanged.
            "builtins": ["template_partials.templatetags.partials"],
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
        },
    },
]

# Widgets render through TEMPLATES, so a widget's template may live in templates/ like any other
# (the admin's zone map: templates/admin/fleet/zone_map_widget.html).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

WSGI_APPLICATION = "greenslot.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'greenslot.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take SQLite's write lock at BEGIN, so two writers queue on the
    # lock instead of failing with "database is locked" when the second one upgrades.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_NAME")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# The shopper page and the widget speak these (booking.views.language); staff pages stay English.
LANGUAGES = [("en-gb", "English"), ("nl", "Nederlands"), ("de", "Deutsch"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# In development WhiteNoise serves straight from the finders; production serves collectstatic's output.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "admin:login"

# The API (booking/api/): bearer API keys are set per view; JSON only; one error shape.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_PARSER_CLASSES": ["booking.api.parsers.ApiJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "booking.api.errors.api_exception_handler",
    # Per API key ("<scope>") and, for publishable keys, per client IP ("<scope>_ip").
    "DEFAULT_THROTTLE_RATES": {
        "offers": os.environ.get("GREENSLOT_RATE_OFFERS", "120/min"),
        "offers_ip": os.environ.get("GREENSLOT_RATE_OFFERS_IP", "60/min"),
        "holds": os.environ.get("GREENSLOT_RATE_HOLDS", "60/min"),
        "holds_ip": os.environ.get("GREENSLOT_RATE_HOLDS_IP", "30/min"),
        "api": os.environ.get("GREENSLOT_RATE_API", "600/min"),
    },
    # Trusted proxies in front of the app that append to X-Forwarded-For. 0 uses REMOTE_ADDR; DRF's
    # default (None) would trust a client-sent X-Forwarded-For and let it dodge the per-IP limits.
    "NUM_PROXIES": int(os.environ.get("GREENSLOT_NUM_PROXIES", "0")),
}

# Request bodies under /api/ larger than this are refused with 413 before they are read.
API_MAX_BODY_BYTES = 64 * 1024

SPECTACULAR_SETTINGS = {
    "TITLE": "Greenslot API",
    "DESCRIPTION": "Delivery-slot offers, holds and bookings with route-exact feasibility, "
    "marginal-cost prices and CO2e per window. Errors are always "
    '`{"code": "...", "message": "...", "details": {...}}`.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Caches. Without CACHE_URL each process has its own (the embedded default). With several app
# processes set CACHE_URL to Redis, so throttles and the re-optimisation debounce are shared, and
# compiled plans ("plans") are shared too: a process that has not seen a depot-day's latest
# version takes it from Redis instead of compiling it. Short socket timeouts: a Redis outage
# costs each request a moment, never its answer (the plan cache falls back to compiling).
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    _redis_options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "greenslot",
            "OPTIONS": _redis_options,
        },
        "plans": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "greenslot-plans",
            "TIMEOUT": 6 * 3600,
            "OPTIONS": _redis_options,
        },
    }

# Celery: with no broker configured the tasks run in-process (eagerly), so the embedded demo
# needs nothing but Python. Correctness never depends on a worker.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True

GREENSLOT = {
    # How long a hold keeps its capacity while the shopper pays.
    "HOLD_MINUTES": int(os.environ.get("GREENSLOT_HOLD_MINUTES", "10")),
    # How long the quotes of an offer stay valid.
    "OFFER_MINUTES": int(os.environ.get("GREENSLOT_OFFER_MINUTES", "15")),
    # Live holds one address may have at once, so nobody can hoard a day's capacity.
    "MAX_HOLDS_PER_ADDRESS": int(os.environ.get("GREENSLOT_MAX_HOLDS_PER_ADDRESS", "3")),
    # Live holds one browser's client address may have at once, across addresses (the widget, the
    # shopper page, publishable keys): a slot-grabbing bot cannot hoard a release. Households and
    # offices behind one NAT share it, hence more than one address's worth.
    "MAX_HOLDS_PER_CLIENT": int(os.environ.get("GREENSLOT_MAX_HOLDS_PER_CLIENT", "10")),
    # The waiting room for a depot's slot-release moment (booking/waiting_room.py): new visitors a
    # depot admits per second to its offers (0: no waiting room; set it from `stress --storm`'s
    # sustainable rate), the burst admitted at once on top, in seconds' worth, and how long an
    # admitted visitor's ticket lets them through before they queue again.
    "WAITING_ROOM_RATE": float(os.environ.get("GREENSLOT_WAITING_ROOM_RATE", "0")),
    "WAITING_ROOM_BURST_SECONDS": float(os.environ.get("GREENSLOT_WAITING_ROOM_BURST_SECONDS", "2")),
    "WAITING_ROOM_PASS_MINUTES": float(os.environ.get("GREENSLOT_WAITING_ROOM_PASS_MINUTES", "15")),
    # Default booking horizon in days, and the longest a client may ask for.
    "HORIZON_DAYS": 7,
    "MAX_HORIZON_DAYS": 14,
    # The retailer whose shopper page is served at "/" (the demo's).
    "SHOPPER_RETAILER": os.environ.get("GREENSLOT_SHOPPER_RETAILER", "demo-grocer"),
    # Travel model: None is great-circle distance x the depot's circuity; an OSRM-compatible table
    # server is {"BACKEND": "osrm", "BASE_URL": "http://osrm:5000", "TIMEOUT": 2}.
    "TRAVEL_BACKEND": None,
    # Van speed (km/h) for each hour 0-23 of the local day; None is routing.travel's default profile.
    "SPEED_KMH_BY_HOUR": None,
    # Compiled depot-day plans each app process keeps (least recently used go first).
    "PLAN_CACHE_ENTRIES": int(os.environ.get("GREENSLOT_PLAN_CACHE_ENTRIES", "64")),
    # Background re-optimisation: PyVRP's wall-clock budget per depot-day, the quiet time after a
    # booking before a run, and whether bookings trigger runs at all (by default only when a broker
    # is configured: eager tasks would run inside the shopper's request).
    "REOPT_SECONDS": float(os.environ.get("GREENSLOT_REOPT_SECONDS", "2.0")),
    "REOPT_DEBOUNCE_SECONDS": int(os.environ.get("GREENSLOT_REOPT_DEBOUNCE_SECONDS", "30")),
    "REOPT_AUTO": env_bool("GREENSLOT_REOPT_AUTO", bool(CELERY_BROKER_URL)),
    # Address search for the shopper page and the widget. Without a URL, the embedded gazetteer of
    # the demo city's streets (booking/geocoding/utrecht.json); in production an HTTP server
    # speaking the Nominatim ("nominatim") or Photon ("photon") search API, e.g. a self-hosted one.
    "GEOCODER": {
        "URL": os.environ.get("GREENSLOT_GEOCODER_URL", ""),
        "API": os.environ.get("GREENSLOT_GEOCODER_API", "nominatim"),
        "TIMEOUT": float(os.environ.get("GREENSLOT_GEOCODER_TIMEOUT", "3")),
    },
    # Map tiles behind the admin's zone editor, as a Leaflet URL template such as
    # "https://tiles.example/{z}/{x}/{y}.png" (your own tile server, or one whose usage policy allows
    # it). Empty: no tiles; the zone is drawn over the depot's marker and its other zones.
    "MAP_TILE_URL": os.environ.get("GREENSLOT_MAP_TILE_URL", ""),
    "MAP_TILE_ATTRIBUTION": os.environ.get("GREENSLOT_MAP_TILE_ATTRIBUTION", ""),
    # Where `manage.py widget_demo_key` keeps the demo page's publishable key (None: instance/).
    "WIDGET_DEMO_KEY_FILE": os.environ.get("GREENSLOT_WIDGET_DEMO_KEY_FILE") or None,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- Production hardening ------------------------------------------------------------------------
# Everything here is read from the environment; with DEBUG off the defaults are the secure ones and
# `DEBUG=false SECRET_KEY=... ALLOWED_HOSTS=... python manage.py check --deploy` is clean.
# Secrets only from the environment: SECRET_KEY is required when DEBUG is off (see the top).

# A database that goes away answers 503 {"code": "database_unavailable"} (greenslot/middleware.py),
# below the API boundary so its handler runs first.
MIDDLEWARE.insert(
    MIDDLEWARE.index("booking.api.middleware.ApiBoundaryMiddleware") + 1,
    "greenslot.middleware.DatabaseUnavailableMiddleware",
)
# Persistent connections are checked before reuse, so the first request after a database restart
# gets a fresh connection instead of a dead one: the service recovers without a restart.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if not DEBUG and "CONN_MAX_AGE" not in os.environ:
    DATABASES["default"]["CONN_MAX_AGE"] = 60

# HTTPS. Behind a proxy that terminates TLS, set SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https
# (only if the proxy always sets or strips that header) so Django knows the request was secure.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    _header, _, _value = os.environ["SECURE_PROXY_SSL_HEADER"].partition(",")
    SECURE_PROXY_SSL_HEADER = (_header.strip(), _value.strip() or "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# The preload directive is the operator's promise to serve HTTPS for good; SECURE_HSTS_PRELOAD=false
# withdraws it (and silences the check that asks for it, as a deliberate choice).
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# Origins allowed to POST forms (the admin, the shopper page) when served under another host name,
# e.g. CSRF_TRUSTED_ORIGINS=https://book.example.com,https://admin.example.com.
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

# Headers. Pages may not be framed (the widget's frame view opts out for retailers' pages).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = os.environ.get("SECURE_REFERRER_POLICY", "same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD or DEBUG else ["security.W021"]
# --- End of production hardening -----------------------------------------------------------------
