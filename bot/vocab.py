"""The words of the domain (tiers, stages, roles, flag categories) with their accepted spellings and labels."""

from __future__ import annotations

from enum import StrEnum


class Tier(StrEnum):
    """How much human touch an account gets, high to low."""

    INTIMACY = "intimacy"
    ENGAGEMENT = "engagement"
    SERVICE = "service"

    @property
    def label(self) -> str:
        return {
            "intimacy": "Intimacy (high touch)",
            "engagement": "Engagement (medium touch)",
            "service": "Service (low touch)",
        }[self.value]


TIER_ALIASES = {"high": Tier.INTIMACY, "medium": Tier.ENGAGEMENT, "low": Tier.SERVICE}


class Stage(StrEnum):
    ONBOARDING = "onboarding"
    ADOPTION = "adoption"
    EXPANSION = "expansion"
    RENEWAL = "renewal"
    AT_RISK = "at_risk"
    CHURNED = "churned"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Role(StrEnum):
    CSM = "csm"
    MANAGER = "manager"
    ADMIN = "admin"
    SALES = "sales"
    SUPPORT = "support"
    BILLING = "billing"
    MARKETING = "marketing"
    TRAINING = "training"
    EXECUTIVE = "executive"
    OTHER = "other"


class Category(StrEnum):
    """Flag categories; the team owning OTHER is the customer-success team."""

    BILLING = "billing"
    SUPPORT = "support"
    SALES = "sales"
    TRAINING = "training"
    MARKETING = "marketing"
    EXECUTIVE = "executive"
    OTHER = "other"


class Severity(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


def parse_tier(text: str) -> Tier | None:
    """A tier from its name or its high/medium/low alias, any case; None when unknown."""
    key = text.strip().lower()
    return TIER_ALIASES.get(key) or (Tier(key) if key in Tier._value2member_map_ else None)


def choices(enum: type[StrEnum]) -> str:
    return ", ".join(member.value for member in enum)
