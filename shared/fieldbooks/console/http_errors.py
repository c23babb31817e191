"""Domain errors become HTTP replies in one place: a JSON body with a message, and the right 4xx."""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from fieldbooks.domain.errors import (
    Conflict,
    FieldbooksError,
    Forbidden,
    NotFound,
    Unauthorized,
    ValidationFailed,
)
from fieldbooks.observability import logger

STATUS_FOR: dict[type[FieldbooksError], int] = {
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    ValidationFailed: 400,
}


def status_for(error: FieldbooksError) -> int:
    return next((code for kind, code in STATUS_FOR.items() if isinstance(error, kind)), 500)


def plain_reply(error: FieldbooksError) -> dict[str, object]:
    """The same JSON error, for replies made before the resolver runs (authentication)."""
    return {
        "statusCode": status_for(error),
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": json.dumps({"message": error.message}),
        "isBase64Encoded": False,
    }


def _reply(status: int, message: str, **extra: object) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body={"message": message, **extra})


def register_error_responses(app: APIGatewayHttpResolver) -> None:
    @app.exception_handler(FieldbooksError)
    def domain_error(error: FieldbooksError) -> Response:
        status = status_for(error)
        if status == 500:
            logger.exception("Unhandled domain error")
            return _reply(500, "Something went wrong on our side; it has been logged.")
        return _reply(status, error.message)

    @app.exception_handler(RequestValidationError)
    def invalid_request(error: RequestValidationError) -> Response:
        problems = [
            f"{'.'.join(str(part) for part in e['loc'][1:]) or e['loc'][0]}: {e['msg']}" for e in error.errors()
        ]
        return _reply(400, "The request is not valid: " + "; ".join(problems), errors=problems)

    @app.exception_handler([UnicodeDecodeError, RecursionError])
    def unreadable_body(_: Exception) -> Response:
        # Raised by the resolver's own body parsing (a non-UTF-8 body, JSON nested 50,000 deep),
        # before any route runs: the caller sent something that is not JSON.
        return _reply(400, "The request body is not valid JSON.")

    @app.not_found
    def no_route(_: Exception) -> Response:
        return _reply(404, "Not Found")
