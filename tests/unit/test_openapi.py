"""The tenant API's contract is an artefact: docs/openapi.json is what the code states, nothing else."""

from __future__ import annotations

import json

from local.openapi import DOCUMENT, rendered
from tests.conftest import console_token


def test_the_committed_openapi_document_is_what_the_code_states() -> None:
    assert DOCUMENT.read_text() == rendered(), "The tenant API changed: run `make openapi` and review the diff."


def test_every_route_asks_for_the_console_token() -> None:
    document = json.loads(DOCUMENT.read_text())
    assert document["security"] == [{"console_token": []}]
    assert document["components"]["securitySchemes"]["console_token"]["scheme"] == "bearer"
    assert len(document["paths"]) >= 20


def test_the_document_is_served_to_a_signed_in_tenant_only(aws, handler, context, load_event) -> None:  # noqa: ANN001
    def get(headers: dict[str, str]) -> dict:
        event = load_event(
            "tenant_api/get_sync_log.json",
            rawPath="/openapi.json",
            routeKey="GET /openapi.json",
            rawQueryString="",
            queryStringParameters=None,
            headers=headers,
            requestContext__http__path="/openapi.json",
        )
        return handler("TenantApiFunction")(event, context)

    assert get({})["statusCode"] == 401
    served = get({"authorization": f"Bearer {console_token('t-acme', role='member')}"})
    assert served["statusCode"] == 200
    assert json.loads(served["body"]) == json.loads(DOCUMENT.read_text())
