"""A nudge DM is written when it is sent: it says what is true then, leaves out what the CSM dealt with
meanwhile, hands an account that changed owner to its new CSM, and is never lost when it cannot be written."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.delivery import outbox
from bot.delivery.deliverer import deliver_due
from bot.gateway import Target
from bot.imports import import_csv
from bot.messages import Reply, Section
from bot.models import Account, Notification, Nudge
from bot.nudges import composing
from bot.nudges.actions import dismiss
from bot.nudges.rules import plan
from bot.nudges.sending import send_due
from bot.people.actors import actor_for_email
from tests.factories import make_account, make_person, make_team, untold_nudges
from tests.fakes.gateway import RecordingGateway

TUESDAY_10_UTC = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def queue(session, now: datetime = TUESDAY_10_UTC) -> None:
    plan(session, now, now.date())
    send_due(session, now, "UTC")
    session.commit()


def sections(reply: Reply) -> list[str]:
    return [block.text for block in reply.blocks if isinstance(block, Section)]


def actor(session):
    return actor_for_email(session, "maya@example.com")


def overdue(session, owner, name: str) -> Account:
    return make_account(session, name, owner_id=owner.id, last_touch_date=date(2026, 8, 1))


def test_what_the_csm_dealt_with_before_the_dm_went_out_is_left_out(session, factory):
    maya = make_person(session, "maya@example.com")
    overdue(session, maya, "Quiet Co")
    overdue(session, maya, "Other Co")
    session.commit()
    queue(session)
    quiet = select(Nudge.id).join(Account, Account.id == Nudge.account_id).where(Account.name == "Quiet Co")
    dismiss(session, list(session.scalars(quiet)), actor(session), TUESDAY_10_UTC)  # e.g. from the Home tab
    session.commit()
    gateway = RecordingGateway()
    deliver_due(factory, gateway, TUESDAY_10_UTC + timedelta(seconds=5))
    [(target, reply)] = gateway.sent
    assert (target.kind, target.ref) == ("person", "maya@example.com")
    assert sections(reply) == [
        "1 account could use a touch from you, most urgent first:",
        "Other Co\nno touch for 115 days",
    ]


def test_a_dm_left_with_nothing_to_say_is_not_sent_and_is_no_problem(session, factory):
    maya = make_person(session, "maya@example.com")
    overdue(session, maya, "Quiet Co")
    session.commit()
    queue(session)
    dismiss(session, list(session.scalars(select(Nudge.id))), actor(session), TUESDAY_10_UTC)
    session.commit()
    gateway = RecordingGateway()
    report = deliver_due(factory, gateway, TUESDAY_10_UTC + timedelta(seconds=5))
    assert gateway.sent == [] and report.dropped == 1 and "1 with nothing left to say" in str(report)
    session.expire_all()
    assert session.scalar(select(Notification.status)) == "dropped"
    assert outbox.health(session).problems == ()  # nothing for an admin to fix
    assert deliver_due(factory, gateway, TUESDAY_10_UTC + timedelta(minutes=5)).dropped == 0  # settled once


def reassign(session, name: str, owner: str) -> None:
    """As an admin does: the accounts CSV with the account's new owner."""
    data = f"name,tier,stage,owner_email\n{name},service,adoption,{owner}\n".encode()
    import_csv(session, "accounts", data, today=TUESDAY_10_UTC.date())
    session.commit()


def test_an_account_that_changed_hands_before_sending_goes_to_its_new_csm(session, factory):
    maya = make_person(session, "maya@example.com")
    make_person(session, "jonas@example.com")
    overdue(session, maya, "Acme")
    overdue(session, maya, "Beta")
    session.commit()
    queue(session)
    reassign(session, "Acme", "jonas@example.com")  # before Maya's DM went out
    gateway = RecordingGateway()
    deliver_due(factory, gateway, TUESDAY_10_UTC + timedelta(seconds=5))
    [(_, reply)] = gateway.sent
    assert [text.split("\n")[0] for text in sections(reply)[1:]] == ["Beta"]  # not one she no longer owns
    queue(session, TUESDAY_10_UTC + timedelta(hours=1))
    deliver_due(factory, gateway, TUESDAY_10_UTC + timedelta(hours=1, seconds=5))
    target, reply = gateway.sent[-1]
    assert target.ref == "jonas@example.com" and sections(reply)[1].startswith("Acme\n")


