"""Settings read once from the environment (and `.env`), validated at start-up, secrets never printed."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_DATABASE_URL = "sqlite:///tend.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_TEAMS_OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
DEFAULT_TEAMS_LOGIN_URL = "https://login.microsoftonline.com"
DEFAULT_TEAMS_SERVICE_URL = "https://smba.trafficmanager.net/teams/"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# What may be sent to the language model (AI_SEND_FIELDS). ARR and people's emails stay in unless listed.
AI_SENDABLE = {
    "account": "account names and domains",
    "tier": "service tier",
    "stage": "lifecycle stage",
    "health": "health scores and their history",
    "renewal": "renewal dates",
    "touches": "last touch and check-ins (dates, channels, notes)",
    "criteria": "success criteria",
    "flags": "flag descriptions, categories and status",
    "names": "people's names (CSMs, reporters)",
    "arr": "annual recurring revenue",
    "emails": "people's email addresses",
}
AI_SEND_DEFAULT = tuple(name for name in AI_SENDABLE if name not in ("arr", "emails"))


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable, never its secret value."""


@dataclass(frozen=True)
class Secret:
    """A secret value whose repr and str are redacted, so it cannot leak through logs or tracebacks."""

    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('********')" if self.value else "Secret('')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self.value)


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    slack_bot_token: Secret = Secret("")
    slack_signing_secret: Secret = Secret("")
    slack_app_token: Secret = Secret("")
    slack_api_url: str = DEFAULT_SLACK_API_URL
    teams_app_id: str = ""
    teams_app_password: Secret = Secret("")
    teams_tenant_id: str = ""
    teams_openid_metadata_url: str = DEFAULT_TEAMS_OPENID_METADATA_URL
    teams_login_url: str = DEFAULT_TEAMS_LOGIN_URL
    teams_service_url: str = DEFAULT_TEAMS_SERVICE_URL
    port: int = 3000
    openai_api_key: Secret = Secret("")
    openai_base_url: str | None = None
    openai_model: str | None = None
    ai_send_fields: tuple[str, ...] = AI_SEND_DEFAULT
    ai_timeout_seconds: float = 2.5  # in all, retries included: the person waiting gets the plain answer after
    ai_max_retries: int = 1
    ai_auto_route_confidence: float = 0.9
    timezone: str = "UTC"
    log_level: str = "INFO"
    # PostgreSQL connection pool, per process (SQLite ignores them).
    db_pool_size: int = 10
    db_max_overflow: int = 20
    db_pool_timeout: int = 10  # seconds to wait for a free connection before failing politely
    db_statement_timeout_ms: int = 15_000  # no query may hold a connection longer than this

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str, default: str = "") -> str:
            return (env.get(name) or default).strip()

        port_text = get("PORT", "3000")
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(f"PORT must be a TCP port number, got {port_text!r}")
        timezone = get("TEND_TIMEZONE", "UTC")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                f"TEND_TIMEZONE must be an IANA time zone such as Europe/Berlin, got {timezone!r}"
            ) from exc
        log_level = get("LOG_LEVEL", "INFO").upper()
        if log_level not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}")

        def number(name: str, default: int, low: int, high: int) -> int:
            text = get(name, str(default))
            if not text.isdigit() or not low <= int(text) <= high:
                raise ConfigError(f"{name} must be a whole number from {low} to {high}, got {text!r}")
            return int(text)

        def fraction(name: str, default: float, low: float, high: float) -> float:
            text = get(name, str(default))
            try:
                value = float(text)
            except ValueError:
                value = float("nan")
            if not low <= value <= high:
                raise ConfigError(f"{name} must be a number from {low:g} to {high:g}, got {text!r}")
            return value

        api_url = get("SLACK_API_URL", DEFAULT_SLACK_API_URL)
        if not api_url.endswith("/"):
            api_url += "/"
        return cls(
            database_url=get("DATABASE_URL", DEFAULT_DATABASE_URL),
            slack_bot_token=Secret(get("SLACK_BOT_TOKEN")),
            slack_signing_secret=Secret(get("SLACK_SIGNING_SECRET")),
            slack_app_token=Secret(get("SLACK_APP_TOKEN")),
            slack_api_url=api_url,
            **teams_settings(get),
            port=int(port_text),
            openai_api_key=Secret(get("OPENAI_API_KEY")),
            openai_base_url=get("OPENAI_BASE_URL") or None,
            openai_model=get("OPENAI_MODEL") or None,
            ai_send_fields=send_fields(get("AI_SEND_FIELDS")),
            ai_timeout_seconds=fraction("AI_TIMEOUT_SECONDS", 2.5, 0.1, 120),
            ai_max_retries=number("AI_MAX_RETRIES", 1, 0, 5),
            ai_auto_route_confidence=fraction("AI_AUTO_ROUTE_CONFIDENCE", 0.9, 0, 1),
            timezone=timezone,
            log_level=log_level,
            db_pool_size=number("DATABASE_POOL_SIZE", 10, 1, 500),
            db_max_overflow=number("DATABASE_MAX_OVERFLOW", 20, 0, 500),
            db_pool_timeout=number("DATABASE_POOL_TIMEOUT", 10, 1, 600),
            db_statement_timeout_ms=number("DATABASE_STATEMENT_TIMEOUT_MS", 15_000, 0, 3_600_000),
        )

    @property
    def has_ai(self) -> bool:
        """A model is configured; without one every AI feature takes its plain path."""
        return bool(self.openai_api_key)

    @property
    def has_slack(self) -> bool:
        """Slack credentials present: serve Slack; otherwise Tend runs as the local console demo."""
        return bool(self.slack_bot_token)

    @property
    def has_teams(self) -> bool:
        """Microsoft Teams credentials present (TEAMS_APP_ID with its password and tenant): serve Teams."""
        return bool(self.teams_app_id)

    @property
    def platforms(self) -> tuple[str, ...]:
        """The chat platforms these settings configure (each an adapter package `bot/<name>/`)."""
        return (("slack",) if self.has_slack else ()) + (("teams",) if self.has_teams else ())

    def require_slack_http(self) -> None:
        """Fail early, naming what is missing, before serving Slack over HTTP."""
        missing = [
            name
            for name, value in (
                ("SLACK_BOT_TOKEN", self.slack_bot_token),
                ("SLACK_SIGNING_SECRET", self.slack_signing_secret),
            )
            if not value
        ]
        if missing:
            raise ConfigError(f"to serve Slack over HTTP set {' and '.join(missing)} (see .env.example)")


