"""Upsert accounts, people and teams from CSV files: every row validated first, all or nothing by default.

One query loads what the rows are compared against, and writes are set-based, so a 100,000-row file imports
in seconds. Re-importing the same file changes nothing. Each format lives in its own module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import BadInput
from bot.imports import accounts, people, teams
from bot.imports.common import Counts, ImportReport, Known, RowError, Valid
from bot.imports.rows import CsvRow, RowProblem, decode, read_rows
from bot.models import Person

KINDS = ("accounts", "people", "teams")


@dataclass(frozen=True)
class Format:
    required: tuple[str, ...]
    validate: Callable[[CsvRow, Known], tuple[tuple[str, str], dict[str, Any]]]
    apply: Callable[[Session, list[Valid], list[str], Known, ImportReport], Counts]
    prepare: Callable[[list[CsvRow], Known], None] | None = None


FORMATS = {
    "accounts": Format(accounts.REQUIRED, accounts.validate, accounts.apply),
    "people": Format(people.REQUIRED, people.validate, people.apply, people.prepare),
    "teams": Format(teams.REQUIRED, teams.validate, teams.apply),
}


def import_csv(
    session: Session,
    kind: str,
    data: bytes,
    *,
    today: date,
    dry_run: bool = False,
    skip_invalid: bool = False,
) -> ImportReport:
    """Validate every row, then write, unless a row is bad and `skip_invalid` is off. The caller commits;
    when nothing may be written, everything this call changed is rolled back."""
    if kind not in FORMATS:
        raise BadInput(f"unknown import kind “{kind}”: use one of {', '.join(KINDS)}")
    spec = FORMATS[kind]
    header, rows = read_rows(decode(data), spec.required)
    known = Known(today, dict(session.execute(select(Person.email, Person.id)).all()))
    if spec.prepare:
        spec.prepare(rows, known)
    report = ImportReport(kind, rows=len(rows), dry_run=dry_run)
    valid: list[Valid] = []
    first_line: dict[tuple[str, str], int] = {}
    for row in rows:
        try:
            if unreadable := row.unreadable():
                raise RowProblem(unreadable)
            key, values = spec.validate(row, known)
            if key in first_line:
                raise RowProblem(f"duplicate of line {first_line[key]} (same {key[0]} “{key[1]}”)")
        except RowProblem as problem:
            report.rejected.append(RowError(row.line, str(problem)))
            continue
        first_line[key] = row.line
        valid.append(Valid(row.line, key, values))
    if report.rejected and not skip_invalid and not dry_run:
        return report
    counts = spec.apply(session, valid, header, known, report)  # may reject rows the database clashes with
    report.created, report.updated, report.unchanged = counts.created, counts.updated, counts.unchanged
    report.rejected.sort(key=lambda error: error.line)
    if dry_run or (report.rejected and not skip_invalid):
        session.rollback()
        return report
    report.written = True
    return report


__all__ = ["KINDS", "ImportReport", "RowError", "import_csv"]
