"""Settings: everything comes from the environment, with safe defaults."""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from .cache_url import parse_cache_url
from .email_url import parse_email_url

PACKAGE_DIR = Path(__file__).resolve().parent.parent
SHANGJI_HOME = Path(os.environ.get("SHANGJI_HOME", "var")).resolve()
SHANGJI_HOME.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, else generated once and kept in SHANGJI_HOME."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = SHANGJI_HOME / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "django_tasks_db",
    "shangji.core",
    "shangji.users",
    "shangji.accounts",
    "shangji.contacts",
    "shangji.leads",
    "shangji.opportunities",
    "shangji.activities",
    "shangji.forecasting",
    "shangji.imports",
    "shangji.savedviews",
    "shangji.webhooks",
    "shangji.audit",
    "shangji.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shangji.core.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "shangji.api.middleware.ApiGuardMiddleware",
]

ROOT_URLCONF = "shangji.config.urls"
WSGI_APPLICATION = "shangji.config.wsgi.application"
AUTH_USER_MODEL = "users.User"
LOGIN_URL = "users:login"
LOGIN_REDIRECT_URL = "activities:my_work"
LOGOUT_REDIRECT_URL = "users:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shangji.core.context_processors.shangji",
            ],
            "builtins": ["django.templatetags.i18n", "django.templatetags.l10n"],
        },
    }
]

# Database: SQLite in SHANGJI_HOME unless DATABASE_URL says otherwise.
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{SHANGJI_HOME / 'shangji.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=20000;"
        ),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if env_bool("DATABASE_POOL", True):
        DATABASES["default"]["OPTIONS"] = {"pool": {"min_size": 1, "max_size": 8}}
        DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The cache, shared by the web processes: the API's rate-limit counters and idempotency locks.
# Default: a table in the database (no extra server); see config/cache_url.py for the others.
CACHES = {"default": parse_cache_url(os.environ.get("CACHE_URL", "db://"))}
# API requests a minute per API key (per user for the browser session); 0 turns a limit off.
API_RATE_LIMIT = int(os.environ.get("API_RATE_LIMIT", 600))  # GET, HEAD, OPTIONS
API_RATE_LIMIT_UNSAFE = int(os.environ.get("API_RATE_LIMIT_UNSAFE", 120))  # everything else
# Seconds after which a reminder claimed by a worker that died is sent by another.
REMINDER_STALE_CLAIM_SECONDS = int(os.environ.get("REMINDER_STALE_CLAIM_SECONDS", 300))

# Argon2 for new passwords; older PBKDF2/scrypt hashes still sign in and are re-hashed then.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Checked whenever a password is chosen (never when signing in).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(os.environ.get("PASSWORD_MIN_LENGTH", 10))},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: Simplified Chinese and English, per user, defaulting to the browser's.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
FORMAT_MODULE_PATH = ["shangji.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
BASE_CURRENCY = os.environ.get("BASE_CURRENCY", "CNY").upper()

STATIC_URL = "/static/"
STATIC_ROOT = SHANGJI_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
# Uploads live here, outside the web root: no URL serves this directory (MEDIA_URL stays
# unset); attachments go out only through the permission-checked download view.
MEDIA_ROOT = SHANGJI_HOME / "media"
# Largest attachment (notes, e-mails) and largest import file, in MB.
MAX_UPLOAD_MB = int(os.environ.get("MAX_UPLOAD_MB", 25))
IMPORT_MAX_UPLOAD_MB = int(os.environ.get("IMPORT_MAX_UPLOAD_MB", 200))

# HTTPS=true: the site is reached over HTTPS only (directly or behind a proxy that says so in
# TRUSTED_PROXY_HEADER, e.g. X-Forwarded-Proto). Plain-HTTP development keeps working without.
HTTPS = env_bool("HTTPS")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
if proxy_header := os.environ.get("TRUSTED_PROXY_HEADER", "").strip():
    # Only behind a proxy that sets this header itself (and drops a client's copy).
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + proxy_header.upper().replace("-", "_"), "https")
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", 31536000 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD")
# Joining the browsers' preload list binds the whole domain: its owner's decision, so off by
# default and the deploy check's reminder about it (W021) is silenced only in that case.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content Security Policy: nothing runs or loads from elsewhere, no inline script anywhere
# (pages load their JavaScript from /static/, data comes in json_script blocks). Inline style
# attributes stay allowed (ECharts writes them into its charts); <style> elements do not.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "style-src-elem": [CSP.SELF],
    "style-src-attr": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}


# E-mail: the outgoing server from EMAIL_URL (see config/email_url.py for the forms it takes;
# the SMTP settings page, when filled in, wins); without it mail is printed to the console.
MAILERS = {"default": parse_email_url(os.environ.get("EMAIL_URL") or "console://")}
if not os.environ.get("EMAIL_URL"):
    # The outgoing server may be set on the E-mail settings page instead, which wins at run
    # time; the deploy check cannot see that, so its "console backend" error is off then.
    SILENCED_SYSTEM_CHECKS.append("mail.E001")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "shangji@localhost")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Inbound mail (`shangji mail-inbound`): defaults for the SMTP settings page's fields.
EMAIL_INBOUND_DOMAIN = os.environ.get("EMAIL_INBOUND_DOMAIN", "")
EMAIL_INBOUND_ADDRESS = os.environ.get("EMAIL_INBOUND_ADDRESS", "")
# The address users reach Shangji at, for links in e-mails (e.g. https://crm.example.com).
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")

PAGE_SIZE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