def teams_settings(get: Callable[[str, str], str]) -> dict[str, Any]:
    """The TEAMS_* settings. TEAMS_APP_ID turns Teams on and then needs its password and tenant: a bot that
    could not prove who it is, or tell its own organisation from outsiders, must not start."""
    app_id = get("TEAMS_APP_ID", "")
    password, tenant = get("TEAMS_APP_PASSWORD", ""), get("TEAMS_TENANT_ID", "")
    if app_id and not (password and tenant):
        missing = " and ".join(n for n, v in (("TEAMS_APP_PASSWORD", password), ("TEAMS_TENANT_ID", tenant)) if not v)
        raise ConfigError(f"TEAMS_APP_ID is set: set {missing} too (see .env.example)")
    urls = {}
    for name, default in (
        ("TEAMS_OPENID_METADATA_URL", DEFAULT_TEAMS_OPENID_METADATA_URL),
        ("TEAMS_LOGIN_URL", DEFAULT_TEAMS_LOGIN_URL),
        ("TEAMS_SERVICE_URL", DEFAULT_TEAMS_SERVICE_URL),
    ):
        url = get(name, default)
        if not url.startswith(("https://", "http://")):
            raise ConfigError(f"{name} must be an http(s) URL, got {url!r}")
        urls[name.lower()] = url
    return {
        "teams_app_id": app_id,
        "teams_app_password": Secret(password),
        "teams_tenant_id": tenant,
        "teams_login_url": urls["teams_login_url"].rstrip("/"),
        "teams_openid_metadata_url": urls["teams_openid_metadata_url"],
        "teams_service_url": urls["teams_service_url"].rstrip("/") + "/",
    }


def send_fields(text: str) -> tuple[str, ...]:
    """AI_SEND_FIELDS: comma-separated AI_SENDABLE names, `none`, or empty for the default (all but ARR and
    emails)."""
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    if not names:
        return AI_SEND_DEFAULT
    if names == ["none"]:
        return ()
    unknown = [name for name in names if name not in AI_SENDABLE]
    if unknown:
        raise ConfigError(
            f"AI_SEND_FIELDS has unknown name(s) {', '.join(unknown)}; known: {', '.join(AI_SENDABLE)}, or none"
        )
    return tuple(dict.fromkeys(names))
