"""Admins' nudge rules and holidays (`commands/admin_calendar.py`, through `/tend admin`)."""

from __future__ import annotations

from datetime import date

from bot.models import Holiday
from commands.router import dispatch
from tests.commands.nudges.scenario import ctx, seed
from tests.factories import make_person


def test_admins_change_rules_and_holidays(session):
    seed(session)
    make_person(session, "alex@example.com", role="admin")
    session.commit()
    admin = ctx(session, "alex@example.com")
    assert "no_touch_days_intimacy = 7 (default 14)" in str(
        dispatch(admin, "/tend", "admin nudges set no_touch_days_intimacy 7").blocks
    )
    assert "Fri 25 Dec 2026: Christmas" in str(
        dispatch(admin, "/tend", "admin holidays add 2026-12-25 Christmas").blocks
    )
    session.commit()
    assert session.get(Holiday, date(2026, 12, 25)).name == "Christmas"
    assert "Only Tend admins" in dispatch(ctx(session), "/tend", "admin holidays add 2026-12-26 x").text


def test_admin_commands_refuse_what_cannot_be_right_and_say_what_is_allowed(session):
    seed(session)
    make_person(session, "alex@example.com", role="admin")
    session.commit()
    admin = ctx(session, "alex@example.com")

    def said(text: str) -> str:
        reply = dispatch(admin, "/tend", text)
        session.commit()  # each command is its own transaction
        return reply.text + str(reply.blocks)

    for bad in ("1000", "-5", "lots"):
        assert "health_floor takes a whole number from 0 to 100" in said(f"admin nudges set health_floor {bad}")
    assert "There is no nudge rule “health_flor”. Did you mean health_floor?" in said("admin nudges set health_flor 40")
    assert "first > second > last" in said("admin nudges set renewal_days_second 95")  # first is 90
    assert "first > second > last" in said("admin nudges set renewal_days_last 60")
    assert "renewal_days_first = 120 (default 90)" in said("admin nudges set renewal_days_first 120")
    assert "health_floor = 50: health crossing below this (0–100)" in said("admin nudges")

    assert "is not a holiday, so there was nothing to remove" in said("admin holidays remove 2026-12-28")
    said("admin holidays add 2026-12-25 Xmas")
    assert "already was a holiday: renamed from “Xmas” to “Christmas Day”" in said(
        "admin holidays add 2026-12-25 Christmas Day"
    )
    assert "2026-11-01 has passed" in said("admin holidays add 2026-11-01 Past")
    assert "Removed Fri 25 Dec 2026 (Christmas Day)" in said("admin holidays remove 2026-12-25")
    session.commit()
    assert session.get(Holiday, date(2026, 11, 1)) is None
