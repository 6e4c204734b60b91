"""The JSON schemas the model must answer in, one per feature, validated on arrival (pydantic).

Imported only when a model is configured (with the openai client, ~50 MB a keyless process never pays)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_DRAFT = 2000


class TriageAnswer(BaseModel):
    """What the model must answer (its JSON schema is sent; the answer is validated against it)."""

    model_config = ConfigDict(extra="forbid")

    category: Literal["billing", "support", "sales", "training", "marketing", "executive", "other"]
    severity: Literal["normal", "urgent"]
    summary: str = Field(max_length=400)
    confidence: float = Field(ge=0, le=1)


class CitedSentence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=400)
    sources: list[str] = Field(min_length=1, max_length=8)


class BriefingAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    what_changed: list[CitedSentence] = Field(max_length=6)
    open_problems: list[CitedSentence] = Field(max_length=8)
    risks: list[CitedSentence] = Field(max_length=6)
    next_step: list[CitedSentence] = Field(max_length=2)


class SummarySentence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=300)
    items: list[int] = Field(min_length=1, max_length=10)


class SummaryAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sentences: list[SummarySentence] = Field(min_length=1, max_length=4)


class DraftAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=120)
    body: str = Field(min_length=1, max_length=MAX_DRAFT)
