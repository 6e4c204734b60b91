"""Upsert accounts, people and teams from CSV files: every row validated first, all or nothing by default.

One query loads what the rows are compared against, and writes are set-based (executemany), so a
100,000-row file imports in seconds. Re-importing the same file changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from bot.db import bulk_insert
from bot.errors import BadInput
from bot.models import Account, HealthSnapshot, Person, RoutingRule, SuccessCriterion, Team
from bot.services import catalog
from bot.services.csv_rows import (
    CsvRow,
    Problems,
    RowProblem,
    amount,
    decode,
    email,
    integer,
    iso_date,
    read_rows,
    split_list,
    text_value,
)
from bot.text import fold
from bot.vocab import Category, Role, Stage, choices, parse_tier

KINDS = ("accounts", "people", "teams")
CHUNK = 900  # keeps IN (...) lists under SQLite's bound-parameter limit


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RowError] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False

    def summary(self) -> str:
        counts = (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, {len(self.rejected)} rejected"
        )
        if self.dry_run:
            return f"{self.kind}: dry run, nothing written — would be {counts}"
        if not self.written:
            return f"{self.kind}: nothing written — {len(self.rejected)} of {self.rows} rows are invalid"
        return f"{self.kind}: {counts}"


@dataclass
class _Valid:
    line: int
    key: tuple[str, str]
    values: dict[str, Any]


Validator = Callable[[CsvRow, "_Known"], tuple[tuple[str, str], dict[str, Any]]]


@dataclass
class _Known:
    """What rows are checked against, loaded once per import."""

    today: date
    person_ids: dict[str, int] = field(default_factory=dict)
    emails_in_file: set[str] = field(default_factory=set)


def import_csv(
    session: Session,
    kind: str,
    data: bytes,
    *,
    today: date,
    dry_run: bool = False,
    skip_invalid: bool = False,
) -> ImportReport:
    """Validate every row, then write (unless any row is bad and `skip_invalid` is off). Caller commits."""
    if kind not in KINDS:
        raise BadInput(f"unknown import kind “{kind}”: use one of {', '.join(KINDS)}")
    spec = _SPECS[kind]
    header, rows = read_rows(decode(data), spec.required)
    known = _Known(today, dict(session.execute(select(Person.email, Person.id)).all()))
    if kind == "people":
        known.emails_in_file = {row.get("email").lower() for row in rows}
    report = ImportReport(kind, rows=len(rows), dry_run=dry_run)
    valid: list[_Valid] = []
    first_line: dict[tuple[str, str], int] = {}
    for row in rows:
        try:
            key, values = spec.validate(row, known)
            if key in first_line:
                raise RowProblem(f"duplicate of line {first_line[key]} (same {key[0]} “{key[1]}”)")
        except RowProblem as problem:
            report.rejected.append(RowError(row.line, str(problem)))
            continue
        first_line[key] = row.line
        valid.append(_Valid(row.line, key, values))
    if report.rejected and not skip_invalid and not dry_run:
        return report
    created, updated, unchanged = spec.apply(session, valid, header, known, report)
    report.created, report.updated, report.unchanged = created, updated, unchanged
    report.rejected.sort(key=lambda error: error.line)
    if dry_run:
        session.rollback()
        return report
    report.written = True
    return report


# --- accounts ---------------------------------------------------------------------------------------------------

_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")
ACCOUNT_FIELDS = (
    "name",
    "domain",
    "owner_id",
    "tier",
    "arr",
    "renewal_date",
    "health_score",
    "stage",
    "last_touch_date",
)
ACCOUNT_COLUMNS = {
    "name": "name",
    "domain": "domain",
    "owner_id": "owner_email",
    "tier": "tier",
    "arr": "arr",
    "renewal_date": "renewal_date",
    "health_score": "health_score",
    "stage": "stage",
    "last_touch_date": "last_touch_date",
}


def _validate_account(row: CsvRow, known: _Known) -> tuple[tuple[str, str], dict[str, Any]]:
    problems = Problems()
    name = problems.check(text_value, row.get("name"), "name", 200, required=True)
    domain = _domain(row.get("domain"), problems)
    owner_email = row.get("owner_email")
    owner_id = None
    if owner_email:
        address = problems.check(email, owner_email, "owner_email")
        if address is not None:
            owner_id = known.person_ids.get(address)
            if owner_id is None:
                problems.add(f"unknown owner email “{owner_email}” (import people first, or leave it empty)")
    tier = parse_tier(row.get("tier"))
    if tier is None:
        problems.add(f"unknown tier “{row.get('tier')}” (use {choices_tiers()})")
    stage_text = row.get("stage").lower()
    if stage_text not in Stage._value2member_map_:
        problems.add(f"unknown stage “{row.get('stage')}” (use {choices(Stage)})")
    renewal = problems.check(iso_date, row.get("renewal_date"), "renewal_date")
    touch = problems.check(iso_date, row.get("last_touch_date"), "last_touch_date")
    if touch and touch > known.today + timedelta(days=1):
        problems.add(f"last_touch_date {touch.isoformat()} is in the future")
    values = {
        "name": name,
        "domain": domain,
        "owner_id": owner_id,
        "tier": tier.value if tier else None,
        "arr": problems.check(amount, row.get("arr"), "arr"),
        "renewal_date": renewal,
        "health_score": problems.check(integer, row.get("health_score"), "health_score", 0, 100),
        "stage": stage_text,
        "last_touch_date": touch,
        "criteria": split_list(row.get("success_criteria")),
    }
    if any(len(criterion) > 500 for criterion in values["criteria"]):
        problems.add("a success criterion is longer than 500 characters")
    problems.raise_any()
    values["name_key"] = fold(name or "")
    # Only columns present in the file are written: a file without `arr` leaves ARR as it was.
    present = {f for f, column in ACCOUNT_COLUMNS.items() if row.has(column)} | {"name", "tier", "stage"}
    values["_present"] = present | ({"criteria"} if row.has("success_criteria") else set())
    key = ("domain", domain) if domain else ("name", values["name_key"])
    return key, values


def choices_tiers() -> str:
    return "intimacy, engagement, service or high, medium, low"


def _domain(text: str, problems: Problems) -> str | None:
    value = re.sub(r"^(?:https?://)?(?:www\.)?", "", text.strip().lower()).rstrip("/")
    if not value:
        return None
    if not _DOMAIN.match(value):
        problems.add(f"domain “{text}” is not a domain name such as example.com")
        return None
    return value


def _apply_accounts(
    session: Session, valid: list[_Valid], header: list[str], known: _Known, report: ImportReport
) -> tuple[int, int, int]:
    columns = [getattr(Account, f) for f in ("id", "name_key", *ACCOUNT_FIELDS)]
    existing = {row.id: row for row in session.execute(select(*columns))}
    by_domain = {row.domain: row.id for row in existing.values() if row.domain}
    by_name: dict[str, list[int]] = {}
    for row in existing.values():
        by_name.setdefault(row.name_key, []).append(row.id)
    criteria = _existing_criteria(session) if "success_criteria" in header else {}

    creates: list[_Valid] = []
    updates: list[dict[str, Any]] = []
    criteria_for: dict[int, list[str]] = {}
    health_for: dict[int, int] = {}
    updated = unchanged = 0
    claimed: dict[int, int] = {}
    for item in valid:
        values = item.values
        account_id = _existing_account(values, existing, by_domain, by_name)
        if isinstance(account_id, str):
            report.rejected.append(RowError(item.line, account_id))
            continue
        if account_id is None:
            creates.append(item)
            continue
        if account_id in claimed:
            report.rejected.append(RowError(item.line, f"same account as line {claimed[account_id]}"))
            continue
        claimed[account_id] = item.line
        current, present = existing[account_id], values["_present"]
        change = {f: values[f] for f in ACCOUNT_FIELDS if f in present and getattr(current, f) != values[f]}
        if "name" in change:
            change["name_key"] = values["name_key"]
        if "criteria" in present and criteria.get(account_id, []) != values["criteria"]:
            criteria_for[account_id] = values["criteria"]
        if "health_score" in change and values["health_score"] is not None:
            health_for[account_id] = values["health_score"]
        if change:
            updates.append({"id": account_id, **change})
        if change or account_id in criteria_for:
            updated += 1
        else:
            unchanged += 1

    if creates:
        new_ids = _insert_accounts(session, creates)
        for account_id, item in zip(new_ids, creates, strict=True):
            if item.values["criteria"]:
                criteria_for[account_id] = item.values["criteria"]
            if item.values["health_score"] is not None:
                health_for[account_id] = item.values["health_score"]
    for group in _same_keys(updates):
        session.execute(update(Account), group)
    _replace_criteria(session, criteria_for)
    _record_health(session, health_for, known.today)
    if creates or updates:
        catalog.mark_changed(session)
    return len(creates), updated, unchanged


def _insert_accounts(session: Session, creates: list[_Valid]) -> list[int]:
    """Insert with one executemany (Core, no RETURNING: far faster for 100k rows), then read the ids back."""
    before = session.scalar(select(func.max(Account.id))) or 0
    rows = [{f: item.values[f] for f in ("name_key", *ACCOUNT_FIELDS)} for item in creates]
    bulk_insert(session, Account.__table__, rows)
    new = session.execute(select(Account.id, Account.domain, Account.name_key).where(Account.id > before)).all()
    by_domain = {domain: i for i, domain, _key in new if domain}
    by_key = {key: i for i, domain, key in new if not domain}
    return [by_domain[r["domain"]] if r["domain"] else by_key[r["name_key"]] for r in rows]


def _existing_account(
    values: dict[str, Any], existing: dict[int, Any], by_domain: dict[str, int], by_name: dict[str, list[int]]
) -> int | str | None:
    """The id of the account a row updates, None for a new account, or why the row is ambiguous."""
    if values["domain"] and values["domain"] in by_domain:
        return by_domain[values["domain"]]
    named = by_name.get(values["name_key"], [])
    if values["domain"]:  # a row with a new domain may give it to a domain-less account of that name
        named = [i for i in named if not existing[i].domain]
    if len(named) > 1:
        return f"several accounts are named “{values['name']}”: add the domain column to say which one"
    return named[0] if named else None


def _existing_criteria(session: Session) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    rows = session.execute(
        select(SuccessCriterion.account_id, SuccessCriterion.text).order_by(
            SuccessCriterion.account_id, SuccessCriterion.position
        )
    )
    for account_id, text in rows:
        found.setdefault(account_id, []).append(text)
    return found


def _replace_criteria(session: Session, criteria_for: dict[int, list[str]]) -> None:
    ids = list(criteria_for)
    for chunk in _chunks(ids):
        session.execute(delete(SuccessCriterion).where(SuccessCriterion.account_id.in_(chunk)))
    rows = [
        {"account_id": account_id, "position": position, "text": text}
        for account_id, texts in criteria_for.items()
        for position, text in enumerate(texts)
    ]
    if rows:
        bulk_insert(session, SuccessCriterion.__table__, rows)


def _record_health(session: Session, health_for: dict[int, int], today: date) -> None:
    """Add today's point to each changed account's health history (replacing an earlier one from today)."""
    ids = list(health_for)
    for chunk in _chunks(ids):
        session.execute(
            delete(HealthSnapshot).where(HealthSnapshot.account_id.in_(chunk), HealthSnapshot.taken_on == today)
        )
    bulk_insert(
        session,
        HealthSnapshot.__table__,
        [{"account_id": i, "taken_on": today, "score": score} for i, score in health_for.items()],
    )


# --- people -----------------------------------------------------------------------------------------------------

PERSON_FIELDS = ("name", "role", "manager_email", "timezone")


def _validate_person(row: CsvRow, known: _Known) -> tuple[tuple[str, str], dict[str, Any]]:
    problems = Problems()
    address = problems.check(email, row.get("email"), "email")
    name = problems.check(text_value, row.get("name"), "name", 200, required=True)
    role = row.get("role").lower()
    if role not in Role._value2member_map_:
        problems.add(f"unknown role “{row.get('role')}” (use {choices(Role)})")
    manager = row.get("manager_email").lower() or None
    if manager is not None and problems.check(email, manager, "manager_email") is not None:
        if manager == address:
            problems.add("a person cannot be their own manager")
        elif manager not in known.person_ids and manager not in known.emails_in_file:
            problems.add(f"unknown manager email “{manager}” (add the manager to the file or import them first)")
    timezone = row.get("timezone") or None
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.add(f"unknown timezone “{timezone}” (use an IANA name such as Europe/Berlin)")
    problems.raise_any()
    values = {
        "email": address,
        "name": name,
        "role": role,
        "manager_email": manager,
        "timezone": timezone,
        "_present": {f for f in PERSON_FIELDS if row.has(f)} | {"name", "role"},
    }
    return ("email", address or ""), values


def _apply_people(
    session: Session, valid: list[_Valid], header: list[str], known: _Known, report: ImportReport
) -> tuple[int, int, int]:
    existing = {p.email: p for p in session.scalars(select(Person))}
    creates = [item for item in valid if item.values["email"] not in existing]
    if creates:
        rows = [{f: item.values[f] for f in ("email", "name", "role", "timezone")} for item in creates]
        ids = session.scalars(insert(Person).returning(Person.id, sort_by_parameter_order=True), rows).all()
        known.person_ids.update({item.values["email"]: pid for pid, item in zip(ids, creates, strict=True)})
    updates: list[dict[str, Any]] = []
    updated = unchanged = 0
    for item in valid:
        values, present = item.values, item.values["_present"]
        wanted = {f: values[f] for f in ("name", "role", "timezone") if f in present}
        if "manager_email" in present:
            wanted["manager_id"] = known.person_ids.get(values["manager_email"]) if values["manager_email"] else None
        person = existing.get(values["email"])
        if person is None:  # just created: only the manager link is left to set, now that every id exists
            if wanted.get("manager_id"):
                updates.append({"id": known.person_ids[values["email"]], "manager_id": wanted["manager_id"]})
            continue
        change = {f: v for f, v in wanted.items() if getattr(person, f) != v}
        if change:
            updates.append({"id": person.id, **change})
            updated += 1
        else:
            unchanged += 1
    for group in _same_keys(updates):
        session.execute(update(Person), group)
    return len(creates), updated, unchanged


# --- teams ------------------------------------------------------------------------------------------------------

_CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")


def _validate_team(row: CsvRow, known: _Known) -> tuple[tuple[str, str], dict[str, Any]]:
    problems = Problems()
    name = problems.check(text_value, row.get("name"), "name", 100, required=True)
    channel = row.get("channel").lstrip("#")
    if not (_CHANNEL_ID.match(channel) or _CHANNEL_NAME.match(channel)):
        problems.add(
            f"channel “{row.get('channel')}” is not a Slack channel name (like #billing) or id (like C0123ABCD)"
        )
    categories = [c.lower() for c in split_list(row.get("categories"))]
    unknown = [c for c in categories if c not in Category._value2member_map_]
    if unknown or not categories:
        problems.add(
            f"unknown categor{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown) or '(none given)'} "
            f"(use {choices(Category)}, separated by ;)"
        )
    manager = row.get("manager_email").lower() or None
    manager_id = None
    if manager and problems.check(email, manager, "manager_email") is not None:
        manager_id = known.person_ids.get(manager)
        if manager_id is None:
            problems.add(f"unknown manager email “{manager}” (import people first)")
    sla = problems.check(integer, row.get("sla_hours"), "sla_hours", 1, 720)
    problems.raise_any()
    values = {
        "name": name,
        "channel": channel,
        "manager_id": manager_id,
        "sla_hours": sla or 24,
        "categories": sorted(set(categories)),
    }
    return ("name", fold(name or "")), values


def _apply_teams(
    session: Session, valid: list[_Valid], header: list[str], known: _Known, report: ImportReport
) -> tuple[int, int, int]:
    owner_line: dict[str, int] = {}
    kept: list[_Valid] = []
    for item in valid:
        clash = [c for c in item.values["categories"] if c in owner_line]
        if clash:
            report.rejected.append(
                RowError(
                    item.line, f"category {', '.join(clash)} already belongs to the team on line {owner_line[clash[0]]}"
                )
            )
            continue
        owner_line.update({c: item.line for c in item.values["categories"]})
        kept.append(item)
    teams = {fold(t.name): t for t in session.scalars(select(Team))}
    rules: dict[int, set[str]] = {}
    for category, team_id in session.execute(select(RoutingRule.category, RoutingRule.team_id)):
        rules.setdefault(team_id, set()).add(category)
    created = updated = unchanged = 0
    for item in kept:  # teams are few: a handful of rows, not a bulk load
        values = item.values
        team = teams.get(item.key[1])
        fields = {
            "name": values["name"],
            "channel": values["channel"],
            "manager_id": values["manager_id"],
            "sla_hours": values["sla_hours"],
        }
        if team is None:
            team = Team(**fields)
            session.add(team)
            session.flush()
            created += 1
        elif all(getattr(team, f) == v for f, v in fields.items()) and rules.get(team.id, set()) == set(
            values["categories"]
        ):
            unchanged += 1
            continue
        else:
            for f, v in fields.items():
                setattr(team, f, v)
            updated += 1
        session.execute(
            delete(RoutingRule).where((RoutingRule.team_id == team.id) | RoutingRule.category.in_(values["categories"]))
        )
        session.flush()
        session.execute(insert(RoutingRule), [{"category": c, "team_id": team.id} for c in values["categories"]])
    return created, updated, unchanged


# --- shared -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    required: tuple[str, ...]
    validate: Validator
    apply: Callable[[Session, list[_Valid], list[str], _Known, ImportReport], tuple[int, int, int]]


_SPECS = {
    "accounts": _Spec(("name", "tier", "stage"), _validate_account, _apply_accounts),
    "people": _Spec(("email", "name", "role"), _validate_person, _apply_people),
    "teams": _Spec(("name", "channel", "categories"), _validate_team, _apply_teams),
}


def _chunks(items: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _same_keys(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    """Bulk UPDATE needs every row of one batch to set the same columns."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return groups.values()
