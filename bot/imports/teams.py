"""The teams CSV: each team's channel on each chat platform, manager and SLA, the flag categories it owns
(routing rules), and optionally its members (the people who work its flags)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, insert, select
from sqlalchemy.orm import Session

from bot.imports.common import Counts, ImportReport, Known, RowError, Valid
from bot.imports.rows import CsvRow, Problems, email, integer, split_list, text_value
from bot.models import RoutingRule, Team, TeamChannel, TeamMember
from bot.text import fold
from bot.vocab import Category, choices

REQUIRED = ("name", "channel", "categories")
DEFAULT_SLA_HOURS = 24


@dataclass(frozen=True)
class ChannelColumn:
    """A column of the CSV naming the team's channel on one platform, and what such a channel looks like."""

    platform: str
    looks_right: re.Pattern[str]
    example: str


CHANNELS = {
    "channel": ChannelColumn(
        "slack",
        re.compile(r"^([a-z0-9][a-z0-9_-]{0,79}|[CG][A-Z0-9]{6,})$"),
        "a Slack channel name (like #billing) or id (like C0123ABCD)",
    ),
    "teams_channel": ChannelColumn(
        "teams",
        re.compile(r"^19:[A-Za-z0-9_.-]+@thread\.(tacv2|skype)$"),
        "a Teams channel id (like 19:…@thread.tacv2)",
    ),
}


def validate(row: CsvRow, known: Known) -> tuple[tuple[str, str], dict[str, Any]]:
    problems = Problems()
    name = problems.check(text_value, row.get("name"), "name", 100, required=True)
    channels = _channels(row, problems)
    categories = [c.lower() for c in problems.check(split_list, row.get("categories"), "categories") or []]
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
    members = _members(row, known, problems)
    problems.raise_any()
    values = {
        "name": name,
        "channels": channels,  # platform → channel, for the platforms whose column the file has ("": none)
        "manager_id": manager_id,
        "sla_hours": sla or DEFAULT_SLA_HOURS,
        "categories": sorted(set(categories)),
        "members": members,  # None: the file has no members column, and the team's members stay as they are
    }
    return ("name", fold(name or "")), values


def _channels(row: CsvRow, problems: Problems) -> dict[str, str]:
    """The team's channel on each platform the file has a column for; at least one must be given."""
    found: dict[str, str] = {}
    for column, expected in CHANNELS.items():
        if not row.has(column):
            continue
        given = row.get(column).strip()
        channel = given.lstrip("#") if expected.platform == "slack" else given
        if channel and not expected.looks_right.match(channel):
            problems.add(f"{column} “{given}” is not {expected.example}")
        found[expected.platform] = channel
    if not any(found.values()) and len(found) == len(CHANNELS):  # else the team may keep a channel the file omits
        problems.add(f"no channel: give {' or '.join(CHANNELS)}")
    return found


def _members(row: CsvRow, known: Known, problems: Problems) -> set[int] | None:
    """The people who work the team's flags (`;`-separated emails), each already in the people list."""
    if not row.has("members"):
        return None
    found: set[int] = set()
    for address in row.get("members").split(";"):
        if not address.strip() or problems.check(email, address, "members") is None:
            continue
        person_id = known.person_ids.get(address.strip().lower())
        if person_id is None:
            problems.add(f"unknown member email “{address.strip()}” (import people first)")
        else:
            found.add(person_id)
    return found


def apply(session: Session, valid: list[Valid], header: list[str], known: Known, report: ImportReport) -> Counts:
    owner_line: dict[str, int] = {}
    kept: list[Valid] = []
    for item in valid:
        clash = [c for c in item.values["categories"] if c in owner_line]
        if clash:
            where = owner_line[clash[0]]
            report.rejected.append(
                RowError(item.line, f"category {', '.join(clash)} already belongs to the team on line {where}")
            )
            continue
        owner_line.update({c: item.line for c in item.values["categories"]})
        kept.append(item)
    teams = {fold(t.name): t for t in session.scalars(select(Team))}
    rules: dict[int, set[str]] = {}
    owner_of: dict[str, int] = {}
    for category, team_id in session.execute(select(RoutingRule.category, RoutingRule.team_id)):
        rules.setdefault(team_id, set()).add(category)
        owner_of[category] = team_id
    names = {t.id: t.name for t in teams.values()}
    for item in kept:  # a category the file gives a team moves to it: say from which
        own = teams.get(item.key[1])
        for category in item.values["categories"]:
            losing = owner_of.get(category)
            if losing is not None and (own is None or losing != own.id):
                report.notes.append(f"line {item.line}: {category} moves from {names[losing]} to {item.values['name']}")
    members: dict[int, set[int]] = {}
    for team_id, person_id in session.execute(select(TeamMember.team_id, TeamMember.person_id)):
        members.setdefault(team_id, set()).add(person_id)
    channels: dict[int, dict[str, str]] = {}
    for team_id, platform, channel in session.execute(
        select(TeamChannel.team_id, TeamChannel.platform, TeamChannel.channel)
    ):
        channels.setdefault(team_id, {})[platform] = channel
    counts = Counts()
    for item in kept:  # teams are few: a handful of rows, not a bulk load
        values = item.values
        fields = {f: values[f] for f in ("name", "manager_id", "sla_hours")}
        team = teams.get(item.key[1])
        if team is None:
            team = Team(**fields)
            session.add(team)
            session.flush()
            counts.created += 1
        elif (
            all(getattr(team, f) == v for f, v in fields.items())
            and rules.get(team.id) == set(values["categories"])
            and values["members"] in (None, members.get(team.id, set()))
            and _kept_channels(channels.get(team.id, {}), values["channels"]) == channels.get(team.id, {})
        ):
            counts.unchanged += 1
            continue
        else:
            for f, v in fields.items():
                setattr(team, f, v)
            counts.updated += 1
        # The file is the truth for this team's categories; a category it names moves here from any other team.
        session.execute(
            delete(RoutingRule).where((RoutingRule.team_id == team.id) | RoutingRule.category.in_(values["categories"]))
        )
        session.execute(insert(RoutingRule), [{"category": c, "team_id": team.id} for c in values["categories"]])
        # ... and for its channel on each platform the file has a column for (the others stay as they are).
        now_on = _kept_channels(channels.get(team.id, {}), values["channels"])
        session.execute(delete(TeamChannel).where(TeamChannel.team_id == team.id))
        if now_on:
            rows = [{"team_id": team.id, "platform": p, "channel": c} for p, c in sorted(now_on.items())]
            session.execute(insert(TeamChannel), rows)
        else:
            report.notes.append(
                f"line {item.line}: {team.name} has no channel on any platform: its flags are posted nowhere"
            )
        if values["members"] is not None:  # the file is the truth for the team's members too
            session.execute(delete(TeamMember).where(TeamMember.team_id == team.id))
            if values["members"]:
                rows = [{"team_id": team.id, "person_id": p} for p in sorted(values["members"])]
                session.execute(insert(TeamMember), rows)
    if not session.scalar(select(exists().where(RoutingRule.category == Category.OTHER.value))):
        report.notes.append(
            "no team owns `other` now: flags no other team owns, and flags on unowned accounts, will reach no "
            "one. Give `other` to the customer-success team."
        )
    return counts


def _kept_channels(before: dict[str, str], given: dict[str, str]) -> dict[str, str]:
    """The team's channels once the file's are applied: a platform's column rules it, empty removes it."""
    merged = {**before, **given}
    return {platform: channel for platform, channel in merged.items() if channel}
