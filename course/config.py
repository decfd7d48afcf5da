"""Settings, read from ``COURSE_*`` environment variables with development defaults.

Every setting is listed in the README's table. ``Config.from_env`` is called once by
``create_app``; tests pass a mapping of overrides instead of touching the environment.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"
DEVELOPMENT_KEY_PREFIX = "dev-"


class ConfigError(RuntimeError):
    """The configuration cannot run safely (raised at start-up, never per request)."""


def instance_path() -> Path:
    """The folder for the database, files, outbox and generated secrets."""
    return Path(os.environ.get("COURSE_INSTANCE_PATH", DEFAULT_INSTANCE)).resolve()


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _generated_secret(folder: Path) -> str:
    """Read the secret key kept in the instance folder, creating it on first use."""
    path = folder / "secret_key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(DEVELOPMENT_KEY_PREFIX + secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _session_lifetime() -> timedelta:
    return timedelta(days=int(os.environ.get("COURSE_SESSION_DAYS", "30")))


def from_env() -> dict:
    """Build the Flask configuration mapping from the environment."""
    folder = instance_path()
    env = os.environ.get("COURSE_ENV", "development")
    redis_url = os.environ.get("COURSE_REDIS_URL", "")
    return {
        "ENV_NAME": env,
        "INSTANCE_PATH": str(folder),
        "SECRET_KEY": os.environ.get("COURSE_SECRET_KEY") or _generated_secret(folder),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "COURSE_DATABASE_URL", f"sqlite:///{folder / 'course.db'}"
        ),
        "BASE_URL": os.environ.get("COURSE_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        "REDIS_URL": redis_url,
        "FILES_URL": os.environ.get("COURSE_FILES_URL", ""),
        "FILES_PRESIGN_SECONDS": int(os.environ.get("COURSE_FILES_PRESIGN_SECONDS", "300")),
        "RATELIMIT_STORAGE_URI": redis_url or f"sqlite:///{folder / 'ratelimit.db'}",
        # Redis unreachable: count in process (per worker) instead of failing sign-in; a short
        # timeout keeps a request from hanging on a dead server.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STORAGE_OPTIONS": (
            {"socket_connect_timeout": 1, "socket_timeout": 1} if redis_url else {}
        ),
        "TRUSTED_PROXIES": int(os.environ.get("COURSE_TRUSTED_PROXIES", "0")),
        "RATELIMIT_ENABLED": _flag("COURSE_RATELIMIT", True),
        "LOGIN_LIMIT": os.environ.get("COURSE_LOGIN_LIMIT", "10 per 5 minutes"),
        "SMTP_HOST": os.environ.get("COURSE_SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("COURSE_SMTP_PORT", "25")),
        "SMTP_SECURITY": os.environ.get("COURSE_SMTP_SECURITY", "none").strip().lower(),
        "SMTP_USER": os.environ.get("COURSE_SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("COURSE_SMTP_PASSWORD", ""),
        "SMTP_CA_FILE": os.environ.get("COURSE_SMTP_CA_FILE", ""),
        "LOG_FORMAT": os.environ.get("COURSE_LOG_FORMAT", "text").strip().lower(),
        "LOG_LEVEL": os.environ.get("COURSE_LOG_LEVEL", "INFO").strip().upper(),
        "METRICS_TOKEN": os.environ.get("COURSE_METRICS_TOKEN", ""),
        "MAIL_FROM": os.environ.get("COURSE_MAIL_FROM", "noreply@course.localhost"),
        "MAX_CONTENT_LENGTH": int(os.environ.get("COURSE_MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        "PASSWORD_RESET_HOURS": int(os.environ.get("COURSE_PASSWORD_RESET_HOURS", "2")),
        "WELCOME_LINK_DAYS": int(os.environ.get("COURSE_WELCOME_LINK_DAYS", "14")),
        "SELF_REGISTRATION": _flag("COURSE_SELF_REGISTRATION", True),
        "JOBS_IMMEDIATE": _flag("COURSE_JOBS_IMMEDIATE", False),
        "CERTIFICATE_WORKERS": int(os.environ.get("COURSE_CERTIFICATE_WORKERS", "2")),
        "CERTIFICATE_TEMPLATES": os.environ.get(
            "COURSE_CERTIFICATE_TEMPLATES", str(PROJECT_ROOT / "certificates")
        ),
        # A sign-in lasts at most this long, however often its cookies are renewed.
        "REMEMBER_COOKIE_DURATION": _session_lifetime(),
        "PERMANENT_SESSION_LIFETIME": _session_lifetime(),
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_SECURE": env == "production",
        # Learning records: stored at install (see docs/learning-records.md).
        "XAPI_IRI_BASE": os.environ.get("COURSE_XAPI_IRI_BASE", "").rstrip("/"),
        "XAPI_ACTOR_NAME": _flag("COURSE_XAPI_ACTOR_NAME", True),
        # Sending statements to an LRS (empty endpoint: nothing is sent).
        "LRS_ENDPOINT": os.environ.get("COURSE_LRS_ENDPOINT", "").rstrip("/"),
        "LRS_AUTH": os.environ.get("COURSE_LRS_AUTH", "basic"),
        "LRS_USERNAME": os.environ.get("COURSE_LRS_USERNAME", ""),
        "LRS_PASSWORD": os.environ.get("COURSE_LRS_PASSWORD", ""),
        "LRS_TOKEN_URL": os.environ.get("COURSE_LRS_TOKEN_URL", ""),
        "LRS_BATCH": int(os.environ.get("COURSE_LRS_BATCH", "100")),
        "LRS_SETTLE_SECONDS": int(os.environ.get("COURSE_LRS_SETTLE_SECONDS", "60")),
    }


DEFAULTS = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "BABEL_DEFAULT_LOCALE": "zh_CN",
    "BABEL_TRANSLATION_DIRECTORIES": "translations",
    "WTF_CSRF_TIME_LIMIT": None,
    "RATELIMIT_HEADERS_ENABLED": True,
    "TESTING": False,
}


def engine_options(database_uri: str) -> dict:
    """A database server may drop idle connections, so they are checked before use; an SQLite
    file cannot, and the check would cost every request a statement."""
    return {} if database_uri.startswith("sqlite") else {"pool_pre_ping": True}


def check(config: dict) -> None:
    """Refuse settings that cannot work, and production with a weak or development secret."""
    if config.get("SMTP_SECURITY", "none") not in ("none", "starttls", "tls"):
        raise ConfigError("COURSE_SMTP_SECURITY must be none, starttls or tls.")
    if config.get("LOG_FORMAT", "text") not in ("text", "json"):
        raise ConfigError("COURSE_LOG_FORMAT must be text or json.")
    if config.get("ENV_NAME") != "production":
        return
    key = config.get("SECRET_KEY") or ""
    if key.startswith(DEVELOPMENT_KEY_PREFIX) or len(key) < 32:
        raise ConfigError(
            "COURSE_ENV=production needs COURSE_SECRET_KEY set to a random value of at least "
            "32 characters (the generated development key is refused)."
        )
