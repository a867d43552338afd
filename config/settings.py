"""Settings classes for the IGP application.

Nothing here reads the environment at import time: a settings object reads it when it
is constructed, so tests can build as many differently configured apps as they like.

    Development()  SQLite file under instance/, development keys, TOTP may be relaxed
    Testing()      in-memory SQLite (or IGP_TEST_DATABASE_URL), fixed test keys
    Production()   refuses to start without a real secret key and real encryption keys
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

# Development defaults. They are public (they are in the repository), so Production
# refuses them. Fernet keys are 32 url-safe base64 encoded bytes.
DEV_SECRET_KEY = "dev-secret-key-not-for-production-0000000000"
DEV_ENCRYPTION_KEY = "ZGV2LWVuY3J5cHRpb24ta2V5LW5vdC1mb3ItcHJvZC0="
DEV_INDEX_KEY = "dev-blind-index-key-not-for-production-00000"
DEV_AUDIT_KEY = "dev-audit-chain-key-not-for-production-00000"

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    """Raised when settings are unusable; the message says what to set."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.lower() in {"1", "true", "yes", "ja", "on"}


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, got {value!r}") from exc


class BaseSettings:
    """Shared settings; subclasses set defaults, the environment overrides them."""

    ENV_NAME = "base"
    DEBUG = False
    TESTING = False

    def __init__(self, **overrides):
        instance = Path(_env("IGP_INSTANCE_PATH", str(PROJECT_ROOT / "instance")))
        self.INSTANCE_PATH = str(instance)
        self.SQLALCHEMY_DATABASE_URI = _env("IGP_DATABASE_URL", self.default_database_url(instance))
        self.SECRET_KEY = _env("IGP_SECRET_KEY", self.default_secret_key())
        keys = _env("IGP_ENCRYPTION_KEYS", self.default_encryption_keys())
        self.ENCRYPTION_KEYS = [k.strip() for k in (keys or "").split(",") if k.strip()]
        self.BLIND_INDEX_KEY = _env("IGP_BLIND_INDEX_KEY", self.default_index_key())
        self.AUDIT_CHAIN_KEY = _env("IGP_AUDIT_KEY", self.default_audit_key())
        # witnesses of the audit chain head outside the database: a file and/or syslog
        witness = _env("IGP_AUDIT_WITNESS", str(instance / "audit-witness.log"))
        self.AUDIT_WITNESS = None if witness.lower() in ("off", "0", "none", "no") else witness
        syslog = (_env("IGP_AUDIT_WITNESS_SYSLOG", "off") or "off").lower()
        self.AUDIT_WITNESS_SYSLOG = None if syslog in ("off", "0", "none", "no") else \
            ("authpriv" if syslog in ("1", "on", "yes", "true") else syslog)
        self.REQUIRE_TOTP = _env_bool("IGP_REQUIRE_TOTP", True)
        self.IDLE_TIMEOUT = timedelta(minutes=_env_int("IGP_IDLE_TIMEOUT_MINUTES", 30))
        self.API_TOKEN_LIFETIME = timedelta(hours=_env_int("IGP_API_TOKEN_HOURS", 8))
        self.RATELIMIT_STORAGE_URI = _env("IGP_RATELIMIT_STORAGE_URL", "memory://")
        self.LOGIN_RATE_LIMIT = _env("IGP_LOGIN_RATE_LIMIT", "20 per minute;200 per hour")
        self.IGP_NAME = _env("IGP_NAME", "Integrale Gezinspoli")
        self.MAIL_BACKEND = _env("IGP_MAIL_BACKEND", "console")  # console | file | smtp
        self.MAIL_FILE_DIR = _env("IGP_MAIL_FILE_DIR", str(instance / "mail"))
        self.SMTP_HOST = _env("IGP_SMTP_HOST", "localhost")
        self.SMTP_PORT = _env_int("IGP_SMTP_PORT", 25)
        self.SMTP_USER = _env("IGP_SMTP_USER")
        self.SMTP_PASSWORD = _env("IGP_SMTP_PASSWORD")
        self.SMTP_STARTTLS = _env_bool("IGP_SMTP_STARTTLS", False)
        self.MAIL_FROM = _env("IGP_MAIL_FROM", "igp@localhost")
        self.BASE_URL = _env("IGP_BASE_URL", "http://127.0.0.1:5000")
        # Flask and extensions
        self.SQLALCHEMY_TRACK_MODIFICATIONS = False
        # hide_parameters: database errors in the log never contain bound values (personal data)
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
        # SQLite only: how long a request waits for the write lock before it gives up
        self.SQLITE_BUSY_TIMEOUT_MS = _env_int("IGP_SQLITE_BUSY_TIMEOUT_MS", 15000)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = False
        self.SESSION_COOKIE_NAME = "igp_session"
        self.REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
        # an absolute limit besides the idle timeout: sign in again this long after signing in
        self.SESSION_LIFETIME = timedelta(hours=_env_int("IGP_SESSION_HOURS", 12))
        self.PERMANENT_SESSION_LIFETIME = self.SESSION_LIFETIME
        self.WTF_CSRF_ENABLED = True
        self.WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token
        self.MAX_CONTENT_LENGTH = _env_int("IGP_MAX_CONTENT_LENGTH", 5 * 1024 * 1024)
        self.MAX_URL_LENGTH = _env_int("IGP_MAX_URL_LENGTH", 8000)  # below gunicorn's limit_request_line
        self.HSTS = False
        self.TRUSTED_PROXIES = _env_int("IGP_TRUSTED_PROXIES", 0)
        self.FAST_PASSWORD_HASHING = False
        # benchmarking aids (off by default): SQL statements per request in a response header,
        # and a constant route /bench/ping as the floor of the framework
        self.QUERY_COUNT_HEADER = _env_bool("IGP_QUERY_COUNT_HEADER", False)
        self.BENCH_ROUTES = _env_bool("IGP_BENCH_ROUTES", False)
        # settings (igp.admin.services.get_setting) are kept this long per process; a change empties
        # the writing process's copy at once, the other workers follow within this time
        self.SETTINGS_CACHE_SECONDS = float(_env("IGP_SETTINGS_CACHE_SECONDS", "5") or 5)
        for key, value in overrides.items():
            setattr(self, key, value)

    # defaults, overridden per environment
    def default_database_url(self, instance: Path) -> str | None:
        return f"sqlite:///{instance / 'igp.db'}"

    def default_secret_key(self) -> str | None:
        return DEV_SECRET_KEY

    def default_encryption_keys(self) -> str | None:
        return DEV_ENCRYPTION_KEY

    def default_index_key(self) -> str | None:
        return DEV_INDEX_KEY

    def default_audit_key(self) -> str | None:
        return DEV_AUDIT_KEY

    def validate(self) -> None:
        if not self.ENCRYPTION_KEYS:
            raise ConfigurationError("IGP_ENCRYPTION_KEYS is empty: set at least one Fernet key")
        from igp.audit.witness import SYSLOG_FACILITIES

        if self.AUDIT_WITNESS_SYSLOG and self.AUDIT_WITNESS_SYSLOG not in SYSLOG_FACILITIES:
            raise ConfigurationError(f"IGP_AUDIT_WITNESS_SYSLOG={self.AUDIT_WITNESS_SYSLOG!r} is unknown; use off, 1 "
                                     f"(authpriv) or one of: {', '.join(SYSLOG_FACILITIES)}")
        if not self.REQUIRE_TOTP and self.ENV_NAME == "production":
            raise ConfigurationError("IGP_REQUIRE_TOTP=0 is only allowed in development")

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in dir(self) if k.isupper()}


