"""Settings: read from the environment, validated early, secrets never printed."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Secret, Settings


def test_defaults_need_no_environment():
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///tend.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert not settings.has_slack and settings.port == 3000 and settings.timezone == "UTC"


def test_secrets_never_appear_in_repr_or_str():
    settings = Settings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-very-secret", "SLACK_SIGNING_SECRET": "sig-secret", "OPENAI_API_KEY": "sk-secret"}
    )
    for shown in (repr(settings), str(settings), f"{settings.slack_bot_token}"):
        assert "very-secret" not in shown and "sig-secret" not in shown and "sk-secret" not in shown
    assert settings.slack_bot_token.value == "xoxb-very-secret"
    assert repr(Secret("")) == "Secret('')"


def test_api_url_gets_its_trailing_slash():
    assert Settings.from_env({"SLACK_API_URL": "http://127.0.0.1:9/api"}).slack_api_url == "http://127.0.0.1:9/api/"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORT": "http"}, "PORT must be a TCP port"),
        ({"PORT": "70000"}, "PORT must be a TCP port"),
        ({"TEND_TIMEZONE": "Europe/Atlantis"}, "TEND_TIMEZONE must be an IANA time zone"),
        ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR"),
        ({"DATABASE_POOL_SIZE": "0"}, "DATABASE_POOL_SIZE must be a whole number from 1 to 500"),
        ({"DATABASE_STATEMENT_TIMEOUT_MS": "soon"}, "DATABASE_STATEMENT_TIMEOUT_MS must be a whole number"),
        ({"AI_SEND_FIELDS": "flags,salary"}, "AI_SEND_FIELDS has unknown name.s. salary; known: account, tier"),
        ({"AI_TIMEOUT_SECONDS": "forever"}, "AI_TIMEOUT_SECONDS must be a number from 0.1 to 120"),
        ({"AI_AUTO_ROUTE_CONFIDENCE": "2"}, "AI_AUTO_ROUTE_CONFIDENCE must be a number from 0 to 1"),
    ],
)
def test_bad_values_are_named(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_serving_http_requires_the_signing_secret():
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"}).require_slack_http()


def test_database_pool_and_logging_settings():
    settings = Settings.from_env(
        {
            "LOG_LEVEL": "debug",
            "DATABASE_POOL_SIZE": "4",
            "DATABASE_MAX_OVERFLOW": "0",
            "DATABASE_STATEMENT_TIMEOUT_MS": "0",
        }
    )
    assert (settings.log_level, settings.db_pool_size, settings.db_max_overflow) == ("DEBUG", 4, 0)
    assert settings.db_statement_timeout_ms == 0  # 0: no statement timeout


def test_ai_settings_leave_arr_and_emails_in_by_default():
    assert not Settings.from_env({}).has_ai
    default = Settings.from_env({"OPENAI_API_KEY": "sk-1"})
    assert default.has_ai and "arr" not in default.ai_send_fields and "emails" not in default.ai_send_fields
    assert "flags" in default.ai_send_fields and default.ai_timeout_seconds == 2.5
    assert Settings.from_env({"AI_SEND_FIELDS": "none"}).ai_send_fields == ()
    assert Settings.from_env({"AI_SEND_FIELDS": " Flags , ARR "}).ai_send_fields == ("flags", "arr")
