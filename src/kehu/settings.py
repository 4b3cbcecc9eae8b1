"""Kehu settings: everything that varies comes from the environment (see README)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from kehu.core.env import data_dir, envbool, envfloat, envint, envlist, envstr, secret_key

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = data_dir()

SECRET_KEY = secret_key(DATA_DIR)
DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "kehu.core",
    "kehu.accounts",
    "kehu.customers",
    "kehu.followup",
    "kehu.notify",
    "kehu.web",
    "kehu.customfields",
    "kehu.search",
    "kehu.integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kehu.accounts.middleware.SessionPolicyMiddleware",
    "kehu.web.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "kehu.urls"
WSGI_APPLICATION = "kehu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kehu.web.context_processors.navigation",
                "kehu.notify.context.unread",
            ],
        },
    },
]


def _database() -> dict:
    url = envstr("DATABASE_URL", f"sqlite:///{DATA_DIR / 'kehu.sqlite3'}")
    # Connections are kept between requests (each gunicorn worker is one thread), on SQLite too:
    # opening one there parses the whole schema and starts with an empty page cache, which cost a
    # customer read over HTTP 3–4 ms of its 11 (BENCHMARKS.md, issue 4).
    config = dj_database_url.parse(url, conn_max_age=envint("DB_CONN_MAX_AGE", 60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue
            # instead of failing half-way with "database is locked".
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA cache_size=-65536;"
                "PRAGMA temp_store=MEMORY;"
                "PRAGMA mmap_size=268435456;"
            ),
        }
        config["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # Kehu's queries read a page of rows by index. PostgreSQL's parallel plans start worker
        # processes per query, which on a small server costs more than the query: a rep's action
        # inbox took 94 ms with two workers and 12 ms without (1 M customers, 2 cores).
        # KEHU_PG_PARALLEL_WORKERS=N gives them back (e.g. a large machine running reports).
        workers = envint("KEHU_PG_PARALLEL_WORKERS", 0)
        # An index probe costs about what a sequential page read does when the database fits in
        # memory or sits on an SSD (the servers Kehu is run on); PostgreSQL's default of 4 is for
        # spinning disks and made it read 51 k index entries of a region rather than look up the 800
        # ids a list page asked about (11 ms against 1.9 ms). KEHU_PG_RANDOM_PAGE_COST overrides.
        page_cost = envfloat("KEHU_PG_RANDOM_PAGE_COST", 1.1)
        options = config.setdefault("OPTIONS", {})
        options["options"] = (f"{options.get('options', '')} -c max_parallel_workers_per_gather={workers}"
                              f" -c random_page_cost={page_cost:g}").strip()
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lock-out after repeated failed sign-ins; deactivated users refused (kehu.accounts.signin).
AUTHENTICATION_BACKENDS = ["kehu.accounts.signin.LockoutBackend"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = envstr("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"

SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 60 * 60 * 12)
SESSION_IDLE_SECONDS = envint("SESSION_IDLE_SECONDS", 60 * 60 * 2)  # signed out after this long without a request
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "kehu@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}
