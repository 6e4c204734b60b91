"""What a CSM does with a nudge, through the command layer every platform uses: log a check-in, snooze,
dismiss, update criteria; `/tend checkin`, `/tend nudges`, `/tend settings`; admins' rules and holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, update

from bot.clock import FixedClock
from bot.messages import Actions, Form, Reply, Section, from_dict
from bot.models import (
    Account,
    CheckIn,
    Holiday,
    Notification,
    Nudge,
    NudgeEvent,
    Person,
    SuccessCriterion,
)
from bot.nudges.rules import plan
from bot.nudges.sending import send_due
from bot.people import reach
from bot.people.actors import actor_for_email
from commands.context import CommandContext
from commands.router import check_form, dispatch, dispatch_action, dispatch_form
from tests.factories import make_account, make_identity, make_person

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # Tuesday


def ctx(session, email: str = "maya@example.com", now: datetime = NOW, request_id: str | None = None) -> CommandContext:
    context = CommandContext(session, actor_for_email(session, email), FixedClock(now))
    if request_id:
        context.request_id = request_id
    return context


def nudge_run(session, now: datetime = NOW) -> list[Reply]:
    """Plan and queue as the clock does; the messages queued by this run."""
    before = session.scalar(select(Notification.id).order_by(Notification.id.desc()).limit(1)) or 0
    plan(session, now, now.date())
    send_due(session, now, "UTC")
    session.commit()
    rows = session.scalars(select(Notification.payload).where(Notification.id > before).order_by(Notification.id))
    return [from_dict(payload) for payload in rows]


def press(session, reply: Reply, label: str, nth: int = 0, **options) -> Reply | Form:
    button = [b for block in reply.blocks if isinstance(block, Actions) for b in block.buttons if b.label == label][nth]
    return dispatch_action(ctx(session, **options), button.action, button.value)


def submit(session, shown: Form, answers: dict[str, str], **options) -> Reply:
    result = dispatch_form(ctx(session, **options), shown.action, shown.value, answers)
    session.commit()
    return result


def seed(session) -> Account:
    lena = make_person(session, "lena@example.com", name="Lena Lead", role="manager")
    maya = make_person(session, "maya@example.com", name="Maya Patel", manager_id=lena.id)
    make_person(session, "sam@example.com", name="Sam Rivera", role="sales")
    account = make_account(
        session,
        "Acme Corporation",
        owner_id=maya.id,
        last_touch_date=date(2026, 9, 1),
        renewal_date=date(2026, 12, 14),
        criteria=("Go live", "Train 50 admins"),
    )
    for criterion in session.scalars(select(SuccessCriterion)):
        criterion.updated_on = date(2026, 9, 1)
    session.commit()
    return account


def test_log_check_in_stops_the_nudge(session):
    seed(session)
    [dm] = nudge_run(session)
    shown = press(session, dm, "Log check-in")
    assert isinstance(shown, Form) and shown.title == "Log a check-in"
    done = submit(session, shown, {"channel": "meeting", "note": "QBR booked"}, request_id="view:V1")
    assert done.text == "Logged a meeting with Acme Corporation today. 2 open nudges about it are done."
    again = submit(session, shown, {"channel": "meeting", "note": "QBR booked"}, request_id="view:V1")
    assert again.text == "That check-in with Acme Corporation is logged already."
    assert session.scalar(select(Account.last_touch_date)) == date(2026, 11, 24)
    assert len(session.scalars(select(CheckIn)).all()) == 1
    assert nudge_run(session, NOW + timedelta(hours=1)) == []  # touched: no touch or renewal nudge again
    stale = session.scalars(select(Nudge.reason).where(Nudge.status == "open")).all()
    assert set(stale) == {"criterion"}  # a check-in does not settle the criteria


def test_checkin_command_from_anywhere(session):
    seed(session)
    nudge_run(session)
    reply = dispatch(ctx(session, "sam@example.com"), "/tend", "checkin acme call Heard they are hiring")
    assert reply.text == "Logged a call with Acme Corporation today. 2 open nudges about it are done."
    assert session.scalar(select(CheckIn.note)) == "Heard they are hiring"
    assert isinstance(dispatch(ctx(session), "/tend", "checkin acme"), Form)  # no note: the form asks
    assert "No account matches" in dispatch(ctx(session), "/tend", "checkin zzzzqqq").text


def test_snooze_until_a_date_brings_it_back_once_then(session):
    seed(session)
    [dm] = nudge_run(session)
    shown = press(session, dm, "Snooze")
    assert isinstance(shown, Form)
    today = NOW.date()
    assert check_form(shown.action, {"for": "date", "until": "soon"}, today) == {
        "until": "Write the date as YYYY-MM-DD, e.g. 2027-01-15."
    }
    assert check_form(shown.action, {"for": "date", "until": ""}, today) == {  # required for "until a date"
        "until": "Write the date as YYYY-MM-DD, e.g. 2027-01-15."
    }
    past = {"for": "date", "until": (today - timedelta(days=3)).isoformat()}  # re-asked, as a malformed one
    assert check_form(shown.action, past, today) == {"until": f"Choose a day after today ({today.isoformat()})."}
    assert check_form(shown.action, {"for": "date", "until": today.isoformat()}, today) != {}
    assert "until" in check_form(shown.action, {"for": "date", "until": "2028-06-01"}, today)
    assert check_form(shown.action, {"for": "1w", "until": ""}, today) == {}
    assert [i.label for i in shown.inputs] == ["For", "Until (YYYY-MM-DD)", "Why?"]  # no "(optional)" twice
    reply = submit(session, shown, {"for": "date", "until": "2026-12-01", "reason": "customer on holiday"})
    assert reply.text == "Snoozed Acme Corporation until Tue 01 Dec 2026."
    for day in range(1, 7):
        assert nudge_run(session, NOW + timedelta(days=day)) == []
    [back] = nudge_run(session, datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    assert "Acme Corporation" in back.text
    assert nudge_run(session, datetime(2026, 12, 1, 11, 0, tzinfo=UTC)) == []


def test_dismiss_one_reason_or_all_for_this_cycle(session):
    seed(session)
    [dm] = nudge_run(session)
    shown = press(session, dm, "Dismiss")  # Acme is due for three reasons: which?
    assert isinstance(shown, Form)
    options = {o.label: o.value for o in shown.inputs[0].options}
    assert list(options) == ["All of them", "The renewal", "No recent touch", "A stale success criterion"]
    reply = submit(session, shown, {"which": options["The renewal"]})
    assert reply.text.startswith("Dismissed: no more nudges about Acme Corporation")
    open_reasons = set(session.scalars(select(Nudge.reason).where(Nudge.status == "open")))
    assert open_reasons == {"no_touch", "criterion"}
    submit(session, shown, {"which": "all"})
    assert nudge_run(session, NOW + timedelta(days=1)) == []


def test_three_snoozes_in_a_row_reach_the_manager(session):
    seed(session)
    [dm] = nudge_run(session)
    for n in range(3):
        shown = press(session, dm, "Snooze")
        reply = submit(session, shown, {"for": "1d", "reason": f"busy {n}"}, now=NOW + timedelta(days=n))
    assert "your manager will hear of it" in reply.text
    events = session.scalars(select(NudgeEvent.kind).where(NudgeEvent.kind == "escalated")).all()
    assert len(events) == 3  # one per reason snoozed: renewal, no touch, stale criterion
    told = session.scalars(select(Notification.payload).where(Notification.target_ref == "lena@example.com")).all()
    assert len(told) == 1  # one message about the account, naming every reason
    assert (
        "snoozed the nudge about Acme Corporation (the renewal, no recent touch, a stale success criterion) 3 times"
        in (told[0]["text"])
    )


def test_update_criteria_settles_the_stale_one(session):
    seed(session)
    [dm] = nudge_run(session)
    shown = press(session, dm, "Update criteria")
    assert isinstance(shown, Form) and [i.label for i in shown.inputs] == ["Go live", "Train 50 admins"]
    answers = {i.name: "on_track" for i in shown.inputs}
    assert submit(session, shown, answers).text == "Saved 2 success criteria."
    assert set(session.scalars(select(SuccessCriterion.status))) == {"on_track"}
    assert not session.scalars(select(Nudge).where(Nudge.reason == "criterion", Nudge.status == "open")).all()


def test_someone_elses_nudges_cannot_be_changed(session):
    seed(session)
    [dm] = nudge_run(session)
    refused = press(session, dm, "Dismiss", email="sam@example.com")
    assert refused.text == (
        "Only Maya Patel (Acme Corporation's CSM), a manager or a Tend admin can snooze or dismiss its nudges. "
        "Nothing changed."
    )
    criteria = press(session, dm, "Update criteria", email="sam@example.com")
    assert criteria.text.startswith("Only Maya Patel (Acme Corporation's CSM), a manager or a Tend admin can update")


def test_tend_nudges_lists_what_is_due_and_when_the_next_message_comes(session):
    seed(session)  # the clock has not planned anything yet: /tend nudges is current anyway
    reply = dispatch(ctx(session, now=NOW.replace(hour=20)), "/tend", "nudges")
    session.commit()
    assert reply.text == "1 account could use a touch from you, most urgent first:"
    texts = [getattr(b, "text", "") for b in reply.blocks]
    assert "Acme Corporation\nrenews in 20 days, no touch for 84 days, success criterion" in ("\n".join(texts))
    assert texts[-1].endswith("Next: Wed 25 Nov, 09:00.")
    [dm] = nudge_run(session, NOW + timedelta(days=1))  # the next morning: the same nudges, in one DM, once
    assert dm.text.startswith("1 account could use a touch from you: Acme Corporation")
    assert nudge_run(session, NOW + timedelta(days=1, hours=1)) == []


def test_settings_change_the_hours_days_and_time_zone(session):
    seed(session)
    reply = dispatch(ctx(session), "/tend", "settings hours 07:30-15:30")
    assert reply.text.startswith("Saved. Tend nudges you 07:30–15:30, Mon–Fri (UTC)")
    dispatch(ctx(session), "/tend", "settings days mon-thu")
    dispatch(ctx(session), "/tend", "settings timezone Asia/Tokyo")
    session.commit()
    maya = session.scalar(select(Person).where(Person.email == "maya@example.com"))
    assert (maya.work_start, maya.work_end, maya.work_days, maya.timezone) == (
        time(7, 30),
        time(15, 30),
        "1234",
        "Asia/Tokyo",
    )
    for bad, answer in (
        ("hours 17:00-09:00", "must end after it starts"),
        ("days funday", "Name your days"),
        ("timezone Mars/Olympus", "not a time zone I know"),
    ):
        assert answer in dispatch(ctx(session), "/tend", f"settings {bad}").text


def test_someone_on_slack_and_teams_chooses_where_their_nudges_go(session):
    seed(session)
    maya = session.scalar(select(Person).where(Person.email == "maya@example.com"))
    assert "nothing to choose from" in dispatch(ctx(session), "/tend", "settings chat teams").text  # seen nowhere
    make_identity(session, maya, "slack", NOW - timedelta(days=2))
    session.commit()
    assert "You use Tend on Slack only" in dispatch(ctx(session), "/tend", "settings chat teams").text
    make_identity(session, maya, "teams", NOW - timedelta(days=1))
    session.commit()
    assert "go to wherever you used Tend last" in dispatch(ctx(session), "/tend", "settings").text
    assert reach.platforms_of(session, [maya.id]) == {maya.id: "teams"}
    assert "Your nudges and digests go to Slack." in dispatch(ctx(session), "/tend", "settings chat Slack").text
    assert reach.platforms_of(session, [maya.id]) == {maya.id: "slack"}
    assert "Choose slack or teams" in dispatch(ctx(session), "/tend", "settings chat webex").text
    dispatch(ctx(session), "/tend", "settings chat last")
    assert reach.platforms_of(session, [maya.id]) == {maya.id: "teams"}


def test_mistyped_commands_settings_and_zones_get_a_did_you_mean(session):
    seed(session)
    me = ctx(session, "sam@example.com")
    setings = dispatch(me, "/tend", "setings")
    assert setings.text.startswith("I don't know “/tend setings”. Did you mean /tend settings?")
    assert "What Tend can do" not in setings.text  # not the whole help
    assert "Did you mean /account acme?" in dispatch(me, "/acount", "acme").text
    assert "What Tend can do" in dispatch(me, "/tend", "xyzzy").text  # nothing close: the help
    assert "There is no setting “tmezone”. Did you mean timezone?" in dispatch(me, "/tend", "settings tmezone x").text
    assert "Saved." in dispatch(me, "/tend", "settings timezone europe/berlin").text
    session.commit()
    assert session.scalar(select(Person.timezone).where(Person.email == "sam@example.com")) == "Europe/Berlin"
    assert "Did you mean Europe/Berlin?" in dispatch(me, "/tend", "settings timezone Europe/Berln").text


def test_an_unknown_kind_of_check_in_is_refused_with_the_kinds(session):
    seed(session)
    me = ctx(session, "sam@example.com")
    refused = dispatch(me, "/tend", "checkin acme telegram they are happy").text
    assert "Tend doesn't log “telegram” as a kind of touch" in refused and "call, email, meeting, chat" in refused
    assert "Did you mean email?" in dispatch(me, "/tend", "checkin acme emial sent the deck").text
    assert session.scalar(select(func.count()).select_from(CheckIn)) == 0
    logged = dispatch(me, "/tend", "checkin acme all good, they liked the demo").text
    assert logged.startswith("Logged a chat with Acme Corporation today.")


def test_a_check_in_for_several_matching_accounts_offers_them_and_keeps_the_rest(session):
    seed(session)
    make_account(session, "Acme Logistics")
    session.commit()
    shown = dispatch(ctx(session, "sam@example.com"), "/tend", "checkin acme email sent the renewal deck")
    assert isinstance(shown, Form)
    account, how, note = shown.inputs
    assert account.label == "Which account?" and sorted(o.label for o in account.options) == [
        "Acme Corporation",
        "Acme Logistics",
    ]
    assert (how.initial, note.initial) == ("email", "sent the renewal deck")
    chosen = next(o.value for o in account.options if o.label == "Acme Logistics")
    reply = submit(session, shown, {"account": chosen, "channel": "email", "note": "sent the renewal deck"})
    assert reply.text.startswith("Logged an email with Acme Logistics today.")


def test_someone_who_owns_no_accounts_is_not_told_when_nudges_reach_them(session):
    seed(session)
    reply = dispatch(ctx(session, "sam@example.com"), "/tend", "nudges")
    assert reply.text.startswith("You own no accounts, so Tend has nothing to nudge you about")
    assert "Nudges reach you" not in str(reply.blocks)


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


def test_umbrella_nudge_home_and_nudges_list_tell_the_same_whole_truth(session):
    """Umbrella Health was due for its touch cadence only, but its renewal is overdue and its health low: the
    nudge, /tend nudges and the Home tab all say all of it, most urgent first, in the same words."""
    maya = make_person(session, "maya@example.com", name="Maya Patel")
    make_account(
        session,
        "Umbrella Health",
        owner_id=maya.id,
        last_touch_date=date(2026, 10, 24),
        renewal_date=date(2026, 11, 18),
        health_score=35,
    )
    make_account(session, "Quiet Co", owner_id=maya.id, last_touch_date=date(2026, 10, 1), arr=1000)
    session.commit()
    dm = nudge_run(session)[0]
    assert set(session.scalars(select(Nudge.reason))) == {"no_touch"}  # the one reason that planned it
    truth = "Umbrella Health: renewal overdue by 6 days, health 35, no touch for 31 days"
    entries = [b.text.replace("\n", ": ") for b in dm.blocks if isinstance(b, Section)]
    assert entries[1:] == [truth, "Quiet Co: no touch for 54 days"]  # the most urgent first, whatever the ARR
    home = dispatch(ctx(session), "/tend", "home")
    assert f"• {truth}\n• Quiet Co: no touch for 54 days" in "\n".join(
        b.text for b in home.blocks if isinstance(b, Section)
    )
    session.execute(update(Nudge).values(notified_at=None))  # as if not yet sent: /tend nudges lists it as due
    listed = dispatch(ctx(session), "/tend", "nudges")
    assert truth.replace(": ", "\n", 1) in "\n".join(b.text for b in listed.blocks if isinstance(b, Section))
