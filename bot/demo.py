"""A small, realistic demo company, loaded through the same CSV importer operators use.

Dates are relative to the day it is loaded so countdowns look alive; loading twice changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.imports import ImportReport, import_csv
from bot.imports.accounts import HEADER as ACCOUNT_HEADER
from bot.models import Account, HealthSnapshot

DEMO_CSM = "maya@example.com"

PEOPLE = [
    ("olivia@example.com", "Olivia Chen", "manager", "", "Europe/London"),
    ("maya@example.com", "Maya Patel", "csm", "olivia@example.com", "America/New_York"),
    ("jonas@example.com", "Jonas Weber", "csm", "olivia@example.com", "Europe/Berlin"),
    ("aiko@example.com", "Aiko Tanaka", "csm", "olivia@example.com", "Asia/Tokyo"),
    ("sam@example.com", "Sam Rivera", "sales", "", "America/Los_Angeles"),
    ("priya@example.com", "Priya Shah", "support", "", "Asia/Kolkata"),
    ("ben@example.com", "Ben Okafor", "billing", "", "Europe/London"),
    ("alex@example.com", "Alex Morgan", "admin", "", "UTC"),
]

CS_TEAM = "maya@example.com;jonas@example.com;aiko@example.com"
TEAMS = [
    ("Billing", "#billing", "ben@example.com", "billing", "24", "ben@example.com"),
    ("Support", "#support", "priya@example.com", "support", "8", "priya@example.com"),
    ("Sales & Marketing", "#sales", "sam@example.com", "sales;marketing", "48", "sam@example.com"),
    ("Enablement", "#enablement", "olivia@example.com", "training", "72", CS_TEAM),
    ("Customer Success", "#customer-success", "olivia@example.com", "other;executive", "24", CS_TEAM),
]


@dataclass(frozen=True)
class DemoAccount:
    name: str
    domain: str
    owner: str
    tier: str
    arr: int
    renews_in: int | None
    health: int | None
    health_30_days_ago: int | None
    stage: str
    touched_days_ago: int | None
    criteria: str


ACCOUNTS = [
    DemoAccount(
        "Acme Corporation",
        "acme.example",
        "maya@example.com",
        "intimacy",
        240000,
        84,
        72,
        80,
        "adoption",
        9,
        "Cut support tickets by 30%;Roll out to 3 regions;Quarterly business review with the exec sponsor",
    ),
    DemoAccount(
        "Café Zürich",
        "cafe-zuerich.example",
        "jonas@example.com",
        "engagement",
        36000,
        45,
        58,
        61,
        "renewal",
        41,
        "Online ordering live in all 12 shops",
    ),
    DemoAccount(
        "Ōtsuka Shōkai",
        "otsuka.example",
        "aiko@example.com",
        "intimacy",
        410000,
        200,
        88,
        81,
        "expansion",
        3,
        "Adopt analytics in the Osaka office;Single sign-on for 2,000 users",
    ),
    DemoAccount(
        "Northwind Traders",
        "northwind.example",
        "maya@example.com",
        "engagement",
        52000,
        25,
        44,
        61,
        "at_risk",
        63,
        "Replace spreadsheets for stock planning;Weekly active use by 40 planners",
    ),
    DemoAccount(
        "Globex Europe",
        "globex-eu.example",
        "jonas@example.com",
        "service",
        18000,
        150,
        67,
        67,
        "adoption",
        20,
        "Self-serve onboarding completed",
    ),
    DemoAccount(
        "Globex Americas",
        "globex-us.example",
        "maya@example.com",
        "service",
        22000,
        320,
        71,
        None,
        "onboarding",
        5,
        "First dashboard shared with the CFO",
    ),
    DemoAccount("Initech", "initech.example", "", "service", 9000, 12, 50, 55, "renewal", 120, ""),
    DemoAccount(
        "Umbrella Health",
        "umbrella.example",
        "aiko@example.com",
        "engagement",
        96000,
        -5,
        35,
        52,
        "at_risk",
        30,
        "HIPAA review signed off;Nurses use mobile app daily",
    ),
    DemoAccount(
        "Stark Industries",
        "stark.example",
        "maya@example.com",
        "intimacy",
        780000,
        300,
        91,
        89,
        "expansion",
        2,
        "Expand to the energy division;Executive dashboard in every board meeting",
    ),
    DemoAccount(
        "Wayne Enterprises",
        "wayne.example",
        "jonas@example.com",
        "intimacy",
        520000,
        60,
        79,
        74,
        "renewal",
        14,
        "Security review passed;Three business units live",
    ),
    DemoAccount(
        "Hooli",
        "hooli.example",
        "aiko@example.com",
        "engagement",
        64000,
        110,
        62,
        70,
        "adoption",
        33,
        "Migrate off the legacy reporting tool",
    ),
    DemoAccount("Soylent", "soylent.example", "", "service", 4000, 365, None, None, "onboarding", None, ""),
]


def _csv(header: str, rows: Sequence[tuple[object, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header.split(","))
    writer.writerows(rows)
    return out.getvalue().encode()


def seed(session: Session, today: date) -> list[ImportReport]:
    """Load the demo company unless it is already there. Caller commits."""
    if session.scalar(select(Account.id).where(Account.domain == ACCOUNTS[0].domain)) is not None:
        return []
    reports = [
        import_csv(session, "people", _csv("email,name,role,manager_email,timezone", PEOPLE), today=today),
        import_csv(
            session, "teams", _csv("name,channel,manager_email,categories,sla_hours,members", TEAMS), today=today
        ),
    ]
    accounts = [
        (
            a.name,
            a.domain,
            a.owner,
            a.tier,
            a.arr,
            (today + timedelta(days=a.renews_in)).isoformat() if a.renews_in is not None else "",
            "" if a.health is None else a.health,
            a.stage,
            (today - timedelta(days=a.touched_days_ago)).isoformat() if a.touched_days_ago is not None else "",
            a.criteria,
        )
        for a in ACCOUNTS
    ]
    reports.append(import_csv(session, "accounts", _csv(",".join(ACCOUNT_HEADER), accounts), today=today))
    _backfill_health(session, today)
    return reports


def _backfill_health(session: Session, today: date) -> None:
    """Give each account a month of weekly health points leading to today's score."""
    ids = dict(session.execute(select(Account.domain, Account.id)).all())
    rows = []
    for account in ACCOUNTS:
        if account.health is None or account.health_30_days_ago is None:
            continue
        for days_ago in (30, 23, 16, 9, 2):
            share = (30 - days_ago) / 30
            score = round(account.health_30_days_ago + (account.health - account.health_30_days_ago) * share)
            rows.append(
                {"account_id": ids[account.domain], "taken_on": today - timedelta(days=days_ago), "score": score}
            )
    session.execute(insert(HealthSnapshot), rows)
