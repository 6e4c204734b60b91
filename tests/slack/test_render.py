"""Block Kit rendering: limits hold for any data size, user text can never ping anyone."""

from __future__ import annotations

from bot.messages import Actions, Button, Divider, Field, Form, Input, Note, Option, Reply, Section
from bot.slack.blocks import render
from bot.slack.blocks.text import escape, fit
from tests.fakes.blockkit import problems_in_message, problems_in_view


def test_escape_touches_only_slacks_three_control_characters_once():
    assert escape("<!channel> & Co @here 'x' \"y\"") == "&lt;!channel&gt; &amp; Co @here 'x' \"y\""
    assert escape("&amp;") == "&amp;amp;"  # shown exactly as typed


def test_fit_never_cuts_an_escape_sequence_in_half():
    text = "&" * 2000
    fitted = fit(text, 3000)
    assert len(fitted) <= 3000 and fitted.endswith("…")
    assert fitted[:-1].replace("&amp;", "") == ""


def test_mrkdwn_is_always_verbatim_and_headers_are_plain_text():
    reply = Reply(
        "x", title="<!here>", blocks=(Section("@channel <!everyone>", (Field("Owner", "<@U1>"),)), Note("@here"))
    )
    blocks = render.blocks_for(reply)
    assert blocks[0]["text"]["type"] == "plain_text"
    assert problems_in_message({"text": render.message(reply)["text"], "blocks": blocks}) == []
    assert "&lt;!everyone&gt;" in blocks[1]["text"]["text"] and blocks[1]["text"]["verbatim"] is True


def test_oversized_replies_are_cut_to_slack_limits():
    fields = tuple(Field(f"F{n}", "x" * 5000) for n in range(25))
    buttons = tuple(Button("b" * 200, "account.show", str(n)) for n in range(60))
    blocks = (*tuple(Section("y" * 9000) for _ in range(80)), Section(fields=fields), Actions(buttons))
    reply = Reply("z" * 50_000, title="t" * 500, blocks=blocks)
    message = render.message(reply)
    assert len(message["blocks"]) == 50
    assert "more parts not shown" in message["blocks"][-1]["elements"][0]["text"]
    assert problems_in_message(message) == []
    view = render.modal(reply, "A title far longer than twenty-four")
    assert len(view["blocks"]) <= 100 and problems_in_view(view) == []
    assert all(len(b["text"]["text"]) > 2900 for b in message["blocks"][1:40])


def test_button_action_ids_are_unique_and_map_back_to_the_action():
    reply = Reply("x", blocks=(Actions(tuple(Button(f"B{n}", "account.show", str(n)) for n in range(30))),))
    ids = [e["action_id"] for b in render.blocks_for(reply) for e in b["elements"]]
    assert len(set(ids)) == 30
    assert {render.parse_action_id(i) for i in ids} == {"account.show"}


def test_a_one_line_reply_in_a_modal_or_the_home_tab_is_shown_not_blank():
    for view in (render.modal(Reply("Sorry, <!here> try again."), "Tend"), render.home(Reply("Sorry, try again."))):
        [block] = view["blocks"]
        assert block["text"]["verbatim"] and "Sorry" in block["text"]["text"]
        assert "<!here>" not in block["text"]["text"]
        assert not problems_in_view(view)


def test_a_long_list_becomes_several_sections_and_loses_no_line():
    lines = [f"• Account {n:03} & Co <renews> in {n} days" for n in range(300)]
    blocks = render.blocks_for(Reply("x", blocks=(Section("\n".join(["Renewals", *lines])),)))
    texts = [b["text"]["text"] for b in blocks]
    assert len(texts) > 1 and all(len(t) <= render.SECTION_TEXT for t in texts)
    shown = "\n".join(texts)
    assert all(escape(line) in shown for line in lines) and texts[0].startswith("Renewals\n")
    assert problems_in_message({"text": "x", "blocks": blocks}) == []


def test_one_line_too_long_for_a_section_is_cut_to_fit():
    [block] = render.blocks_for(Reply("x", blocks=(Section("word " * 1500),)))
    assert len(block["text"]["text"]) <= render.SECTION_TEXT and block["text"]["text"].endswith("…")


def test_every_kind_of_block_is_what_slack_sdks_models_would_build():
    """Tend writes Block Kit as plain JSON: slack_sdk's models must accept each block and read it back unchanged."""
    reply = Reply(
        "Acme & Co",
        title="Acme & Co <!here>",
        blocks=(
            Section("Needs attention: renews in 30 days", (Field("Owner", "Maya"), Field("ARR", "240,000"))),
            Divider(),
            Note("acme.example · Only you can see this."),
            Actions((Button("Take it", "flag.take", "1", style="primary"), Button("Snooze", "nudge.snooze"))),
        ),
    )
    message = render.message(reply)
    assert [b["type"] for b in message["blocks"]] == ["header", "section", "section", "divider", "context", "actions"]
    assert "value" not in message["blocks"][-1]["elements"][1]  # no empty value is sent
    assert problems_in_message(message) == []
    form = Form(
        "Flag a problem",
        "flag.submit",
        "7",
        (
            Input("category", "Category", kind="choice", options=(Option("billing", "Billing"),), initial="billing"),
            Input("account", "Account", kind="search", search="accounts", initial="7", initial_label="Acme"),
            Input("what", "What happened", max_length=3000, multiline=True, hint="Be specific"),
        ),
        intro="Tell the right team <!channel>.",
    )
    assert problems_in_view(render.form_view(form)) == []
    assert problems_in_view(render.modal(reply, "Acme")) == [] and problems_in_view(render.home(reply)) == []
