"""Tenant console API: what the SaaS Integrations page calls. Every route acts for the verified tenant only."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from fieldbooks.console.http_errors import plain_reply, register_error_responses
from fieldbooks.console.routes import connections, reports, review, runs, sync_log, web_connector
from fieldbooks.domain.actors import acting_as
from fieldbooks.domain.errors import FieldbooksError, ValidationFailed
from fieldbooks.observability import logger
from fieldbooks.security.tenant_tokens import verify_console_token
from fieldbooks.services import Services

app = APIGatewayHttpResolver(enable_validation=True)
register_error_responses(app)
for concern in (connections, sync_log, runs, review, reports, web_connector):
    app.include_router(concern.router)
services = Services.from_environment()
TITLE = "Fieldbooks tenant console API"
MAX_BODY = 65_536


def openapi_document() -> dict[str, Any]:
    """The contract as the code states it (committed as docs/openapi.json; a test keeps the two equal)."""
    # Powertools' OpenAPI models take ~90 ms to import: only this document needs them, not a cold start.
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    text = app.get_openapi_json_schema(
        title=TITLE,
        version="1",
        description="Every request carries the SaaS-issued console token; the tenant comes from it only.",
        security_schemes={"console_token": HTTPBearer(bearerFormat="JWT")},
        security=[{"console_token": []}],
    )
    return json.loads(text)


@app.get("/openapi.json", summary="This document: the API's contract")
def get_openapi_document() -> dict[str, Any]:
    return openapi_document()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    # Authenticate before resolving: Powertools validates a request before any middleware runs, and a
    # caller without a valid token should learn nothing, not even which parameters were wrong.
    headers = event.get("headers") or {}
    if len(event.get("body") or "") > MAX_BODY:  # settings are the largest body, a few kB at most
        return plain_reply(ValidationFailed("The request body is too large."))
    media_type = (headers.get("content-type") or "").split(";")[0].strip().lower()
    if event.get("body") and media_type not in ("", "application/json"):
        # Every body this API takes is JSON; Powertools would try to parse a form and fail with a 500.
        return plain_reply(ValidationFailed("Send the request body as JSON (Content-Type: application/json)."))
    try:
        caller = verify_console_token(headers.get("authorization"), services.tenant_jwt_secret())
    except FieldbooksError as error:
        return plain_reply(error)
    logger.append_keys(tenant_id=caller.tenant_id)
    app.append_context(caller=caller, services=services)
    with acting_as(caller.actor):  # what this request writes names the signed-in user (domain/actors.py)
        return app.resolve(event, context)
