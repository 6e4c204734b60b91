"""The people CSV: who works here, their role, manager and time zone; keyed by email."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from bot.imports.common import Counts, ImportReport, Known, RowError, Valid, same_keys
from bot.imports.rows import CsvRow, Problems, email, text_value
from bot.models import Person
from bot.vocab import Role, choices

REQUIRED = ("email", "name", "role")
COLUMNS = ("name", "role", "manager_email", "timezone")


def prepare(rows: list[CsvRow], known: Known) -> None:
    """A manager may be a person added by the same file."""
    known.emails_in_file = {row.get("email").lower() for row in rows}


def validate(row: CsvRow, known: Known) -> tuple[tuple[str, str], dict[str, Any]]:
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
        "_present": {f for f in COLUMNS if row.has(f)} | {"name", "role"},
    }
    return ("email", address or ""), values


def apply(session: Session, valid: list[Valid], header: list[str], known: Known, report: ImportReport) -> Counts:
    existing = {p.email: p for p in session.scalars(select(Person))}
    loops = _manager_loops(existing, valid)
    report.rejected += [RowError(item.line, loops[item.line]) for item in valid if item.line in loops]
    valid = [item for item in valid if item.line not in loops]
    creates = [item for item in valid if item.values["email"] not in existing]
    if creates:  # people are few (hundreds): RETURNING gives the new ids in file order
        rows = [{f: item.values[f] for f in ("email", "name", "role", "timezone")} for item in creates]
        ids = session.scalars(insert(Person).returning(Person.id, sort_by_parameter_order=True), rows).all()
        known.person_ids.update({item.values["email"]: pid for pid, item in zip(ids, creates, strict=True)})
    counts = Counts(created=len(creates))
    updates: list[dict[str, Any]] = []
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
            counts.updated += 1
        else:
            counts.unchanged += 1
    for group in same_keys(updates):
        session.execute(update(Person), group)
    return counts


def _manager_loops(existing: dict[str, Person], valid: list[Valid]) -> dict[int, str]:
    """Rows whose chain of managers, as it would be after the import, comes back to them (a → b → a): by
    line, the loop in words. Nobody can be above themselves: digests and escalations would go round."""
    by_id = {person.id: email for email, person in existing.items()}
    manager_of = {email: by_id.get(p.manager_id) for email, p in existing.items() if p.manager_id}
    for item in valid:
        if "manager_email" in item.values["_present"]:
            manager_of[item.values["email"]] = item.values["manager_email"]
    loops: dict[int, str] = {}
    for item in valid:
        start = item.values["email"]
        chain, boss = [start], manager_of.get(start)
        while boss and boss not in chain:
            chain.append(boss)
            boss = manager_of.get(boss)
        if boss == start:
            loops[item.line] = f"managers go round in a loop: {' → '.join([*chain, start])}"
    return loops
