"""The company every story starts from, with each team's channel on the platform the story runs on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from bot.models import TeamMember
from tests.factories import make_account, make_person, make_team
from tests.stories.driver import Driver

MAYA, SAM, BEA, ADA = "maya@example.com", "sam@example.com", "bea@example.com", "ada@example.com"


def company(driver: Driver) -> None:
    """Maya's Acme ($120,000, renewing in March); Sam in sales; Billing, worked by Bea, owns billing flags;
    Customer success owns the rest; Ada is an admin. Maya, Sam and Bea use Tend."""
    with driver.factory() as session:
        seed(session, driver.channel_of)
    for email, name in ((MAYA, "Maya Patel"), (SAM, "Sam Rivera"), (BEA, "Bea Biller")):
        driver.join(email, name)


def seed(session: Session, channel_of: Callable[[str], dict[str, str]]) -> None:
    """The company's people, account and teams; `channel_of` gives make_team a team's channel by its name."""
    maya = make_person(session, MAYA, name="Maya Patel", timezone="UTC")
    make_person(session, SAM, name="Sam Rivera", role="sales")
    bea = make_person(session, BEA, name="Bea Biller", role="billing")
    make_person(session, ADA, name="Ada Admin", role="admin")
    make_account(
        session,
        "Acme Corporation",
        domain="acme.example",
        owner_id=maya.id,
        arr=120000,
        renewal_date=date(2027, 3, 1),
        health_score=72,
    )
    billing = make_team(session, "Billing", categories=("billing",), **channel_of("billing"))
    session.add(TeamMember(team_id=billing.id, person_id=bea.id))
    make_team(session, "Customer success", categories=("other",), **channel_of("customer-success"))
    session.commit()
