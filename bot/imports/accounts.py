"""The accounts CSV: validation of each row, and the set-based upsert keyed by domain (else name)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.accounts import catalog
from bot.batch import chunks
from bot.db import bulk_insert
from bot.imports.common import Counts, ImportReport, Known, RowError, Valid, same_keys
from bot.imports.rows import (
    CsvRow,
    Problems,
    amount,
    email,
    integer,
    iso_date,
    split_list,
    text_value,
)
from bot.models import Account, HealthSnapshot, StageChange, SuccessCriterion
from bot.nudges.notices import retell
from bot.text import fold
from bot.vocab import Stage, choices, parse_tier

HEADER = (
    "name",
    "domain",
    "owner_email",
    "tier",
    "arr",
    "renewal_date",
    "health_score",
    "stage",
    "last_touch_date",
    "success_criteria",
)
REQUIRED = ("name", "tier", "stage")
# Account field → the CSV column it comes from.
FIELDS = {
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
TIERS = "intimacy, engagement, service or high, medium, low"
_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")


def validate(row: CsvRow, known: Known) -> tuple[tuple[str, str], dict[str, Any]]:
    problems = Problems()
    name = problems.check(text_value, row.get("name"), "name", 200, required=True)
    domain = _domain(row.get("domain"), problems)
    owner_id = _owner(row.get("owner_email"), known, problems)
    tier = parse_tier(row.get("tier"))
    if tier is None:
        problems.add(f"unknown tier “{row.get('tier')}” (use {TIERS})")
    stage = row.get("stage").lower()
    if stage not in Stage._value2member_map_:
        problems.add(f"unknown stage “{row.get('stage')}” (use {choices(Stage)})")
    touch = problems.check(iso_date, row.get("last_touch_date"), "last_touch_date")
    if touch and touch > known.today + timedelta(days=1):
        problems.add(f"last_touch_date {touch.isoformat()} is in the future")
    criteria = problems.check(split_list, row.get("success_criteria"), "success_criteria") or []
    if any(len(criterion) > 500 for criterion in criteria):
        problems.add("a success criterion is longer than 500 characters")
    values: dict[str, Any] = {
        "name": name,
        "name_key": fold(name or ""),
        "domain": domain,
        "owner_id": owner_id,
        "tier": tier.value if tier else None,
        "arr": problems.check(amount, row.get("arr"), "arr"),
        "renewal_date": problems.check(iso_date, row.get("renewal_date"), "renewal_date"),
        "health_score": problems.check(integer, row.get("health_score"), "health_score", 0, 100),
        "stage": stage,
        "last_touch_date": touch,
        "criteria": criteria,
    }
    problems.raise_any()
    # Only columns present in the file are written: a file without `arr` leaves ARR as it was.
    present = {f for f, column in FIELDS.items() if row.has(column)} | {"name", "tier", "stage"}
    values["_present"] = present | ({"criteria"} if row.has("success_criteria") else set())
    key = ("domain", domain) if domain else ("name", values["name_key"])
    return key, values


def _domain(text: str, problems: Problems) -> str | None:
    value = re.sub(r"^(?:https?://)?(?:www\.)?", "", text.strip().lower()).rstrip("/")
    if not value:
        return None
    if not _DOMAIN.match(value):
        problems.add(f"domain “{text}” is not a domain name such as example.com")
        return None
    return value


def _owner(text: str, known: Known, problems: Problems) -> int | None:
    """The owner's person id; an empty cell means the account is unowned."""
    if not text:
        return None
    address = problems.check(email, text, "owner_email")
    if address is None:
        return None
    owner_id = known.person_ids.get(address)
    if owner_id is None:
        problems.add(f"unknown owner email “{text}” (import people first, or leave it empty)")
    return owner_id


