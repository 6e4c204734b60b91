""" "Flag this message" on Teams: the message extension opens the flag form in a dialog, prefilled with the
message's text and link; problems are shown in the dialog; a good submit files one flag and closes it."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.models import Flag
from tests.fakes import adaptive
from tests.teams.conftest import TeamsHarness
from tests.teams.test_messages import company, shown

LINK = "https://teams.microsoft.com/l/message/19:general@thread.tacv2/1700000000000"
CHANNEL = {"user": "29:sam", "conversation": "19:general@thread.tacv2", "kind": "channel"}


def opened(teams: TeamsHarness, **where) -> dict:
    payload = {
        "body": {"contentType": "html", "content": "<p>Acme says their <b>invoice</b> was charged twice</p>"},
        "linkToMessage": LINK,
    }
    status, answer = teams.invoke(
        "composeExtension/fetchTask",
        {"commandId": "flagMessage", "commandContext": "message", "messagePayload": payload},
        **(where or CHANNEL),
    )
    assert status == 200
    return answer


def fields(dialog: dict) -> dict[str, dict]:
    card = dialog["task"]["value"]["card"]["content"]
    return {item["id"]: item for item in card["body"] if "id" in item}


def submit(teams: TeamsHarness, dialog: dict, activity_id: str, **answers) -> dict:
    data = {**dialog["task"]["value"]["card"]["content"]["actions"][0]["data"], **answers}
    status, answer = teams.invoke(
        "composeExtension/submitAction", {"commandId": "flagMessage", "data": data}, activity_id=activity_id, **CHANNEL
    )
    assert status == 200
    return answer


def test_the_dialog_opens_prefilled_with_the_message_and_files_one_flag(teams: TeamsHarness):
    company(teams)
    dialog = opened(teams)
    assert dialog["task"]["type"] == "continue"
    assert fields(dialog)["description"]["value"] == "Acme says their invoice was charged twice"
    choices = {"category": "auto", "severity": "normal", "description": "Acme says their invoice was charged twice"}
    again = submit(teams, dialog, "s1", account="zzz", **choices)
    assert again["task"]["type"] == "continue"  # shown again, the problem beside its field
    assert "Nothing matches “zzz”" in fields(again)["account"]["errorMessage"]
    assert fields(again)["description"]["value"] == choices["description"]  # what was typed is kept
    assert adaptive.problems_in_card(dialog["task"]["value"]["card"]["content"]) == []
    assert adaptive.problems_in_card(again["task"]["value"]["card"]["content"]) == []
    assert submit(teams, again, "s2", account="acme", **choices) == {}  # filed: the dialog closes
    assert submit(teams, again, "s2", account="acme", **choices) == {}  # Teams sends it again: nothing twice
    teams.wait(lambda: teams.fake.posted("a:personal-29:sam") and teams.fake.posted("19:billing@thread.tacv2"))
    with teams.factory() as session:
        assert session.scalar(select(func.count()).select_from(Flag)) == 1
        flag = session.scalars(select(Flag)).one()
        assert flag.source_link == LINK and flag.description == "Acme says their invoice was charged twice"
    [told] = teams.fake.posted("a:personal-29:sam")  # the reporter hears where it went, in private
    assert "Billing" in shown(told)
    assert teams.fake.posted("19:general@thread.tacv2") == []  # nothing in the channel the message was in
