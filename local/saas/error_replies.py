"""The one place where the reference app's refusals become HTTP replies: JSON `{"message": ...}`."""

import json
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from local.saas.errors import AppError


def validation_message(error: ValidationError) -> str:
    """ "lines.0.quantity: Input should be greater than 0" — a sentence the caller can act on."""
    problems = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)


async def app_error_reply(request: Request, error: Exception) -> Response:
    assert isinstance(error, AppError)
    return JSONResponse({"message": error.message, **error.details}, status_code=error.status_code)


async def validation_error_reply(request: Request, error: Exception) -> Response:
    assert isinstance(error, ValidationError)
    return JSONResponse({"message": f"Invalid request: {validation_message(error)}"}, status_code=422)


async def bad_json_reply(request: Request, error: Exception) -> Response:
    return JSONResponse({"message": "The request body is not valid JSON"}, status_code=400)


async def http_error_reply(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return JSONResponse({"message": error.detail}, status_code=error.status_code)


EXCEPTION_HANDLERS: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
    AppError: app_error_reply,
    ValidationError: validation_error_reply,
    json.JSONDecodeError: bad_json_reply,
    HTTPException: http_error_reply,
}
