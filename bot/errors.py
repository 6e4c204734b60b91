"""Errors whose message is written for the person who caused them; anything else is a bug to log."""

from __future__ import annotations


class UserFacingError(Exception):
    """Shown to the user as it is: say what happened and what to do, never a stack trace."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(UserFacingError):
    pass


class Forbidden(UserFacingError):
    pass


class BadInput(UserFacingError):
    pass
