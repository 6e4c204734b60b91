"""Delivering outbox messages to Microsoft Teams through the Bot Connector.

Where a message goes, by its target: a team's `channel` (a channel conversation id, reached through the
connector that channel was last heard from, else TEAMS_SERVICE_URL); a `person` (by email) or a `chat_user`
(a Teams user id), in their personal chat with Tend — kept from when they installed Tend or last wrote to
it, else opened by the connector and kept; a `conversation` (`serviceUrl|conversation id`, where someone
asked in a channel); a `message` to redraw in place (the reference this gateway returned when it posted it:
`serviceUrl|conversation id|activity id`). Someone Tend has never heard from on Teams cannot get a DM there:
that fails for good, saying so."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.config import Settings
from bot.db import SessionFactory, session_scope
from bot.gateway import DeliveryError, Target
from bot.messages import Reply
from bot.models import ChatIdentity
from bot.people.actors import Access
from bot.teams import cards, conversations
from bot.teams.connector import Connector, shared
from bot.teams.identity import PLATFORM

SEPARATOR = "|"


class TeamsGateway:
    platform = PLATFORM
    side_by_side = True  # calls from any thread run on the SDK's one event loop (bot.teams.loop)

    def __init__(self, settings: Settings, factory: SessionFactory, connector: Connector | None = None) -> None:
        self.settings = settings
        self.factory = factory
        self.connector = connector or shared(settings)

    def send(self, target: Target, reply: Reply) -> str:
        activity = cards.activity(reply)
        if target.kind == "message":
            service_url, conversation, activity_id = target.ref.split(SEPARATOR, 2)
            self.connector.update(service_url, conversation, activity_id, activity)
            return target.ref
        service_url, conversation = self._where(target)
        sent = self.connector.send(service_url, conversation, activity)
        return SEPARATOR.join((service_url, conversation, sent))

    def _where(self, target: Target) -> tuple[str, str]:
        if target.kind == "channel":
            with session_scope(self.factory) as session:
                heard_from = conversations.service_url_of(session, target.ref)
            return heard_from or self.settings.teams_service_url, target.ref
        if target.kind == "conversation":
            service_url, conversation = target.ref.split(SEPARATOR, 1)
            return service_url, conversation
        return self._personal_chat(target)

    def _personal_chat(self, target: Target) -> tuple[str, str]:
        """The person's personal chat with Tend: as kept, else opened now (and kept for next time)."""
        chosen = (
            ChatIdentity.email == target.ref.lower()
            if target.kind == "person"
            else ChatIdentity.external_id == target.ref
        )
        with session_scope(self.factory) as session:
            identity = session.scalars(
                select(ChatIdentity)
                .where(ChatIdentity.platform == PLATFORM, chosen, ChatIdentity.access == Access.MEMBER.value)
                .order_by(ChatIdentity.checked_at.desc())
                .limit(1)
            ).first()
            if identity is None:
                raise DeliveryError(
                    f"install Tend in Microsoft Teams for {target.ref}: Tend has never heard from them there",
                    permanent=True,
                )
            kept = identity.address or {}
            key = (identity.id, identity.external_id, identity.workspace_id)
        service_url = str(kept.get("serviceUrl") or self.settings.teams_service_url)
        if kept.get("conversation"):
            return service_url, str(kept["conversation"])
        try:
            conversation = self.connector.personal_chat(service_url, key[1], key[2])
        except DeliveryError as error:
            if error.permanent:
                raise DeliveryError(
                    f"install Tend in Microsoft Teams for {target.ref}: Teams would not open a chat ({error.reason})",
                    permanent=True,
                ) from error
            raise
        with session_scope(self.factory) as session:
            address = {**kept, "conversation": conversation, "serviceUrl": service_url}
            session.execute(update(ChatIdentity).where(ChatIdentity.id == key[0]).values(address=address))
        return service_url, conversation
