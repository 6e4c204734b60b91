"""`python -m bot …`: the operator's commands, their output and exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.clock import FixedClock
from bot.config import Settings
from bot.console import ConsoleSession, console_actor, console_runtime, render_text, repl
from bot.db import make_engine, make_session_factory
from bot.messages import Reply, Section
from bot.models import Account
from tests.slack.conftest import NOW

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def database(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["init-db"]) == 0
    return url


def accounts_in(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(Account))
    engine.dispose()
    return count


def console_transcript(database: str, email: str, keys: str) -> str:
    """What the demo console shows a person typing `keys` (one line each)."""
    main(["seed-demo"])
    factory = make_session_factory(make_engine(database))
    out = io.StringIO()
    repl(
        ConsoleSession(console_runtime(Settings(), factory, FixedClock(NOW)), console_actor(factory, email)),
        io.StringIO(keys),
        out,
    )
    return out.getvalue()


def test_seed_demo_is_idempotent_and_try_shows_a_card(database, capsys):
    assert main(["seed-demo"]) == 0
    assert "accounts: 12 created" in capsys.readouterr().out
    assert main(["seed-demo"]) == 0
    assert "already loaded; nothing changed" in capsys.readouterr().out
    assert accounts_in(database) == 12
    assert main(["try", "--as", "maya@example.com", "--now", "2026-11-23T09:00", "/account acme"]) == 0
    out = capsys.readouterr().out
    assert "┌─ Acme Corporation" in out and "Owner:          Maya Patel" in out


def test_try_render_teams_prints_the_adaptive_card_teams_would_be_sent(database, capsys):
    main(["seed-demo"])
    capsys.readouterr()
    assert main(["try", "--as", "maya@example.com", "--render", "teams", "/account acme"]) == 0
    message = json.loads(capsys.readouterr().out)
    [attachment] = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["content"]["version"] == "1.5" and "Acme Corporation" in json.dumps(attachment)
    assert main(["try", "--as", "maya@example.com", "--render", "teams", "/flag"]) == 0  # a form: its card
    form = json.loads(capsys.readouterr().out)["attachments"][0]["content"]
    assert any(item["type"].startswith("Input.") for item in form["body"]) and form["actions"]


def test_import_reports_bad_rows_by_line_and_exits_2(database, tmp_path, capsys):
    main(["seed-demo"])
    capsys.readouterr()
    csv = tmp_path / "accounts.csv"
    csv.write_text(
        "name,domain,owner_email,tier,stage,health_score\n"
        "New Co,new.example,maya@example.com,intimacy,adoption,50\n"
        "Bad Co,bad.example,nobody@example.com,intimacy,adoption,150\n"
    )
    assert main(["import", "accounts", str(csv)]) == 2
    out = capsys.readouterr().out
    assert "nothing written — 1 of 2 rows are invalid" in out
    assert "line 3: unknown owner email “nobody@example.com”" in out and "health_score 150 is outside 0–100" in out
    assert accounts_in(database) == 12
    assert main(["import", "accounts", str(csv), "--dry-run"]) == 2
    assert accounts_in(database) == 12
    assert "or add --skip-invalid to import the 1 valid row." in out  # one row, not "1 valid rows"
    assert main(["import", "accounts", str(csv), "--skip-invalid"]) == 0
    assert "1 created, 0 updated, 0 unchanged, 1 rejected" in capsys.readouterr().out
    assert accounts_in(database) == 13


def test_import_of_a_missing_or_non_utf8_file_is_a_clear_error(database, tmp_path, capsys):
    assert main(["import", "people", str(tmp_path / "nope.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err
    latin = tmp_path / "people.csv"
    latin.write_bytes("email,name,role\nzoe@example.com,Zoë,csm\n".encode("latin-1"))
    assert main(["import", "people", str(latin)]) == 2
    assert "tend: people.csv: line 2: the file is not UTF-8" in capsys.readouterr().err  # which file


def test_console_runs_commands_and_presses_buttons_by_number(database, capsys):
    text = console_transcript(database, "maya@example.com", "/account globex\n2\n99\nhello\nquit\n")
    assert "[1] Globex Europe   [2] Globex Americas" in text
    assert "┌─ Globex Americas" in text
    assert "There is no button with that number." in text
    assert "Type a command such as /account acme" in text


def test_console_buttons_keep_their_numbers_and_earlier_ones_still_work(database):
    """Seen: pressing "2" twice did two different things. Numbers keep counting up instead."""
    text = console_transcript(database, "maya@example.com", "/account globex\n2\n1\n2\nquit\n")
    replies = text.split("tend> ")[1:]
    assert "[1] Globex Europe   [2] Globex Americas" in replies[0]
    assert "┌─ Globex Americas" in replies[1] and "[3] Flag a problem" in replies[1]
    assert "┌─ Globex Europe" in replies[2] and "[7] Flag a problem" in replies[2]  # an earlier reply's button
    assert "┌─ Globex Americas" in replies[3]  # "2" still means what it meant


def test_console_lines_break_between_words_not_at_hyphens():
    reply = Reply("x", blocks=(Section("word " * 14 + "xx Take-it now"),))  # "Take-" would end line one
    assert "Take-it" in render_text(reply)


def test_the_console_snooze_form_asks_the_date_only_for_until_a_date_and_re_asks_a_past_one(database):
    keys = "/tend nudges\n3\n\n\n3\n3\n2026-11-01\naway\n2026-12-24\nquit\n"
    text = console_transcript(database, "maya@example.com", keys)
    week, dated = text.split("tend> 3\n", 2)[1:3]
    assert "Until (YYYY-MM-DD)" not in week and "Why?" in week  # a week: no date asked
    assert "Snoozed" in week
    assert "Until (YYYY-MM-DD)" in dated and "(optional) (optional)" not in text
    assert "Choose a day after today (2026-11-23)." in text  # a past date is asked again, not a dead end
    assert "until Thu 24 Dec 2026" in text


def test_python_app_without_slack_credentials_runs_the_seeded_demo(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "app.py")],
        input="/account cafe zurich\nquit\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "starting the local demo" in result.stdout
    assert "┌─ Café Zürich" in result.stdout


def test_bad_settings_are_reported_without_a_traceback(database, monkeypatch, capsys):
    monkeypatch.setenv("TEND_TIMEZONE", "Mars/Base")
    assert main(["init-db"]) == 2
    err = capsys.readouterr().err
    assert "TEND_TIMEZONE must be an IANA time zone" in err and "Traceback" not in err


def test_the_console_fills_forms_field_by_field(database, capsys):
    keys = "/flag\nglobex\n1\n\n\n\nTheir SSO login fails\ncancel\n/flag\ncancel\nquit\n"
    text = console_transcript(database, "sam@example.com", keys)
    assert "Account: type part of a name" in text and "1) Globex Europe" in text
    assert "Say what happened, in a sentence or two." in text  # the empty description was refused
    assert "Flag #1 filed for Globex Europe: support (from your words)." in text
    assert "Tend would send to #support" in text and "Cancelled: nothing was changed." in text


def test_a_command_typed_during_a_form_cancels_the_form(database):
    text = console_transcript(database, "ben@example.com", "/flag acme invoice charged twice\n3\n/tend flags\nquit\n")
    assert "Resolve flag #1" in text and "(The form was cancelled: nothing was changed.)" in text
    assert "Flags you raised or own (1–1)" in text and "open, nobody has taken it" in text.split("/tend flags")[-1]


def test_ctrl_c_in_the_console_leaves_quietly(database):
    class CtrlC(io.StringIO):
        def readline(self, *_):
            raise KeyboardInterrupt

    main(["seed-demo"])
    factory = make_session_factory(make_engine(database))
    out = io.StringIO()
    repl(
        ConsoleSession(
            console_runtime(Settings(), factory, FixedClock(NOW)), console_actor(factory, "maya@example.com")
        ),
        CtrlC(),
        out,
    )
    assert out.getvalue().endswith("quit to leave.\n\n")  # a new line, no traceback


def test_a_database_without_tends_schema_is_explained_not_a_traceback(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    assert main(["try", "--as", "maya@example.com", "/account acme"]) == 2
    err = capsys.readouterr().err
    assert "could not be used" in err and "python -m bot init-db" in err and "Traceback" not in err


def test_a_console_question_is_not_followed_by_a_colon():
    from bot.console import _ask, _Filling
    from bot.messages import Input, Option

    asked = _ask(Input("c", "Which kind of problem is it?", kind="choice", options=(Option("a", "A"),)), _Filling())
    assert asked.startswith("Which kind of problem is it?\n  1) A")
    assert _ask(Input("f", "For", kind="choice", options=(Option("a", "A"),)), _Filling()).startswith("For:\n")


def test_the_console_as_a_billing_manager_takes_a_flag_from_the_team_list(database):
    """Ben manages Billing: he finds the flag in /tend flags team, with his buttons, and takes it there; a
    mistyped command is answered with what he meant, and several Globex accounts are offered to pick from."""
    keys = "/flag acme invoice charged twice\n/tend flags team\n/acount acme\n/flag globex the API is down\nquit\n"
    text = console_transcript(database, "ben@example.com", keys)
    replies = text.split("tend> ")[1:]
    team = replies[1]
    assert "Your team's flags (1–1), unresolved first:" in team and "#1 Acme Corporation · billing" in team
    assert "[1] Take it" not in team and "Take it" in team and "Details" in team
    taken = console_transcript(database, "ben@example.com", "/tend flags team\n1\nquit\n")  # a new console
    assert "[1] Take it" in taken and "You own flag #1 now" in taken
    assert "Did you mean /account acme?" in replies[2]
    assert "Which account?" in replies[3] and "Globex Europe" in replies[3] and "Globex Americas" in replies[3]