class Development(BaseSettings):
    ENV_NAME = "development"
    DEBUG = False  # the Werkzeug debugger stays off: it would show data in tracebacks


class Testing(BaseSettings):
    __test__ = False  # not a pytest test class
    ENV_NAME = "testing"
    TESTING = True

    def __init__(self, **overrides):
        super().__init__(**overrides)
        self.RATELIMIT_STORAGE_URI = overrides.get("RATELIMIT_STORAGE_URI", "memory://")
        self.MAIL_BACKEND = overrides.get("MAIL_BACKEND", "memory")
        self.FAST_PASSWORD_HASHING = overrides.get("FAST_PASSWORD_HASHING", True)
        # every template render is checked for family-data rows (igp.sharing.guard)
        self.GUARD_TEMPLATES = overrides.get("GUARD_TEMPLATES", True)
        # each test's transaction is rolled back: a shared witness would see heads that vanish
        self.AUDIT_WITNESS = overrides.get("AUDIT_WITNESS")
        self.AUDIT_WITNESS_SYSLOG = overrides.get("AUDIT_WITNESS_SYSLOG")
        # each test's transaction is rolled back: a process-wide copy of the settings would outlive it
        self.SETTINGS_CACHE_SECONDS = overrides.get("SETTINGS_CACHE_SECONDS", 0)

    def default_database_url(self, instance: Path) -> str | None:
        return _env("IGP_TEST_DATABASE_URL", "sqlite://")


