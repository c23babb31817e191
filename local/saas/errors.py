"""Why the reference app refuses a request; `error_replies.py` turns these into HTTP replies."""

from typing import Any


class AppError(Exception):
    status_code = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotAuthenticated(AppError):
    status_code = 401


class UnknownTenant(AppError):
    status_code = 404


class RecordNotFound(AppError):
    status_code = 404


class VersionMismatch(AppError):
    """If-Match named an older version; the body carries `current_version` so the caller can re-read."""

    status_code = 412


class PreconditionRequired(AppError):
    status_code = 428


class InvalidRequest(AppError):
    """A well-formed request the product's rules refuse (e.g. voiding a draft)."""

    status_code = 422


class IdempotencyKeyReused(AppError):
    status_code = 422


class MalformedRequest(AppError):
    """Not even readable: bad JSON, a bad header or query parameter."""

    status_code = 400
