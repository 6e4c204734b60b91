"""Owning a flag from Slack: Take it and Resolve on the team's post, updated in place, reporter told."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from bot.models import Flag, Person, Team
from tests.factories import make_person
from tests.slack.test_flag_command import eventually, people, posts, seed, statuses


def post_buttons(params: dict) -> dict[str, dict]:
    blocks = params["blocks"] if isinstance(params["blocks"], list) else json.loads(params["blocks"])
    return {e["text"]["text"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


def flagged(slack, session) -> dict:
    seed(session)
    people(slack)
    slack.fake.add_user("U0JONAS", "jonas@example.com", name="Jonas Weber")
    slack.fake.add_user("U0PRIYA", "priya@example.com", name="Priya Shah")
    slack.send.slash("/flag", "acme invoice charged twice", user_id="U0SAM")
    slack.fake.wait_for("chat.postMessage", 2)
    assert eventually(lambda: statuses(slack) == {"sent"})
    return next(p for p in posts(slack) if p["channel"] == "billing")


def test_take_it_updates_the_post_in_place_and_tells_the_reporter(slack, session):
    team_post = flagged(slack, session)
    take = post_buttons(team_post)["Take it"]
    answer = slack.send.block_action(take["action_id"], take["value"], user_id="U0JONAS", ephemeral=False)
    assert answer.status == 200 and answer.seconds < 3
    private = slack.fake.wait_for("response_url", 2)[-1].params
    assert private["replace_original"] is False and "You own flag #1 now" in private["text"]
    update = slack.fake.wait_for("chat.update")[0].params
    assert update["channel"] == "billing" and "Taken by Jonas Weber" in json.dumps(update)
    assert list(post_buttons(update)) == ["Resolve", "Reassign", "Not ours"]
    slack.fake.wait_for("chat.postMessage", 4)
    told = {p["channel"]: p["text"] for p in posts(slack)[2:]}
    assert told == {
        "U0SAM": "Jonas Weber took flag #1 and owns it now.",
        "U0MAYA": "Jonas Weber took flag #1 and owns it now.",
    }


def test_a_second_person_taking_it_sees_who_owns_it(slack, session):
    take = post_buttons(flagged(slack, session))["Take it"]
    slack.send.block_action(take["action_id"], take["value"], user_id="U0JONAS", ephemeral=False)
    slack.fake.wait_for("response_url", 2)
    slack.send.block_action(take["action_id"], take["value"], user_id="U0PRIYA", ephemeral=False)
    second = slack.fake.wait_for("response_url", 3)[-1].params
    assert "Jonas Weber already took flag #1" in second["text"]
    assert eventually(lambda: statuses(slack) == {"sent"})
    assert len(slack.fake.calls_to("chat.update")) == 1


def test_two_people_taking_it_at_the_same_moment_make_one_owner(slack, session):
    take = post_buttons(flagged(slack, session))["Take it"]
    with ThreadPoolExecutor(2) as pool:
        clicks = [
            pool.submit(slack.send.block_action, take["action_id"], take["value"], user_id=who, ephemeral=False)
            for who in ("U0JONAS", "U0PRIYA")
        ]
        assert all(click.result().status == 200 for click in clicks)
    answers = sorted(call.params["text"] for call in slack.fake.wait_for("response_url", 3)[1:])
    assert answers[1].startswith("You own flag #1 now")  # one of them…
    owner = answers[0].split(" already took flag #1")[0]  # …and the other is told who
    assert owner in ("Jonas Weber", "Priya Shah"), answers
    assert eventually(lambda: statuses(slack) == {"sent"})
    updates = slack.fake.calls_to("chat.update")
    assert len(updates) == 1 and f"Taken by {owner}" in json.dumps(updates[0].params)
    assert len([p for p in posts(slack) if p["channel"] == "U0SAM"]) == 1  # the reporter hears of one owner


def test_resolve_asks_for_an_outcome_and_closes_the_loop(slack, session):
    resolve = post_buttons(flagged(slack, session))["Resolve"]
    slack.send.block_action(resolve["action_id"], resolve["value"], user_id="U0JONAS", ephemeral=False)
    opened = slack.fake.wait_for("views.open")[0].params
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert view["callback_id"] == "form:flag.resolved" and view["title"]["text"] == "Resolve flag #1"

    empty = slack.send.view_submission(view, {"outcome": "   "}, user_id="U0JONAS")
    assert empty.status == 200
    assert json.loads(empty.body) == {
        "response_action": "errors",
        "errors": {"outcome": "Say in a few words how it was resolved."},
    }

    done = slack.send.view_submission(view, {"outcome": "Refunded the duplicate <!channel> charge"}, user_id="U0JONAS")
    assert done.status == 200 and done.body == ""
    update = slack.fake.wait_for("chat.update")[0].params
    assert "Resolved by Jonas Weber: Refunded the duplicate &lt;!channel&gt; charge" in json.dumps(update)
    assert post_buttons(update) == {}
    slack.fake.wait_for("chat.postMessage", 5)
    by_channel = {p["channel"]: p["text"] for p in posts(slack)[2:]}
    assert by_channel["U0JONAS"].startswith("Flag #1 is resolved.")
    assert by_channel["U0SAM"].endswith("Outcome: Refunded the duplicate &lt;!channel&gt; charge")
    assert "U0MAYA" in by_channel


def test_not_ours_moves_the_flag_and_the_old_post_says_where(slack, session):
    from tests.slack.test_flag_command import opened_view

    not_ours = post_buttons(flagged(slack, session))["Not ours"]
    slack.send.block_action(not_ours["action_id"], not_ours["value"], user_id="U0JONAS", ephemeral=False)
    view = opened_view(slack)
    assert view["callback_id"] == "form:flag.rerouted"
    refused = slack.send.view_submission(view, {"category": "executive", "reason": ""}, user_id="U0JONAS")
    assert "errors" in json.loads(refused.body)
    slack.send.view_submission(view, {"category": "executive", "reason": "CEO wants a call"}, user_id="U0JONAS")
    update = slack.fake.wait_for("chat.update")[0].params
    assert update["channel"] == "billing" and "Moved to CS by Jonas Weber: CEO wants a call" in json.dumps(update)
    assert post_buttons(update) == {}
    slack.fake.wait_for("chat.postMessage", 6)
    assert eventually(lambda: statuses(slack) == {"sent"})
    channels = [p["channel"] for p in posts(slack)[2:]]
    assert "customer-success" in channels and "U0SAM" in channels and "U0JONAS" in channels


def test_the_reporter_can_change_the_category_in_one_click(slack, session):
    from tests.slack.test_flag_command import opened_view

    flagged(slack, session)
    confirmation = slack.fake.wait_for("response_url")[0].params
    change = post_buttons(confirmation)["Change category"]
    slack.send.block_action(change["action_id"], change["value"], user_id="U0SAM")
    view = opened_view(slack)
    assert view["callback_id"] == "form:flag.recategorized"
    slack.send.view_submission(view, {"category": "other", "reason": ""}, user_id="U0SAM")
    slack.fake.wait_for("chat.update")
    assert eventually(lambda: any(p["channel"] == "customer-success" for p in posts(slack)))


def test_reassign_searches_people_and_hands_the_flag_over(slack, session):
    from tests.slack.test_flag_command import opened_view

    reassign = post_buttons(flagged(slack, session))["Reassign"]
    priya = session.scalars(select(Person).where(Person.email == "priya@example.com")).one()
    slack.send.block_action(reassign["action_id"], reassign["value"], user_id="U0JONAS", ephemeral=False)
    view = opened_view(slack)
    element = next(b["element"] for b in view["blocks"] if b["type"] == "input")
    found = json.loads(slack.send.options(element["action_id"], "priya", user_id="U0JONAS").body)["options"]
    assert [o["text"]["text"] for o in found] == ["Priya Shah (priya@example.com)"]
    slack.send.view_submission(view, {"person": str(priya.id)}, user_id="U0JONAS")
    assert "Taken by Priya Shah" in json.dumps(slack.fake.wait_for("chat.update")[0].params)
    assert eventually(
        lambda: any(c.params.get("email") == "priya@example.com" for c in slack.fake.calls_to("users.lookupByEmail"))
    )


def test_someone_outside_the_team_pressing_its_buttons_is_told_who_can_and_nothing_changes(slack, session):
    buttons = post_buttons(flagged(slack, session))
    slack.fake.add_user("U0OLAF", "olaf@example.com", name="Olaf Other")  # a full member, not in Billing
    for n, label in enumerate(("Take it", "Resolve", "Reassign", "Not ours"), start=2):
        button = buttons[label]
        assert (
            slack.send.block_action(button["action_id"], button["value"], user_id="U0OLAF", ephemeral=False).status
            == 200
        )
        told = slack.fake.wait_for("response_url", n)[-1].params
        assert told["response_type"] == "ephemeral" and told["replace_original"] is False  # only Olaf sees it
        assert "Only the Billing team (its members) and Tend admins can" in told["text"], label
    assert not slack.fake.calls_to("views.open")  # no form to fill in vain
    assert not slack.fake.calls_to("chat.update") and len(posts(slack)) == 2  # the post and the DM, as before
    session.expire_all()
    assert session.scalar(select(Flag.status)) == "open"


def test_a_manager_resolves_a_members_flag_and_is_credited_everywhere(slack, session):
    from tests.slack.test_flag_command import opened_view

    buttons = post_buttons(flagged(slack, session))
    take = buttons["Take it"]
    slack.send.block_action(take["action_id"], take["value"], user_id="U0JONAS", ephemeral=False)
    slack.fake.wait_for("chat.update")
    dana = make_person(session, "dana@example.com", name="Dana Lee", role="manager")
    session.execute(Team.__table__.update().where(Team.name == "Billing").values(manager_id=dana.id))
    session.commit()
    slack.fake.add_user("U0DANA", "dana@example.com", name="Dana Lee")
    resolve = buttons["Resolve"]
    slack.send.block_action(resolve["action_id"], resolve["value"], user_id="U0DANA", ephemeral=False)
    slack.send.view_submission(opened_view(slack), {"outcome": "Refunded"}, user_id="U0DANA")
    update = slack.fake.wait_for("chat.update", 2)[-1].params
    assert "Resolved by Dana Lee: Refunded" in json.dumps(update)
    assert eventually(lambda: statuses(slack) == {"sent"})
    told = {p["channel"]: p["text"] for p in posts(slack) if p["channel"] in ("U0SAM", "U0MAYA", "U0JONAS")}
    assert told["U0SAM"] == told["U0MAYA"] == "Dana Lee resolved flag #1. Outcome: Refunded"
    assert told["U0JONAS"] == "Dana Lee resolved flag #1. Outcome: Refunded"  # the owner hears it was closed


def test_a_flag_is_taken_from_tend_flag_as_from_its_team_post(slack, session):
    """Jonas (Billing) never saw the team post: /tend flag 1 shows it with his buttons, and Take it there
    does what it does on the post (which is redrawn in place)."""
    flagged(slack, session)
    slack.send.slash("/tend", "flag 1", user_id="U0JONAS")
    shown = slack.fake.wait_for("response_url", 2)[-1].params
    assert "Flag #1: Acme Corporation" in json.dumps(shown) and "raised by Sam Rivera" in json.dumps(shown)
    buttons = post_buttons(shown)
    assert list(buttons) == ["Take it", "Resolve", "Reassign", "Not ours"]
    take = buttons["Take it"]
    slack.send.block_action(take["action_id"], take["value"], user_id="U0JONAS")
    assert "You own flag #1 now" in slack.fake.wait_for("response_url", 3)[-1].params["text"]
    update = slack.fake.wait_for("chat.update")[0].params
    assert update["channel"] == "billing" and "Taken by Jonas Weber" in json.dumps(update)

    slack.send.slash("/tend", "flag 1", user_id="U0SAM")  # the reporter may only change its category
    assert list(post_buttons(slack.fake.wait_for("response_url", 4)[-1].params)) == ["Change category"]