class Production(BaseSettings):
    ENV_NAME = "production"

    def __init__(self, **overrides):
        super().__init__(**overrides)
        self.SESSION_COOKIE_SECURE = True
        self.HSTS = True

    def default_database_url(self, instance: Path) -> str | None:
        return None

    def default_secret_key(self) -> str | None:
        return None

    def default_encryption_keys(self) -> str | None:
        return None

    def default_index_key(self) -> str | None:
        return None

    def default_audit_key(self) -> str | None:
        return None

    def validate(self) -> None:
        problems = []
        if not self.SQLALCHEMY_DATABASE_URI:
            problems.append("IGP_DATABASE_URL is not set")
        if not self.SECRET_KEY or self.SECRET_KEY == DEV_SECRET_KEY or len(self.SECRET_KEY) < 32:
            problems.append("IGP_SECRET_KEY is missing, too short (< 32 characters) or the development default")
        if not self.ENCRYPTION_KEYS or DEV_ENCRYPTION_KEY in self.ENCRYPTION_KEYS:
            problems.append("IGP_ENCRYPTION_KEYS is missing or contains the development key")
        if not self.BLIND_INDEX_KEY or self.BLIND_INDEX_KEY == DEV_INDEX_KEY or len(self.BLIND_INDEX_KEY) < 32:
            problems.append("IGP_BLIND_INDEX_KEY is missing, too short (< 32 characters) or the development default")
        if not self.AUDIT_CHAIN_KEY or self.AUDIT_CHAIN_KEY == DEV_AUDIT_KEY or len(self.AUDIT_CHAIN_KEY) < 32:
            problems.append("IGP_AUDIT_KEY is missing, too short (< 32 characters) or the development default")
        if len({self.SECRET_KEY, self.BLIND_INDEX_KEY, self.AUDIT_CHAIN_KEY}) < 3:
            problems.append("IGP_SECRET_KEY, IGP_BLIND_INDEX_KEY and IGP_AUDIT_KEY must differ")
        if not self.REQUIRE_TOTP:
            problems.append("IGP_REQUIRE_TOTP=0 is only allowed in development")
        if self.RATELIMIT_STORAGE_URI.startswith("memory://"):
            problems.append("IGP_RATELIMIT_STORAGE_URL=memory:// counts per worker process (n gunicorn workers let "
                            "n times the sign-in limit through, every extra host again): use a shared store, "
                            "redis://HOST:6379/N")
        if not self.AUDIT_WITNESS and not self.AUDIT_WITNESS_SYSLOG:
            problems.append("the audit chain needs a witness outside the database: set IGP_AUDIT_WITNESS (a file) "
                            "and/or IGP_AUDIT_WITNESS_SYSLOG")
        if problems:
            raise ConfigurationError(
                "Production refuses to start: " + "; ".join(problems)
                + ". See config/example.env."
            )
        super().validate()


SETTINGS_CLASSES = {
    "development": Development,
    "testing": Testing,
    "production": Production,
}


def settings_from_env() -> BaseSettings:
    """Pick the settings class named by IGP_ENV (default: development)."""
    name = (_env("IGP_ENV", "development") or "development").lower()
    try:
        cls = SETTINGS_CLASSES[name]
    except KeyError as exc:
        raise ConfigurationError(
            f"IGP_ENV={name!r} is unknown; use one of: {', '.join(SETTINGS_CLASSES)}"
        ) from exc
    return cls()
