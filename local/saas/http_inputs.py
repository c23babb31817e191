"""Reading what a request carries (path, headers, body) into typed values, or a clear 4xx."""

import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from fieldbooks.domain.records import Entity, SaasRecord
from fieldbooks.saas.collections import ENTITY_OF
from local.saas.config import SaasAppConfig
from local.saas.errors import MalformedRequest, PreconditionRequired, RecordNotFound
from local.saas.store import SaasStore


@dataclass(frozen=True)
class AppState:
    store: SaasStore
    config: SaasAppConfig


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.saas
    return state


def entity_of(request: Request) -> Entity:
    collection = request.path_params["collection"]
    if collection not in ENTITY_OF:
        raise RecordNotFound(f"There is no collection {collection!r}")
    return ENTITY_OF[collection]


async def json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise MalformedRequest(f"The request body is not valid JSON: {error}") from error
    if not isinstance(body, dict):
        raise MalformedRequest("The request body must be a JSON object")
    return body


def if_match(request: Request, required: bool) -> int | None:
    """The version the caller read; accepts `3` and the ETag spelling `"3"`."""
    header = request.headers.get("If-Match")
    if header is None:
        if required:
            raise PreconditionRequired("Send If-Match with the version you read, so no one's change is overwritten")
        return None
    try:
        return int(header.strip().removeprefix("W/").strip('"'))
    except ValueError as error:
        raise MalformedRequest(f"If-Match must be a record version number, not {header!r}") from error


def record_json(record: SaasRecord) -> dict[str, Any]:
    return record.model_dump(mode="json")
