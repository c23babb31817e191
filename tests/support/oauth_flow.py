"""Drives the real connect flow: tenant API → the simulator's consent redirect → the callback handler.

The browser's part is played by httpx: it opens the authorize URL and stops at the redirect back
to us, whose query string becomes the callback function's API Gateway event. The cookies the
authorize reply sets are kept in `BROWSER` (the one browser of the test process) and sent with each
callback, as the browser that started the flow would; a test passes `cookies=` to play another one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from fieldbooks.domain.models import Connection, Provider
from fieldbooks.services import Services
from fieldbooks.store.connections import ConnectionStore
from local.runtime.handlers import LambdaContext, load_handler, load_module
from tests.conftest import TEMPLATE, console_token

PROVIDER = Provider.QUICKBOOKS_ONLINE.value


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]
    cookies: list[str] = field(default_factory=list)  # Set-Cookie values (payload 2.0 `cookies`)


# name -> value of every cookie our replies set; names derive from the state, so tests never clash.
BROWSER: dict[str, str] = {}


def http_event(method: str, path: str, *, query: dict[str, str] | None = None, **options: Any) -> dict[str, Any]:
    """An HTTP API (payload 2.0) event as API Gateway sends it; `headers` and `body` are optional."""
    headers = {"host": "api.fieldbooks.example", **options.get("headers", {})}
    body = options.get("body")
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": urlencode(query or {}),
        "queryStringParameters": query or None,
        "headers": headers,
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "api.fieldbooks.example",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.10"},
            "requestId": "req-1",
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "timeEpoch": 1795255200000,
        },
    }


def invoke(function_id: str, event: dict[str, Any]) -> Reply:
    reply = load_handler(TEMPLATE.function(function_id))(event, LambdaContext("fieldbooks-test"))
    headers = reply.get("headers") or {}
    body = reply.get("body")
    if body and headers.get("Content-Type", "").startswith("application/json"):
        body = json.loads(body)
    return Reply(reply["statusCode"], body, headers, list(reply.get("cookies") or []))


def tenant_api(
    method: str,
    path: str,
    tenant_id: str,
    role: str = "admin",
    body: Any = None,
    query: dict[str, str] | None = None,
) -> Reply:
    headers = {"authorization": f"Bearer {console_token(tenant_id, role=role)}"}
    return invoke("TenantApiFunction", http_event(method, path, query=query, headers=headers, body=body))


def authorize(tenant_id: str, role: str = "admin", provider: str = PROVIDER) -> Reply:
    reply = tenant_api("POST", f"/connections/{provider}/authorize", tenant_id, role=role)
    BROWSER.update(set_cookies(reply))
    return reply


def set_cookies(reply: Reply) -> dict[str, str]:
    """name -> value of what a reply sets (attributes dropped)."""
    pairs = (cookie.split(";", 1)[0].partition("=") for cookie in reply.cookies)
    return {name.strip(): value for name, _, value in pairs}


def consent(authorize_url: str, **choices: str) -> dict[str, str]:
    """What the provider appends to our redirect URI; `choices` steer the simulator's consent page
    (`sim_realm_id`, `sim_consent=deny`)."""
    url = f"{authorize_url}&{urlencode(choices)}" if choices else authorize_url
    reply = httpx.get(url, follow_redirects=False, timeout=10)
    assert reply.status_code == 302, reply.text
    return dict(parse_qsl(urlsplit(reply.headers["location"]).query))


def callback(
    params: dict[str, str], *, as_json: bool = True, cookies: dict[str, str] | None = None, provider: str = PROVIDER
) -> Reply:
    """The browser arriving from the provider; `cookies` (default: `BROWSER`'s) as its Cookie header."""
    headers = {"accept": "application/json"} if as_json else {"accept": "text/html"}
    path = f"/oauth/{provider}/callback"
    event = http_event("GET", path, query=params, headers=headers)
    jar = BROWSER if cookies is None else cookies
    if jar:  # API Gateway (payload 2.0) hands cookies over as a list, not as a header
        event["cookies"] = [f"{name}={value}" for name, value in jar.items()]
    reply = invoke("OAuthCallbackFunction", event)
    for name, value in set_cookies(reply).items():  # the callback clears its cookie: so does the browser
        if not value:
            jar.pop(name, None)
    return reply


def connect_quickbooks(tenant_id: str, **choices: str) -> Connection:
    """The whole flow for tests that need a real, connected tenant (tokens the simulator accepts)."""
    start = authorize(tenant_id)
    assert start.status == 200, start.body
    finished = callback(consent(start.body["authorize_url"], **choices))
    assert finished.status == 200, finished.body
    return ConnectionStore().get(tenant_id, Provider.QUICKBOOKS_ONLINE)


def handler_services(function_id: str) -> Services:
    """The Services object a function's module built at import, as a warm Lambda keeps it."""
    return load_module(TEMPLATE.function(function_id)).services
