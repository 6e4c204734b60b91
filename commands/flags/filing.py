"""Filing a flag from /flag or the flag form: at once when the category is known (the reporter's, the rules',
or a confident model agreeing with the rules), else the model's proposal waits for the reporter's one click.
See bot/flags/routing/triage.py for what the model may and may not decide."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.flags.messages import buttons, when
from bot.flags.permissions import FlagAction
from bot.flags.proposals import WAIT, Proposal, file_proposal, propose
from bot.flags.raising import FlagRequest, RaisedFlag, file_new, find_raised, routed_by_rules
from bot.flags.routing import examples as routing_examples
from bot.flags.routing.triage import triage
from bot.instant import needs_time
from bot.messages import Actions, Button, Form, Input, Note, Option, Reply, Section
from bot.platforms import channel_label, pick_channel
from bot.values import Value
from bot.vocab import Category, Severity
from commands.context import CommandContext
from commands.routes import Routes

routes = Routes()

FILE_PROPOSAL = "flag.file_proposal"
CHOOSE = "flag.choose_for_proposal"
CHOSEN = "flag.chosen_for_proposal"
CATEGORY_OPTIONS = tuple(Option(c.value, c.value.capitalize()) for c in Category)
SEVERITIES = tuple(Option(s.value, s.value.capitalize()) for s in Severity)


def file_or_propose(ctx: CommandContext, request: FlagRequest, severity_chosen: bool) -> Reply:
    """File `request`, or hold it with the model's proposal for the reporter to confirm."""
    raised = find_raised(ctx.session, request)  # a retry of a request that raised it already
    if raised is not None:
        return confirmation(raised, ctx.platform)
    if request.category is not None:
        raised = file_new(ctx.session, request, ctx.actor, ctx.clock.now(), ctx.default_timezone)
        return confirmation(raised, ctx.platform)
    if ctx.model is not None and ctx.model.may_send("flags"):
        needs_time(ctx.session)  # the model's answer takes seconds: after the ack
    examples = routing_examples.examples(ctx.session)
    result = triage(ctx.model, request.description, request.severity if severity_chosen else None, examples)
    if not result.file_now:
        return proposal_reply(propose(ctx.session, request, ctx.actor, result, ctx.clock.now()))
    if result.by_model:
        request = replace(
            request,
            category=result.category,
            severity=result.severity,
            category_source="model",
            summary=result.summary,
        )
    elif result.judged is not None:  # the rules' (or the examples') choice, and the words' severity
        request = routed_by_rules(request, result.judged, result.severity)
    raised = file_new(ctx.session, request, ctx.actor, ctx.clock.now(), ctx.default_timezone)
    return confirmation(raised, ctx.platform, result.confidence, request.chosen_because)


def confirmation(
    raised: RaisedFlag, platform: str, confidence: float | None = None, because: str | None = None
) -> Reply:
    """What the reporter (on `platform`) sees once the flag is filed, with the one-click way to change its
    category."""
    chosen = {
        "rules": "from your words",
        "learned": because or "like an earlier flag",
        "model": "suggested by Tend's AI" + (f", {confidence:.0%} sure" if confidence is not None else ""),
    }.get(raised.category_source, "as you chose")
    posted = pick_channel(raised.team_channels, platform)
    channel = f" ({channel_label(posted)})" if posted else ""
    where = f"{raised.team_name}{channel}" if raised.team_name else "no team yet"
    if raised.by_owner:
        told = "you are the account's CSM, so no one else is told"
    elif raised.owner_name:
        told = f"{raised.owner_name}, the CSM, will hear too"
    else:
        told = "the customer-success team (unowned account) will hear too"
    summary = f"Flag #{raised.flag_id} filed for {raised.account_name}: {raised.category.value} ({chosen})."
    details = f"Routed to {where}; {told}. Take-it deadline: {when(raised.sla_due_at)}."
    change = Actions(buttons(raised.flag_id, (FlagAction.RECATEGORIZE,)))
    notes = [Note(f"Summary (written by AI): {raised.summary}")] if raised.summary else []
    return Reply(
        f"{summary} {details}",
        blocks=(Section(summary), Section(details), change, *notes, Note(f"What you wrote: {raised.description}")),
    )


