"""The manager's digest opens with what needs them now, whatever changed or not: a worklist, most money at
stake first, that says how long each item has been on it; then what changed; then the team."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update

from bot.clock import FixedClock
from bot.digests.build import send_due
from bot.messages import from_dict
from bot.models import Account, Flag, Notification
from bot.people.actors import actor_for_email
from commands.context import CommandContext
from commands.router import dispatch
from tests.factories import make_account, make_flag, make_person, make_team

TUESDAY_9 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
TUESDAY = TUESDAY_9.date()


def digests(session) -> list[str]:
    session.expire_all()
    payloads = session.scalars(
        select(Notification.payload).where(Notification.dedupe_key.like("digest:%")).order_by(Notification.id)
    )
    return ["\n".join(getattr(b, "text", "") for b in from_dict(p).blocks) for p in payloads]


def needs_now(text: str) -> list[str]:
    """The lines of the digest's "What needs you now" list."""
    part = text.split("What needs you now", 1)[1].split("\nWhat changed", 1)[0]
    return [line[2:] for line in part.splitlines() if line.startswith("• ")]


def olivia_and_team(session):
    olivia = make_person(session, "olivia@example.com", name="Olivia", role="manager")
    jonas = make_person(session, "jonas@example.com", name="Jonas", manager_id=olivia.id)
    aiko = make_person(session, "aiko@example.com", name="Aiko", manager_id=olivia.id)
    return olivia, jonas, aiko


def test_the_managers_first_digest_never_says_all_quiet_beside_a_churning_account(session):
    """Seen: "All quiet on your team's accounts" while the team owned this account."""
    _olivia, jonas, aiko = olivia_and_team(session)
    make_account(
        session,
        "Globex",
        owner_id=jonas.id,
        health_score=29,
        stage="at_risk",
        renewal_date=TUESDAY + timedelta(days=15),
        last_touch_date=TUESDAY - timedelta(days=52),
        arr=Decimal(780_000),
    )
    make_account(  # renews in 20 days, untouched for 95: at risk by its cadence alone
        session,
        "Initech",
        owner_id=aiko.id,
        renewal_date=TUESDAY + timedelta(days=20),
        last_touch_date=TUESDAY - timedelta(days=95),
        arr=Decimal(120_000),
    )
    make_account(  # renews in 45 days at health 38, last touched three weeks ago
        session,
        "Hooli",
        owner_id=aiko.id,
        health_score=38,
        renewal_date=TUESDAY + timedelta(days=45),
        last_touch_date=TUESDAY - timedelta(days=21),
        arr=Decimal(300_000),
    )
    make_account(  # fine: not listed
        session, "Calm Co", owner_id=aiko.id, health_score=90, last_touch_date=TUESDAY, arr=Decimal(900_000)
    )
    session.commit()
    send_due(session, TUESDAY_9, "UTC")
    session.commit()
    [text] = digests(session)
    assert "All quiet" not in text
    assert needs_now(text) == [
        "Globex (Jonas), ARR 780,000: renews in 15 days, health 29, stage at risk, no touch for 52 days",
        "Hooli (Aiko), ARR 300,000: health 38, renews in 45 days, last touch 21 days ago",
        "Initech (Aiko), ARR 120,000: renews in 20 days, no touch for 95 days",
    ]
    assert "What changed in the past week (your first digest)" in text


def test_the_list_reads_as_a_worklist_day_after_day(session):
    olivia, jonas, _aiko = olivia_and_team(session)
    globex = make_account(
        session,
        "Globex",
        owner_id=jonas.id,
        health_score=29,
        renewal_date=TUESDAY + timedelta(days=15),
        last_touch_date=TUESDAY - timedelta(days=52),
        arr=Decimal(780_000),
    )
    support = make_team(session, name="Support", channel="#support", sla_hours=8)
    session.add(support)
    session.flush()
    flag = make_flag(session, globex, team_id=support.id, sla_due_at=TUESDAY_9 + timedelta(hours=20))
    session.commit()
    for day in range(3):  # Tuesday, Wednesday, Thursday at 09:00
        send_due(session, TUESDAY_9 + timedelta(days=day), "UTC")
        session.commit()
    tuesday, wednesday, thursday = digests(session)
    assert needs_now(tuesday) == ["Globex (Jonas), ARR 780,000: renews in 15 days, health 29, no touch for 52 days"]
    assert "flag #1" not in tuesday.split("What changed")[0]  # not yet past its SLA
    assert needs_now(wednesday) == [
        "Globex (Jonas), ARR 780,000: renews in 14 days, health 29, no touch for 53 days — 2nd day",
        "Globex (Jonas), ARR 780,000: flag #1 (support) past its SLA by 4 hours, nobody on Support has taken it",
    ]
    assert "What changed since your last digest (Tue 24 Nov)" in wednesday  # the previous digest's date
    assert needs_now(thursday)[0].endswith("— 3rd day") and needs_now(thursday)[1].endswith("— 2nd day")

    # Jonas logs a call and takes the flag: Friday's list no longer has them; a later return starts again.
    session.execute(update(Account).values(last_touch_date=TUESDAY + timedelta(days=3), health_score=70))
    session.execute(update(Flag).where(Flag.id == flag.id).values(status="taken"))
    session.commit()
    send_due(session, TUESDAY_9 + timedelta(days=3), "UTC")
    session.commit()
    friday = digests(session)[-1]
    assert "What needs you now: nothing." in friday and "All quiet" not in friday  # the flag changed hands
    session.execute(update(Account).values(health_score=20))
    session.commit()
    send_due(session, TUESDAY_9 + timedelta(days=6), "UTC")  # Monday
    session.commit()
    assert needs_now(digests(session)[-1]) == [
        "Globex (Jonas), ARR 780,000: renews in 9 days, health 20, last touch 3 days ago"
    ]
    assert olivia.id


