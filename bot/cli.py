"""`python -m bot …`: schema, demo data, CSV imports and the local console, on the same code paths as Slack."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from dotenv import load_dotenv
from sqlalchemy import make_url
from sqlalchemy.exc import DBAPIError

from bot import demo
from bot.ai.client import make_model
from bot.clock import Clock, SystemClock, parse_now
from bot.config import ConfigError, Settings
from bot.console import ConsoleSession, console_actor, console_runtime, repl
from bot.db import SessionFactory, engine_for, make_session_factory, session_scope, upgrade
from bot.errors import UserFacingError
from bot.flags.routing import phrasebook
from bot.imports import KINDS, import_csv
from bot.messages import Form, Reply
from bot.teams import cards, package  # no Teams SDK: the card renderer and the app package
from bot.text import plural

EXIT_INVALID = 2


def main(argv: list[str] | None = None) -> int:
    load_dotenv()
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        clock: Clock = parse_now(args.now) if getattr(args, "now", None) else SystemClock()
        return args.run(settings, clock, args)
    except (ConfigError, UserFacingError, ValueError) as error:
        print(f"tend: {getattr(error, 'message', error)}", file=sys.stderr)
        return EXIT_INVALID
    except DBAPIError as error:  # no schema yet, or no database answering: say so, not a traceback
        why = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        print(
            f"tend: the database {_safe_url(settings)} could not be used ({why}). If it is new, create its "
            "schema first: python -m bot init-db (or seed-demo for the demo company).",
            file=sys.stderr,
        )
        return EXIT_INVALID


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Tend's command line.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    p = sub.add_parser("init-db", help="create or upgrade the database schema (alembic upgrade head)")
    p.set_defaults(run=init_db)

    p = sub.add_parser("seed-demo", help="load a small demo company (safe to run again)")
    p.set_defaults(run=seed_demo)

    p = sub.add_parser("import", help="upsert accounts, people or teams from a CSV file")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("file", type=Path)
    p.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    p.add_argument("--skip-invalid", action="store_true", help="write the valid rows, list the invalid ones")
    p.set_defaults(run=import_file)

    p = sub.add_parser("try", help="run one command as a person and print the reply")
    p.add_argument("--as", dest="email", required=True, metavar="EMAIL")
    p.add_argument("--now", metavar="ISO-8601", help="pretend it is this time")
    p.add_argument("command", help='for example "/account acme"')
    p.add_argument(
        "--render",
        choices=("text", "teams"),
        default="text",
        help="text (default), or teams: the Adaptive Card message Teams would be sent, as JSON",
    )
    p.set_defaults(run=try_command)

    p = sub.add_parser("teams-package", help="write the Microsoft Teams app package (manifest and icons)")
    p.add_argument("out", nargs="?", type=Path, default=Path("tend-teams.zip"), metavar="OUT.zip")
    p.add_argument("--host", help="Tend's public host, for the manifest's links (e.g. tend.example.com)")
    p.set_defaults(run=teams_package)

    p = sub.add_parser("console", help="the interactive local console")
    p.add_argument("--as", dest="email", metavar="EMAIL", default=None)
    p.add_argument("--now", metavar="ISO-8601", help="pretend it is this time")
    p.set_defaults(run=console)
    return parser


def _factory(settings: Settings) -> SessionFactory:
    return make_session_factory(engine_for(settings))


def _safe_url(settings: Settings) -> str:
    return make_url(settings.database_url).render_as_string(hide_password=True)


def init_db(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    upgrade(settings.database_url)
    print(f"Database {_safe_url(settings)} is at the newest schema.")
    return 0


def seed_demo(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    upgrade(settings.database_url)
    with session_scope(_factory(settings)) as session:
        reports = demo.seed(session, clock.now().date())
    if not reports:
        print("The demo company is already loaded; nothing changed.")
    for report in reports:
        print(f"demo {report.summary()}")
    return 0


def import_file(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as error:
        print(f"tend: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return EXIT_INVALID
    try:
        with session_scope(_factory(settings)) as session:
            report = import_csv(
                session, args.kind, data, today=clock.now().date(), dry_run=args.dry_run, skip_invalid=args.skip_invalid
            )
    except UserFacingError as error:  # the whole file is unreadable: name it
        print(f"tend: {args.file.name}: {error.message}", file=sys.stderr)
        return EXIT_INVALID
    print(f"{args.file.name}: {report.summary()}")
    for rejected in report.rejected:
        print(f"  line {rejected.line}: {rejected.reason}")
    for note in report.notes:
        print(f"  note: {note}")
    if report.rejected and not report.written and not args.dry_run:
        valid = plural(report.rows - len(report.rejected), "valid row")
        print(f"Fix these rows and import again, or add --skip-invalid to import the {valid}.")
        return EXIT_INVALID
    return EXIT_INVALID if args.dry_run and report.rejected else 0


def try_command(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    factory = _factory(settings)
    actor = console_actor(factory, args.email)
    session = ConsoleSession(console_runtime(settings, factory, clock, make_model(settings)), actor)
    if args.render == "teams":
        print(json.dumps(teams_message(session.reply(args.command)), indent=2, ensure_ascii=False))
        return 0
    print(session.run(args.command), end="")
    return 0


def teams_message(reply: Reply | Form) -> dict[str, Any]:
    """What Teams would be sent for this reply (for debugging cards without Teams)."""
    return cards.form_activity(reply) if isinstance(reply, Form) else cards.activity(reply)


def teams_package(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    written = package.write(settings, args.out, args.host)
    print(f"Wrote {written}: upload it in Teams (Apps → Manage your apps → Upload an app), see the README.")
    return 0


def console(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    factory = _factory(settings)
    actor = console_actor(factory, args.email or demo.DEMO_CSM)
    phrasebook.warm()  # while the person reads the welcome
    repl(ConsoleSession(console_runtime(settings, factory, clock, make_model(settings)), actor))
    return 0
