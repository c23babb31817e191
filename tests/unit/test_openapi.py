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


def test_a_body_that_is_not_json_is_a_400_not_a_500(aws, handler, context, load_event) -> None:  # noqa: ANN001
    """Found by schemathesis against the local stack: a form Content-Type without a boundary made the
    resolver's body parsing raise before any route ran."""
    path = "/connections/quickbooks_online/settings"
    event = load_event(
        "tenant_api/get_sync_log.json",
        rawPath=path,
        routeKey=f"PUT {path}",
        rawQueryString="",
        queryStringParameters=None,
        headers={
            "authorization": f"Bearer {console_token('t-acme', role='admin')}",
            "content-type": "multipart/form-data",
        },
        requestContext__http__path=path,
        requestContext__http__method="PUT",
    )
    event["body"] = json.dumps({"approve_plan": False})

    reply = handler("TenantApiFunction")(event, context)

    assert reply["statusCode"] == 400
    assert json.loads(reply["body"]) == {"message": "Send the request body as JSON (Content-Type: application/json)."}
