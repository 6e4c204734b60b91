"""SQLAlchemy models, one module per aggregate; importing this package registers them all for Alembic."""

from __future__ import annotations

from bot.models.account import Account, HealthSnapshot, SuccessCriterion
from bot.models.base import Base, Timestamps, UTCDateTime
from bot.models.conversation import ChatConversation
from bot.models.digest import DigestSent, StageChange
from bot.models.flag import Flag, FlagEvent, FlagProposal, RoutingExample
from bot.models.inbound import InboundRequest
from bot.models.notification import Notification
from bot.models.nudge import CheckIn, Holiday, Nudge, NudgeEvent, NudgeNotice, NudgeSetting
from bot.models.person import ChatIdentity, Person
from bot.models.state import AppState
from bot.models.team import RoutingRule, Team, TeamChannel, TeamMember

__all__ = [
    "Account",
    "AppState",
    "Base",
    "ChatConversation",
    "ChatIdentity",
    "CheckIn",
    "DigestSent",
    "Flag",
    "FlagEvent",
    "FlagProposal",
    "HealthSnapshot",
    "Holiday",
    "InboundRequest",
    "Notification",
    "Nudge",
    "NudgeEvent",
    "NudgeNotice",
    "NudgeSetting",
    "Person",
    "RoutingExample",
    "RoutingRule",
    "StageChange",
    "SuccessCriterion",
    "Team",
    "TeamChannel",
    "TeamMember",
    "Timestamps",
    "UTCDateTime",
]
