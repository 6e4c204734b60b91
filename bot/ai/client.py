"""The optional language model: the one place Tend talks to an OpenAI-compatible server.

Every feature that uses it has a plain path, and takes it whenever this module answers None: no key, the
feature's data not allowed out (AI_SEND_FIELDS), a timeout, an error, or an answer that does not fit the
feature's schema. Answers are structured (a JSON schema from a pydantic model, validated on arrival), and
every call is logged with its purpose and token counts, never its content.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from bot.config import Settings
from bot.logs import fields

if TYPE_CHECKING:
    import openai
    from pydantic import BaseModel

log = logging.getLogger(__name__)

Answer = TypeVar("Answer", bound="BaseModel")

DEFAULT_MODEL = "gpt-4.1-mini"
SHORTEST_TRY = 0.3  # seconds: a retry with less time than this left is not worth starting


@dataclass(frozen=True)
class Call:
    purpose: str
    instructions: str  # the system message: what to do, and that the material is data, not instructions
    material: str  # the user message: only fields AI_SEND_FIELDS allows


class Model:
    """A configured model. Calls are bounded by AI_TIMEOUT_SECONDS in all (retries included): the person
    waiting gets the plain answer when the model is slow, never an error."""

    def __init__(self, settings: Settings, client: openai.OpenAI | None = None) -> None:
        import openai  # here, not at the top: the client costs ~40 MB of memory, paid only with a key
        from pydantic import ValidationError

        self._openai = openai
        self._invalid = (ValidationError, ValueError)  # not JSON, or JSON outside the schema
        self.name = settings.openai_model or DEFAULT_MODEL
        self.sends = frozenset(settings.ai_send_fields)
        self.timeout = settings.ai_timeout_seconds
        self.tries = 1 + settings.ai_max_retries
        self.auto_route_confidence = settings.ai_auto_route_confidence
        # Errors worth one more try, time allowing; anything else (a bad key, a bad request) is not.
        self._transient = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)
        # The client's own retries would honour a Retry-After of up to two minutes: ours keep to the budget.
        self._client = client or openai.OpenAI(
            api_key=settings.openai_api_key.value, base_url=settings.openai_base_url, max_retries=0
        )

    def may_send(self, *names: str) -> bool:
        return all(name in self.sends for name in names)

    def ask(self, call: Call, answer: type[Answer]) -> Answer | None:
        """The model's answer, parsed into `answer`; None on any failure (logged, without content)."""
        deadline = time.monotonic() + self.timeout
        started = time.monotonic()
        outcome, usage, tries = "error", None, 0
        try:
            while tries < self.tries:
                tries += 1
                left = deadline - time.monotonic()
                try:
                    completion = self._client.chat.completions.parse(
                        model=self.name,
                        messages=[
                            {"role": "system", "content": call.instructions},
                            {"role": "user", "content": call.material},
                        ],
                        response_format=answer,
                        temperature=0,
                        timeout=max(left, 0.05),
                    )
                except self._transient as error:
                    outcome = type(error).__name__
                    if deadline - time.monotonic() < SHORTEST_TRY or isinstance(error, self._openai.APITimeoutError):
                        return None
                    continue
                usage = completion.usage
                parsed = completion.choices[0].message.parsed if completion.choices else None
                outcome = "done" if parsed is not None else "refused"
                return parsed
            return None
        except self._invalid as error:
            outcome = f"invalid:{type(error).__name__}"
            return None
        except self._openai.OpenAIError as error:
            outcome = type(error).__name__
            return None
        finally:
            log.info(
                fields(
                    ai=call.purpose,
                    model=self.name,
                    outcome=outcome,
                    tries=tries,
                    prompt_tokens=getattr(usage, "prompt_tokens", None),
                    completion_tokens=getattr(usage, "completion_tokens", None),
                    ms=round((time.monotonic() - started) * 1000),
                )
            )


def make_model(settings: Settings) -> Model | None:
    """The configured model, or None without OPENAI_API_KEY (every feature then takes its plain path)."""
    return Model(settings) if settings.has_ai else None
