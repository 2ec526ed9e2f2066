"""Django settings. Everything that differs between machines comes from the environment."""

import base64
import datetime as dt
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


def installation_key(name: str = "secret_key", make=lambda: secrets.token_urlsafe(50)) -> str:
    """Outside production, a key of this installation's own, made once and kept in VAR_DIR/<name> (never a key from
    the repository, which anyone can read)."""
    path = VAR_DIR / name
    try:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(make())
    return path.read_text(encoding="ascii").strip()


SECRET_KEY = os.environ.get("HELUO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("HELUO_ENV=production needs HELUO_SECRET_KEY (at least 50 random characters).")
    SECRET_KEY = installation_key()

# ID numbers are stored encrypted (AES-256-GCM, heluo.core.fieldcrypt). HELUO_FIELD_KEY: 32 random bytes in URL-safe
# base64, e.g. `python -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())"`. Required in
# production; elsewhere each installation makes its own (VAR_DIR/field_key). Without it the numbers cannot be read:
# back it up apart from the database backups.
HELUO_FIELD_KEY = os.environ.get("HELUO_FIELD_KEY", "")
if not HELUO_FIELD_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("HELUO_ENV=production needs HELUO_FIELD_KEY (32 random bytes, URL-safe base64).")
    HELUO_FIELD_KEY = installation_key("field_key", lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
# Former field keys (comma-separated) still decrypt, until `heluo rotate-field-key` has re-encrypted everything.
HELUO_FIELD_KEYS_OLD = [k.strip() for k in os.environ.get("HELUO_FIELD_KEYS_OLD", "").split(",") if k.strip()]
# The key of the look-up hashes (HMAC-SHA256 of the normalised ID number, what uniqueness and searches use). Empty:
# derived from HELUO_FIELD_KEY, so a new field key also means new hashes (`heluo rotate-field-key` recomputes them).
HELUO_LOOKUP_KEY = os.environ.get("HELUO_LOOKUP_KEY", "")
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
    "axes",  # locks an account out after repeated failed sign-ins
    "django_otp",
    "django_otp.plugins.otp_totp",  # two-factor sign-in with an authenticator app (TOTP)
    "ninja",  # serves the API docs page (Swagger UI) from its own static files, not a CDN
    "django_tasks",
    "django_tasks_db",  # the background jobs' queue and results (`heluo worker`)
    "heluo.core",
    "heluo.geo",
    "heluo.taxonomy",
    "heluo.orgs",
    "heluo.platforms",
    "heluo.people",
    "heluo.plan",
    "heluo.cultivation",
    "heluo.vouchers",
    "heluo.market",
    "heluo.projects",
    "heluo.carriers",
    "heluo.talent",
    "heluo.instruments",
    "heluo.incubation",
    "heluo.demo",
    "heluo.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "heluo.core.middleware.NulRefusalMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "heluo.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "heluo.core.middleware.CurrentRequestMiddleware",
    "heluo.core.middleware.PrivateResponsesMiddleware",
    "heluo.core.signin.SignInPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
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
# A web worker keeps its connection for HELUO_DB_CONN_MAX_AGE seconds instead of opening one per request (0: closes
# it after each request). A connection that failed is dropped at the end of its request; HELUO_DB_HEALTH_CHECKS=1
# also tests it at the start of each request (one more round trip per request).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", DEFAULT_SQLITE),
        conn_max_age=int(os.environ.get("HELUO_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=os.environ.get("HELUO_DB_HEALTH_CHECKS", "0") == "1",
    )
}
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
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Passwords must differ from the last N (0: no history) and be changed every N days (0: never).
HELUO_PASSWORD_HISTORY = int(os.environ.get("HELUO_PASSWORD_HISTORY", "5"))
HELUO_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("HELUO_PASSWORD_MAX_AGE_DAYS", "90"))
AUTH_PASSWORD_VALIDATORS.append({"NAME": "heluo.core.validators.PasswordHistoryValidator"})

# Failed sign-ins (django-axes): after HELUO_LOCKOUT_FAILURES failures the account (HELUO_LOCKOUT_BY: username,
# ip or username+ip) is locked for HELUO_LOCKOUT_MINUTES; a security administrator can lift it earlier.
AXES_FAILURE_LIMIT = int(os.environ.get("HELUO_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("HELUO_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = {
    "username": ["username"],
    "ip": ["ip_address"],
    "username+ip": [["username", "ip_address"]],
}[os.environ.get("HELUO_LOCKOUT_BY", "username")]
if AXES_LOCKOUT_PARAMETERS == ["username"]:
    # axes.W006 asks for the address too; but an office behind one NAT address must not be locked out by one
    # person's typos, and a lock on the account name cannot be dodged by changing browser or cookies.
    SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "heluo.web.views.signin.locked_out"
AXES_CLIENT_IP_CALLABLE = "heluo.core.middleware.client_address"
AXES_VERBOSE = False
# Behind a reverse proxy: the request header (Django META name, e.g. HTTP_X_REAL_IP) that carries the client's
# address. Empty: REMOTE_ADDR. The audit log and the lockout use it.
HELUO_CLIENT_ADDRESS_HEADER = os.environ.get("HELUO_CLIENT_ADDRESS_HEADER", "")

# Sessions end after HELUO_SESSION_IDLE_MINUTES without a request and HELUO_SESSION_MAX_HOURS after signing in.
HELUO_SESSION_IDLE_MINUTES = int(os.environ.get("HELUO_SESSION_IDLE_MINUTES", "30"))
HELUO_SESSION_MAX_HOURS = int(os.environ.get("HELUO_SESSION_MAX_HOURS", "12"))
SESSION_COOKIE_AGE = HELUO_SESSION_MAX_HOURS * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Roles that must sign in with a second factor (TOTP), comma-separated, or "all". Whoever has set one up
# always uses it.
HELUO_2FA_ROLES = [
    r.strip() for r in os.environ.get("HELUO_2FA_ROLES", "bureau_admin,system_admin,security_admin,audit_admin").split(",") if r.strip()
]
OTP_TOTP_ISSUER = os.environ.get("HELUO_2FA_ISSUER", "Heluo")

# The audit chain's key (HMAC). Empty: derived from the secret key. Keep it stable, and outside the database.
HELUO_AUDIT_KEY = os.environ.get("HELUO_AUDIT_KEY", "")
# Audit records older than this many days may be removed by `heluo audit purge` (0: kept for ever; at least 180,
# the six months the Cybersecurity Law asks network logs to be kept).
HELUO_AUDIT_RETENTION_DAYS = int(os.environ.get("HELUO_AUDIT_RETENTION_DAYS", "0"))

# Maker–checker on public money: the bureau records an enterprise's or provider's step only with a reason, whoever
# recorded a redemption cannot verify it, and whoever verified or recorded it cannot settle it. 0: one person may.
HELUO_SEPARATE_DUTIES = os.environ.get("HELUO_SEPARATE_DUTIES", "1") == "1"

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
# `heluo backup`: where archives go unless --output says otherwise, and for how many days older ones are kept
# (0: keep all). HELUO_PG_BIN_DIR: a folder with pg_dump/pg_restore as new as the server, if PATH has older ones.
HELUO_BACKUP_DIR = Path(os.environ.get("HELUO_BACKUP_DIR", VAR_DIR / "backups"))
HELUO_BACKUP_KEEP_DAYS = int(os.environ.get("HELUO_BACKUP_KEEP_DAYS", "0"))
# The daily jobs include a backup into HELUO_BACKUP_DIR: on in production, off elsewhere (a demo or a laptop).
HELUO_BACKUP_DAILY = os.environ.get("HELUO_BACKUP_DAILY", "1" if PRODUCTION else "0") == "1"
HELUO_PG_BIN_DIR = os.environ.get("HELUO_PG_BIN_DIR", "")
_MB = 1024 * 1024
# Uploads over this size are written to a temporary file rather than held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = int(float(os.environ.get("HELUO_UPLOAD_MEMORY_MB", "2.5")) * _MB)
# A request's non-file data (form fields, an API body) over this size is refused (400), never read into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(float(os.environ.get("HELUO_REQUEST_DATA_MAX_MB", "10")) * _MB)
# `heluo serve` (waitress) refuses any request body over this size; behind a proxy set its limit
# (nginx client_max_body_size) to the same.
HELUO_REQUEST_MAX_BYTES = int(float(os.environ.get("HELUO_REQUEST_MAX_MB", "100")) * _MB)

# Bounded imports (等保: resource control). An import file over HELUO_UPLOAD_MAX_MB is refused before it is read;
# an XLSX whose members add up to more than HELUO_IMPORT_MAX_UNCOMPRESSED_MB, or any member of which is compressed
# more than HELUO_IMPORT_MAX_RATIO times, is refused from its zip directory before anything is decompressed (a zip
# bomb); rows, cells and the characters of one cell are counted while the sheet streams, stopping at the first
# one over its limit. The same limits hold for `heluo import` (except the upload size).
HELUO_UPLOAD_MAX_BYTES = int(float(os.environ.get("HELUO_UPLOAD_MAX_MB", "20")) * _MB)
HELUO_IMPORT_MAX_UNCOMPRESSED_BYTES = int(float(os.environ.get("HELUO_IMPORT_MAX_UNCOMPRESSED_MB", "200")) * _MB)
HELUO_IMPORT_MAX_RATIO = int(os.environ.get("HELUO_IMPORT_MAX_RATIO", "100"))
HELUO_IMPORT_MAX_ROWS = int(os.environ.get("HELUO_IMPORT_MAX_ROWS", "200000"))
HELUO_IMPORT_MAX_CELLS = int(os.environ.get("HELUO_IMPORT_MAX_CELLS", "5000000"))
HELUO_IMPORT_MAX_CELL_CHARS = int(os.environ.get("HELUO_IMPORT_MAX_CELL_CHARS", "32767"))
# Uploaded import files are deleted this many days after the import (the job's record, summary and errors stay);
# `heluo purge-uploads`, one of the daily jobs. 0 keeps them.
HELUO_UPLOAD_RETENTION_DAYS = int(os.environ.get("HELUO_UPLOAD_RETENTION_DAYS", "30"))

# Background jobs (imports, the daily jobs) are django-tasks tasks. "database": queued in the database and run by
# `heluo worker` (`heluo serve` starts one beside the server unless HELUO_SERVE_WORKER=0); "immediate": run
# inline where they are enqueued (the tests use it).
HELUO_TASKS = os.environ.get("HELUO_TASKS", "database")
if HELUO_TASKS not in ("database", "immediate"):
    raise ImproperlyConfigured("HELUO_TASKS must be 'database' or 'immediate'.")
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend" if HELUO_TASKS == "database" else "django_tasks.backends.immediate.ImmediateBackend"
    }
}
HELUO_SERVE_WORKER = os.environ.get("HELUO_SERVE_WORKER", "1") == "1"
# Finished task results older than this are deleted by the daily jobs (the import jobs' own records stay).
HELUO_TASK_RESULT_DAYS = int(os.environ.get("HELUO_TASK_RESULT_DAYS", "90"))

HELUO_CITY = os.environ.get("HELUO_CITY", "luoyang")
HELUO_CITY_DIR = Path(os.environ.get("HELUO_CITY_DIR", BASE_DIR / "geo" / "data" / "cities"))
# The platform's own city area (its code). Empty: the city area of HELUO_CITY's data file. A partner city's
# platform that runs on the same data files names its own area here.
HELUO_HOME_AREA = os.environ.get("HELUO_HOME_AREA", "")
HELUO_SITE_NAME = _("Heluo innovation platform")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # the handler's level too: Django's own loggers (a warning line per 4xx) pass records up to it whatever the root's
    "handlers": {"console": {"class": "logging.StreamHandler", "level": os.environ.get("HELUO_LOG_LEVEL", "WARNING")}},
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