def apply(session: Session, valid: list[Valid], header: list[str], known: Known, report: ImportReport) -> Counts:
    columns = [getattr(Account, f) for f in ("id", "name_key", *FIELDS)]
    existing = {row.id: row for row in session.execute(select(*columns))}
    by_domain = {row.domain: row.id for row in existing.values() if row.domain}
    by_name: dict[str, list[int]] = {}
    for row in existing.values():
        by_name.setdefault(row.name_key, []).append(row.id)
    criteria = _existing_criteria(session) if "success_criteria" in header else {}

    counts = Counts()
    creates: list[Valid] = []
    updates: list[dict[str, Any]] = []
    criteria_for: dict[int, list[str]] = {}
    health_for: dict[int, int] = {}
    stage_moves: list[dict[str, Any]] = []  # the managers' digest reports them
    moved: list[int] = []  # accounts given to another owner (or to nobody)
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
        change = {f: values[f] for f in FIELDS if f in present and getattr(current, f) != values[f]}
        if "name" in change:
            change["name_key"] = values["name_key"]
        if "criteria" in present and criteria.get(account_id, []) != values["criteria"]:
            criteria_for[account_id] = values["criteria"]
        if "health_score" in change and values["health_score"] is not None:
            health_for[account_id] = values["health_score"]
        if "owner_id" in change:
            moved.append(account_id)
        if "stage" in change:
            stage_moves.append(
                {
                    "account_id": account_id,
                    "from_stage": current.stage,
                    "to_stage": values["stage"],
                    "changed_on": known.today,
                }
            )
        if change:
            updates.append({"id": account_id, **change})
        if change or account_id in criteria_for:
            counts.updated += 1
        else:
            counts.unchanged += 1

    for account_id, item in zip(_insert(session, creates), creates, strict=True):
        if item.values["criteria"]:
            criteria_for[account_id] = item.values["criteria"]
        if item.values["health_score"] is not None:
            health_for[account_id] = item.values["health_score"]
    for group in same_keys(updates):
        session.execute(update(Account), group)
    _replace_criteria(session, criteria_for, known.today)
    _record_health(session, health_for, known.today)
    bulk_insert(session, StageChange.__table__, stage_moves)
    retell(session, moved)  # a new owner hears of what is open on their new accounts
    if creates or updates:
        catalog.mark_changed(session)
    counts.created = len(creates)
    return counts


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


def _insert(session: Session, creates: list[Valid]) -> list[int]:
    """Insert in bulk (no RETURNING: far faster for 100k rows), then read the new ids back in one query."""
    if not creates:
        return []
    before = session.scalar(select(func.max(Account.id))) or 0
    rows = [{f: item.values[f] for f in ("name_key", *FIELDS)} for item in creates]
    bulk_insert(session, Account.__table__, rows)
    new = session.execute(select(Account.id, Account.domain, Account.name_key).where(Account.id > before)).all()
    by_domain = {domain: i for i, domain, _key in new if domain}
    by_key = {key: i for i, domain, key in new if not domain}
    return [by_domain[r["domain"]] if r["domain"] else by_key[r["name_key"]] for r in rows]


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


def _replace_criteria(session: Session, criteria_for: dict[int, list[str]], today: date) -> None:
    """Write each account's new list of criteria; a criterion whose text is unchanged keeps its status and
    last update (the CSM's work), a new one starts as not started, today."""
    kept: dict[tuple[int, str], tuple[str, date | None]] = {}
    for chunk in chunks(list(criteria_for)):
        rows = session.execute(
            select(
                SuccessCriterion.account_id, SuccessCriterion.text, SuccessCriterion.status, SuccessCriterion.updated_on
            ).where(SuccessCriterion.account_id.in_(chunk))
        )
        kept.update({(account_id, text): (status, updated) for account_id, text, status, updated in rows})
        session.execute(delete(SuccessCriterion).where(SuccessCriterion.account_id.in_(chunk)))
    new: list[dict[str, Any]] = []
    for account_id, texts in criteria_for.items():
        for position, text in enumerate(texts):
            status, updated = kept.get((account_id, text), ("not_started", today))
            new.append(
                {"account_id": account_id, "position": position, "text": text, "status": status, "updated_on": updated}
            )
    bulk_insert(session, SuccessCriterion.__table__, new)


def _record_health(session: Session, health_for: dict[int, int], today: date) -> None:
    """Add today's point to each changed account's health history (replacing an earlier one from today)."""
    for chunk in chunks(list(health_for)):
        session.execute(
            delete(HealthSnapshot).where(HealthSnapshot.account_id.in_(chunk), HealthSnapshot.taken_on == today)
        )
    rows = [{"account_id": i, "taken_on": today, "score": score} for i, score in health_for.items()]
    bulk_insert(session, HealthSnapshot.__table__, rows)