def test_a_new_owner_is_told_of_open_nudges_the_old_one_was_told(session, factory):
    maya = make_person(session, "maya@example.com")
    make_person(session, "jonas@example.com")
    overdue(session, maya, "Acme")
    session.commit()
    queue(session)
    gateway = RecordingGateway()
    deliver_due(factory, gateway, TUESDAY_10_UTC + timedelta(seconds=5))
    reassign(session, "Acme", "jonas@example.com")
    assert untold_nudges(session) == 1
    queue(session, TUESDAY_10_UTC + timedelta(hours=1))
    deliver_due(factory, gateway, TUESDAY_10_UTC + timedelta(hours=1, seconds=5))
    assert [target.ref for target, _ in gateway.sent] == ["maya@example.com", "jonas@example.com"]


def test_a_dm_that_cannot_be_written_is_retried_and_the_rest_still_goes(session, factory, monkeypatch):
    overdue(session, make_person(session, "maya@example.com"), "Acme")
    session.commit()
    queue(session)
    outbox.enqueue(session, "other", Target("slack", "channel", "#general"), Reply("hello"), TUESDAY_10_UTC)
    session.commit()
    real = composing.compose

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in writing nudges")

    monkeypatch.setattr(composing, "compose", broken)
    gateway = RecordingGateway()
    report = deliver_due(factory, gateway, TUESDAY_10_UTC + timedelta(seconds=5))
    assert [target.ref for target, _ in gateway.sent] == ["#general"] and report.retrying == 1
    monkeypatch.setattr(composing, "compose", real)  # the fix is deployed
    deliver_due(factory, gateway, TUESDAY_10_UTC + timedelta(minutes=1))
    assert [target.ref for target, _ in gateway.sent] == ["#general", "maya@example.com"]


def test_a_csm_whose_dm_is_still_to_go_gets_no_second_one_and_it_tells_what_came_due_meanwhile(session, factory):
    maya = make_person(session, "maya@example.com")
    overdue(session, maya, "Quiet Co")
    session.commit()
    queue(session)  # 10:00; no deliverer running until after 11:00
    overdue(session, maya, "Beta")
    session.commit()
    plan(session, TUESDAY_10_UTC + timedelta(hours=1), TUESDAY_10_UTC.date())
    report = send_due(session, TUESDAY_10_UTC + timedelta(hours=1), "UTC")
    session.commit()
    assert report.messages == 0 and "2 due nudges in messages not sent yet" in str(report)
    gateway = RecordingGateway()
    deliver_due(factory, gateway, TUESDAY_10_UTC + timedelta(hours=1, minutes=1))
    [(_, reply)] = gateway.sent  # one DM, telling both
    assert [text.split("\n")[0] for text in sections(reply)[1:]] == ["Beta", "Quiet Co"]
    assert untold_nudges(session) == 0
    queue(session, TUESDAY_10_UTC + timedelta(hours=2))
    assert deliver_due(factory, gateway, TUESDAY_10_UTC + timedelta(hours=2, minutes=1)).sent == 0


def test_the_teams_post_on_each_of_its_platforms_shows_the_same_accounts(session, factory):
    make_team(session, "Customer Success", "#customer-success", categories=("other",), teams_channel="19:cs@thread")
    make_account(session, "Orphan Inc")
    make_account(session, "Stray Ltd")
    session.commit()
    queue(session)
    slack, teams = RecordingGateway(platform="slack"), RecordingGateway(platform="teams")
    deliver_due(factory, slack, TUESDAY_10_UTC + timedelta(seconds=5))  # one deliverer per platform
    deliver_due(factory, teams, TUESDAY_10_UTC + timedelta(seconds=6))  # the nudges were told by the first
    posts = [sections(reply) for _, reply in slack.sent + teams.sent]
    assert posts[0] == posts[1] == ["2 accounts have no CSM. Who will take them?", "Orphan Inc", "Stray Ltd"]
