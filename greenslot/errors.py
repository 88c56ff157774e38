"""One application error type, rendered as one JSON shape by the API and as a message by pages."""

from __future__ import annotations

from typing import Any


class GreenslotError(Exception):
    """A refusal the client can act on: a stable ``code``, a human ``message`` and an HTTP status.

    Raise it from services and selectors; the API renders
    ``{"code": ..., "message": ..., "details": {...}}`` with ``status``.
    """

    status = 400

    def __init__(
        self, code: str, message: str, *, status: int | None = None, details: dict[str, Any] | None = None
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        if status is not None:
            self.status = status
        self.details = details or {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}

    def __repr__(self) -> str:
        return f"GreenslotError({self.code!r}, {self.message!r}, status={self.status})"


class InvalidInput(GreenslotError):
    status = 400


class Unprocessable(GreenslotError):
    status = 422


class NotFound(GreenslotError):
    status = 404


class Conflict(GreenslotError):
    status = 409
