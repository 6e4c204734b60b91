""" "Flag this message" on a colleague's message: the form opens with the message's words and a link back to it,
problems are shown in the form, and a good submit files one flag, routed like any other; nothing is said in
the channel the message was in."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Flag
from tests.stories.company import SAM, company
from tests.stories.driver import Driver, seen_with
from tests.stories.seen import Form

SAID = "Acme says their invoice was charged twice"


def test_the_form_is_prefilled_and_files_one_flag_with_a_link(driver: Driver):
    company(driver)
    form = driver.flag_message(SAM, SAID)
    assert isinstance(form, Form) and form.fields["description"] == SAID
    answers = {"category": "auto", "severity": "normal", "description": SAID}
    again = driver.submit(SAM, form, {**answers, "account": "zzz"})
    assert again is not None and set(again.errors) == {"account"}  # nothing matches: said beside the field
    assert again.fields["description"] == SAID  # what was typed is kept
    assert driver.submit(SAM, again, {**answers, "account": "acme"}) is None
    post = seen_with(lambda: driver.channel("billing"), SAID)
    assert seen_with(lambda: driver.private(SAM), "Flag #1 filed for Acme Corporation")
    with driver.factory() as session:
        [flag] = session.scalars(select(Flag)).all()
        assert flag.description == SAID and flag.source_link
    assert flag.source_link in str(post.raw)  # the team can open the original message
    assert driver.channel("sales") == []
