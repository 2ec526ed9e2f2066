"""Django settings. Everything that differs between machines comes from the environment."""

import os
import secrets
from pathlib import Path

import dj_database_url
from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("HELUO_VAR_DIR", PROJECT_DIR / "var"))

# HELUO_ENV=production: the deployment's settings (secret key required, HTTPS only, no debug pages).
PRODUCTION = os.environ.get("HELUO_ENV", "development") == "production"


def installation_key() -> str:
    """Outside production, a key of this installation's own, made once and kept in VAR_DIR (never a key from the
    repository, which anyone can read)."""
    path = VAR_DIR / "secret_key"
    try:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_urlsafe(50))
    return path.read_text(encoding="ascii").strip()


SECRET_KEY = os.environ.get("HELUO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("HELUO_ENV=production needs HELUO_SECRET_KEY (at least 50 random characters).")
    SECRET_KEY = installation_key()
DEBUG = os.environ.get("HELUO_DEBUG", "0") == "1" and not PRODUCTION
ALLOWED_HOSTS = [h for h in os.environ.get("HELUO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("HELUO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "ninja",  # serves the API docs page (Swagger UI) from its own static files, not a CDN
    "heluo.core",
    "heluo.geo",
    "heluo.taxonomy",
    "heluo.orgs",
    "heluo.platforms",
    "heluo.people",
    "heluo.plan",
    "heluo.cultivation",
    "heluo.vouchers",
    "heluo.demo",
    "heluo.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "heluo.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "heluo.core.middleware.CurrentRequestMiddleware",
    "heluo.core.middleware.PrivateResponsesMiddleware",
]

ROOT_URLCONF = "heluo.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "heluo.web.context.navigation",
                "heluo.web.context.csp_nonce",
            ],
        },
    },
]

# Content Security Policy (django-csp): scripts only from this site or with the response's nonce, so markup that
# slips into a page (a name, a label) cannot run. No 'unsafe-inline' and no 'unsafe-eval' for scripts: ECharts,
# Bootstrap and htmx (allowEval off, see web/base.html) need neither.
# Styles: <style> elements need the nonce (style-src-elem); style *attributes* are allowed (style-src-attr
# 'unsafe-inline') because ECharts writes its tooltips as HTML with style attributes and pages set computed widths
# and colours (progress bars, status colours). A style attribute cannot run script, and img-src keeps injected
# CSS from sending anything off-site. style-src itself keeps 'unsafe-inline' only for browsers that do not know
# the two -elem/-attr directives (where it falls back).
_CSP_REPORT_URI = os.environ.get("HELUO_CSP_REPORT_URI", "")  # where browsers send violation reports (optional)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", csp_constants.NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "style-src-elem": ["'self'", csp_constants.NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        **({"report-uri": [_CSP_REPORT_URI]} if _CSP_REPORT_URI else {}),
    },
}

WSGI_APPLICATION = "heluo.wsgi.application"
ASGI_APPLICATION = "heluo.asgi.application"

# SQLite for the demo and development, PostgreSQL in production: DATABASE_URL decides.
DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'heluo.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", DEFAULT_SQLITE), conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 30, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Password rules (等保 2.0: length and character classes), configurable per deployment.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(os.environ.get("HELUO_PASSWORD_MIN_LENGTH", "10"))},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "heluo.core.validators.PasswordClassesValidator",
        "OPTIONS": {"min_classes": int(os.environ.get("HELUO_PASSWORD_MIN_CLASSES", "3"))},
    },
]
# API tokens expire this many days after they are issued (0: never, for a deployment that rotates them itself).
HELUO_TOKEN_DAYS = int(os.environ.get("HELUO_TOKEN_DAYS", "90"))
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("HELUO_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("HELUO_STATIC_ROOT", PROJECT_DIR / "staticfiles"))
try:  # WhiteNoise serves from finders until collectstatic fills it, but wants the folder to exist
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
except OSError:
    pass
# Front-end packages are installed by `npm ci` and served from here; nothing comes from a CDN.
NODE_MODULES = Path(os.environ.get("HELUO_NODE_MODULES", PROJECT_DIR / "node_modules"))
STATICFILES_DIRS = []
for _prefix, _sub in [
    ("vendor/bootstrap", "bootstrap/dist"),
    ("vendor/bootstrap-icons", "bootstrap-icons/font"),
    ("vendor/echarts", "echarts/dist"),
]:
    if (NODE_MODULES / _sub).is_dir():
        STATICFILES_DIRS.append((_prefix, NODE_MODULES / _sub))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

# Web imports run in a background thread so the page can show progress; tests run them inline.
HELUO_IMPORT_IN_THREAD = os.environ.get("HELUO_IMPORT_IN_THREAD", "1") == "1"
HELUO_CITY = os.environ.get("HELUO_CITY", "luoyang")
HELUO_CITY_DIR = Path(os.environ.get("HELUO_CITY_DIR", BASE_DIR / "geo" / "data" / "cities"))
# The platform's own city area (its code). Empty: the city area of HELUO_CITY's data file. A partner city's
# platform that runs on the same data files names its own area here.
HELUO_HOME_AREA = os.environ.get("HELUO_HOME_AREA", "")
HELUO_SITE_NAME = _("Heluo innovation platform")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HELUO_LOG_LEVEL", "WARNING")},
}

if PRODUCTION:
    # What `heluo check --deploy` asks of a deployment; TLS itself is the front web server's (see README).
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("HELUO_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("HELUO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = os.environ.get("HELUO_HSTS_PRELOAD", "1") == "1"
    X_FRAME_OPTIONS = "DENY"
    if os.environ.get("HELUO_BEHIND_TLS_PROXY", "0") == "1":  # the proxy terminates TLS and says so in this header
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