def proposal_reply(proposal: Proposal) -> Reply:
    """The model's guess, for the reporter to confirm or change in one click. Nothing is routed yet."""
    if proposal.filed_flag_id is not None:
        return Reply(f"That flag was filed already as flag #{proposal.filed_flag_id}.")
    if not proposal.by_model:
        return _ask_category(proposal)
    guess = f"{proposal.category.value} ({proposal.severity.value})"
    headline = (
        f"Where should your flag about {proposal.account_name} go? Tend's AI suggests {guess}, "
        f"{proposal.confidence:.0%} sure. Nothing has been sent yet."
    )
    minutes, text = int(WAIT.total_seconds() // 60), proposal.description
    buttons = [Button(f"File as {guess}", FILE_PROPOSAL, _choice(proposal, proposal.category), style="primary")]
    if proposal.rules_category is not proposal.category:
        rules = proposal.rules_category
        buttons.append(Button(f"File as {rules.value} (Tend's rules)", FILE_PROPOSAL, _choice(proposal, rules)))
    buttons.append(Button("Something else…", CHOOSE, ProposalRef(proposal.id).encode()))
    return Reply(
        headline,
        blocks=(
            Section(headline),
            Section(f"Summary (written by AI): {proposal.summary}"),
            Actions(tuple(buttons)),
            Note(f"Unconfirmed after {minutes} minutes, it is filed as Tend's rules say. What you wrote: {text}"),
        ),
    )


def _ask_category(proposal: Proposal) -> Reply:
    """The rules could not read the words (and no model could): one button per team category."""
    headline = (
        f"Which team should your flag about {proposal.account_name} go to? Tend could not tell from the "
        "words (without AI it reads English only). Nothing has been sent yet."
    )
    minutes = int(WAIT.total_seconds() // 60)
    buttons = tuple(
        Button(category.value.capitalize(), FILE_PROPOSAL, _choice(proposal, category)) for category in Category
    )
    return Reply(
        headline,
        blocks=(
            Section(headline),
            Actions(buttons),
            Note(
                f"Unconfirmed after {minutes} minutes, it goes to the customer-success team. "
                f"What you wrote: {proposal.description}"
            ),
        ),
    )


@dataclass(frozen=True)
class Choice(Value):
    """Filing a held flag under a category, at a severity."""

    proposal_id: int
    category: Category
    severity: Severity


def _choice(proposal: Proposal, category: Category) -> str:
    return Choice(proposal.id, category, proposal.severity).encode()


@dataclass(frozen=True)
class ProposalRef(Value):
    proposal_id: int


@routes.action(FILE_PROPOSAL)
def file_chosen(ctx: CommandContext, value: str) -> Reply:
    return _file(ctx, Choice.decode(value))


def _file(ctx: CommandContext, choice: Choice) -> Reply:
    now = ctx.clock.now()
    raised = file_proposal(
        ctx.session, choice.proposal_id, ctx.actor, choice.category, choice.severity, now, ctx.default_timezone
    )
    return (
        confirmation(raised, ctx.platform)
        if raised.created
        else Reply(f"That flag was filed already as flag #{raised.flag_id}.")
    )


@routes.action(CHOOSE)
def choose(ctx: CommandContext, value: str) -> Form:
    return Form(
        title="Where should it go?",
        action=CHOSEN,
        value=ProposalRef.decode(value).encode(),
        submit="File it",
        inputs=(
            Input("category", "Category", kind="choice", options=CATEGORY_OPTIONS),
            Input("severity", "Severity", kind="choice", options=SEVERITIES, initial=Severity.NORMAL.value),
        ),
    )


def _check_choice(answers: dict[str, str]) -> dict[str, str]:
    problems = {}
    if answers.get("category") not in Category._value2member_map_:
        problems["category"] = "Choose a category."
    if answers.get("severity", Severity.NORMAL.value) not in Severity._value2member_map_:
        problems["severity"] = "Choose a severity."
    return problems


@routes.form(CHOSEN, _check_choice)
def chosen(ctx: CommandContext, value: str, answers: dict[str, str]) -> Reply:
    severity = answers.get("severity") or Severity.NORMAL.value
    return _file(ctx, Choice(ProposalRef.decode(value).proposal_id, Category(answers["category"]), Severity(severity)))