def test_eight_in_full_then_digest_all_really_lists_them_all_paged(session):
    olivia, jonas, _aiko = olivia_and_team(session)
    for n in range(70):
        make_account(
            session,
            f"Account {n:02}",
            owner_id=jonas.id,
            health_score=30,
            renewal_date=TUESDAY + timedelta(days=10),
            last_touch_date=TUESDAY - timedelta(days=40),
            arr=Decimal(1000 * (n + 1)),
        )
    session.commit()
    send_due(session, TUESDAY_9, "UTC")
    session.commit()
    [text] = digests(session)
    listed = needs_now(text)
    assert [line.split(" (")[0] for line in listed] == [f"Account {n:02}" for n in range(69, 61, -1)]
    assert "…and 62 more: /tend digest all" in text
    assert "Past their touch cadence: none new (70 past it in all: /tend digest all)" in text

    ctx = CommandContext(session, actor_for_email(session, olivia.email), FixedClock(TUESDAY_9 + timedelta(hours=1)))
    pages, seen = [], []
    reply = dispatch(ctx, "/tend", "digest all")
    while True:
        page_text = "\n".join(getattr(b, "text", "") for b in reply.blocks)
        pages.append(page_text)
        seen += [line for line in page_text.splitlines() if line.startswith("• Account")]
        if "for the next." not in page_text:
            break
        reply = dispatch(ctx, "/tend", f"digest all {len(pages) + 1}")
    needs = [line for line in seen if "renews in 10 days" in line and "ARR" in line]
    assert len(needs) == 70  # every item of the worklist, across the pages
    past_cadence = [line for line in seen if line.endswith("no touch for 40 days")]
    assert len(past_cadence) >= 70  # the 70 past their cadence that the daily message only counts
    assert len(pages) >= 3 and "(page 1 of" in pages[0]
    assert dispatch(ctx, "/tend", "digest all 99").text.startswith("Preview (not sent): There are")


def test_colleagues_flags_count_other_peoples_flags_only(session):
    _olivia, jonas, _aiko = olivia_and_team(session)
    globex = make_account(session, "Globex", owner_id=jonas.id, last_touch_date=TUESDAY)
    for n in range(3):  # Jonas's own flags about his own account are not a churn signal from colleagues
        make_flag(session, globex, reporter_person_id=jonas.id, created_at=TUESDAY_9 - timedelta(days=n + 1))
    session.commit()
    send_due(session, TUESDAY_9, "UTC")
    session.commit()
    assert "Rising flags" not in digests(session)[0]
    sam = make_person(session, "sam@example.com", name="Sam")
    for n in range(2):
        make_flag(session, globex, reporter_person_id=sam.id, created_at=TUESDAY_9 + timedelta(hours=n + 1))
    session.commit()
    send_due(session, TUESDAY_9 + timedelta(days=1), "UTC")
    session.commit()
    assert "Globex (Jonas): 2 flags from colleagues in 30 days (was 0)" in digests(session)[-1]


def test_only_a_day_with_nothing_to_do_and_nothing_changed_is_quiet(session):
    _olivia, jonas, _aiko = olivia_and_team(session)
    make_account(session, "Calm Co", owner_id=jonas.id, health_score=90, last_touch_date=TUESDAY)
    session.commit()
    send_due(session, TUESDAY_9, "UTC")
    session.commit()
    assert digests(session) == [
        "All quiet: nothing needs you, and nothing changed on your team's accounts in the past week "
        "(your first digest)."
    ]
    session.execute(update(Account).values(stage="at_risk", health_score=30))  # nothing "changed" on record
    session.commit()
    send_due(session, TUESDAY_9 + timedelta(days=14), "UTC")
    session.commit()
    later = digests(session)[-1]
    assert "All quiet" not in later
    assert needs_now(later) == ["Calm Co (Jonas), ARR 10,000: health 30, stage at risk, last touch 14 days ago"]
    assert "What changed since your last digest (Tue 24 Nov): nothing." in later
    assert date(2026, 12, 8) == (TUESDAY_9 + timedelta(days=14)).date()
