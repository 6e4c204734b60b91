"""Shared fixtures: an isolated environment, and a real database on SQLite always and PostgreSQL when
TEST_DATABASE_URL is set. The schema comes from Alembic, exactly as in production."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from bot.db import SessionFactory, make_engine, make_session_factory, upgrade
from bot.models import Base
from tests.fakes.openai_server import FakeOpenAI

ISOLATED_ENV = (
    "DATABASE_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "PORT",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_MODEL",
    "AI_SEND_FIELDS",
    "AI_TIMEOUT_SECONDS",
    "AI_MAX_RETRIES",
    "AI_AUTO_ROUTE_CONFIDENCE",
    "TEND_TIMEZONE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
)


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """No test sees the developer's settings or proxies, nor writes a .env-driven database."""
    for name in ISOLATED_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def _reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One migrated database per backend for the whole run."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'tend-test.db'}"
    else:
        url = os.environ.get("TEST_DATABASE_URL", "")
        if not url:
            pytest.skip(POSTGRES_SKIPPED)
        _reset_postgres(url)
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _empty_tables(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A fake OpenAI-compatible server on 127.0.0.1 (no test reaches the internet)."""
    fake = FakeOpenAI().start()
    yield fake
    fake.stop()


@pytest.fixture
def factory(engine: Engine) -> Iterator[SessionFactory]:
    """A session factory on an emptied database (each test starts from nothing)."""
    _empty_tables(engine)
    yield make_session_factory(engine)


@pytest.fixture
def session(factory: SessionFactory) -> Iterator[Session]:
    with factory() as session:
        yield session


POSTGRES_SKIPPED = "TEST_DATABASE_URL is not set: PostgreSQL half skipped"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say why tests were skipped, in one line per reason, so a green run without PostgreSQL is not taken
    for a full one."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
        if reason == POSTGRES_SKIPPED:
            line = "PostgreSQL tests skipped: set TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1/test)"
        else:
            line = f"skipped: {reason}"
        terminalreporter.write_line(f"{count} {line}")
