"""Fixtures of the security suite: the tenant API handler as API Gateway calls it, a provider with books
per company, and two tenants: one with something behind every id, one attacking it."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from fieldbooks import registry
from tests.security.probes import QBO, Api, Reply, Victim, make_victim
from tests.support.fake_provider import FakeProvider, connect


@pytest.fixture
def api(aws, handler, context, load_event) -> Api:  # noqa: ANN001 - fixtures
    tenant_api = handler("TenantApiFunction")

    def call(
        method: str,
        raw_path: str,
        authorization: str | None,
        *,
        query: dict[str, str] | None = None,
        body: str | bytes | None = None,
        content_type: str = "application/json",
    ) -> Reply:
        headers = {"host": "api.fieldbooks.example"}
        if authorization is not None:
            headers["authorization"] = authorization
        event = load_event(
            "tenant_api/get_sync_log.json",
            rawPath=raw_path,
            routeKey=f"{method} {raw_path}",
            rawQueryString=urlencode(query or {}),
            queryStringParameters=query or None,
            headers=headers,
            requestContext__http__path=raw_path,
            requestContext__http__method=method,
        )
        if isinstance(body, bytes):  # what API Gateway does with a body that is not UTF-8 text
            event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
        elif body is not None:
            event["body"] = body
        if body is not None:
            event["headers"]["content-type"] = content_type
        try:
            reply = tenant_api(event, context)
        except Exception as error:  # noqa: BLE001 - a function that raises is API Gateway's 502
            return Reply(502, None, f"the function raised {type(error).__name__}: {error}"[:300])
        text = reply.get("body") or ""
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        return Reply(reply["statusCode"], parsed, text)

    return call


@pytest.fixture
def fake_books() -> Iterator[FakeProvider]:
    """A provider with one set of books per company, so one tenant's accounting ids are nothing to another."""
    with registry.replaced(QBO, FakeProvider()) as fake:
        yield fake  # type: ignore[misc]  # the registry hands back what it was given


@pytest.fixture
def victim(api: Api, saas_app: Any, fake_books: FakeProvider) -> Victim:  # noqa: ANN401 - fixture
    return make_victim(api, saas_app)


@pytest.fixture
def intruder(saas_app: Any, fake_books: FakeProvider) -> str:  # noqa: ANN401 - fixture
    """Another tenant's admin, connected to books of their own, with a contact of their own."""
    tenant = f"t-intruder-{uuid.uuid4().hex[:8]}"
    saas_app.handle.app_client.create_tenant(tenant, "Intruder Ltd")
    connect(tenant)
    return tenant
