"""Who may talk to Tend's Teams endpoint, and how Tend proves who it is.

Incoming: every activity carries a Bot Framework JWT, checked by the SDK's validator: signature from the keys
announced at TEAMS_OPENID_METADATA_URL with /openidconfiguration → /keys (kept five minutes, fetched again
for an unknown key id at most once per 30 s: PyJWT's cooldown against made-up key ids); issuer
https://api.botframework.com; audience TEAMS_APP_ID; expiry. Its `serviceurl` claim must equal the
activity's `serviceUrl`: an activity without one is refused, since replies would go wherever it says.
Nothing turns the check off (the SDK's DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS is never consulted).

Outgoing: Tend's own token from one OAuth 2.0 client-credentials POST at TEAMS_LOGIN_URL (no MSAL: its
instance discovery cannot work offline or against a sovereign cloud's own authority), cached until shortly
before it expires.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from microsoft_teams.api.auth.cloud_environment import PUBLIC, with_overrides
from microsoft_teams.apps.auth.token_validator import TokenValidator

from bot.config import Settings
from bot.teams import loop

log = logging.getLogger(__name__)

SCOPE = "https://api.botframework.com/.default"
EARLY = 300  # seconds: a token this close to its expiry is renewed


class IncomingAuth:
    def __init__(self, settings: Settings) -> None:
        cloud = with_overrides(PUBLIC, openid_metadata_url=settings.teams_openid_metadata_url)
        self._validator = TokenValidator.for_service(settings.teams_app_id, cloud=cloud)

    def verified(self, authorization: str, activity: dict[str, Any]) -> bool:
        """The request's bearer token is the Bot Framework's, for Tend, for this activity's serviceUrl."""
        service_url = activity.get("serviceUrl")
        if not authorization.startswith("Bearer ") or not isinstance(service_url, str) or not service_url:
            return False
        try:
            loop.run(self._validator.validate_token(authorization.removeprefix("Bearer "), service_url), 10)
        except Exception as error:  # any failure is a refusal; the reason is logged, never the token
            log.warning("refused a Teams request: %s", type(error).__name__)
            return False
        return True


class BotToken:
    """Tend's bearer token for the Bot Connector, shared by every thread of the process."""

    def __init__(self, settings: Settings) -> None:
        self._url = f"{settings.teams_login_url}/{settings.teams_tenant_id}/oauth2/v2.0/token"
        self._form = urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": settings.teams_app_id,
                "client_secret": settings.teams_app_password.value,
                "scope": SCOPE,
            }
        ).encode()
        self._lock = threading.Lock()
        self._token = ""
        self._until = 0.0

    def __call__(self, *_args: Any, **_kwargs: Any) -> str:
        """The SDK's token provider signature (scope, tenant): Tend has one token for one scope."""
        with self._lock:
            if time.monotonic() >= self._until:
                self._token, lifetime = self._fetch()
                self._until = time.monotonic() + max(lifetime - EARLY, lifetime / 2)
            return self._token

    def _fetch(self) -> tuple[str, float]:
        request = urllib.request.Request(self._url, data=self._form, method="POST")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                body = json.loads(answer.read())
        except urllib.error.HTTPError as error:  # the authority's own words, never our secret
            raise TokenError(f"the token authority refused Tend's credentials (HTTP {error.code})") from error
        except (OSError, ValueError) as error:
            raise TokenError(f"could not reach the token authority: {type(error).__name__}") from error
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise TokenError("the token authority answered without a token")
        return token, float(body.get("expires_in") or 3600)


class TokenError(Exception):
    """Tend could not get its own token: nothing can be sent to Teams until it can."""
