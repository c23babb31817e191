"""A simulator per test module, reset before each test, connected clients, and the spec validator.

Windows are scaled by 0.001 so the published limits never trigger by accident; tests about limits
start their own simulator. Response bodies are checked against Xero's own OpenAPI file
(`../shared/specs/xero/xero_accounting.yaml`), loaded once per session.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from local.simulators.xero import SimulatorConfig, SimulatorHandle, running_simulator
from tests.simulators.xero.spec import SpecValidator, load_validator

CLIENT_ID = "sim-xero-client-id"
CLIENT_SECRET = "sim-xero-client-secret"
PKCE_CLIENT_ID = "sim-xero-pkce-client-id"
REDIRECT_URI = "http://localhost/callback"
GB = "3f1c9d2e-0b5a-4c1e-9e77-1a2b3c4d5e01"
AU = "3f1c9d2e-0b5a-4c1e-9e77-1a2b3c4d5e02"
US = "3f1c9d2e-0b5a-4c1e-9e77-1a2b3c4d5e03"
SCOPE = "openid profile email offline_access accounting.transactions accounting.contacts accounting.settings"


def sim_config(**overrides: Any) -> SimulatorConfig:
    return SimulatorConfig(**{"time_scale": 0.001, **overrides})


@pytest.fixture(scope="session")
def spec() -> SpecValidator:
    return load_validator()


@pytest.fixture(scope="module")
def module_sim() -> Iterator[SimulatorHandle]:
    with running_simulator(sim_config()) as handle:
        yield handle


@pytest.fixture
def sim(module_sim: SimulatorHandle) -> SimulatorHandle:
    module_sim.admin.reset(forget_tokens=True)
    return module_sim


# One client for the identity calls of a test process: a new httpx client per call builds a TLS
# context each time, which costs more than the call itself.
IDENTITY_HTTP = httpx.Client(timeout=10.0)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize(sim: SimulatorHandle, client_id: str = CLIENT_ID, **extra: Any) -> dict[str, str]:
    """Follow the auto-consent page; the redirect's query, one value per key."""
    params = {
        "client_id": client_id,
        "response_type": "code",
        "scope": SCOPE,
        "redirect_uri": REDIRECT_URI,
        "state": "state-123",
        **extra,
    }
    reply = IDENTITY_HTTP.get(sim.authorize_url, params=params)
    assert reply.status_code == 302, reply.text
    return {key: values[0] for key, values in parse_qs(urlparse(reply.headers["location"]).query).items()}


def token_request(sim: SimulatorHandle, form: dict[str, str], secret: bool = True) -> httpx.Response:
    headers = {}
    if secret:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    return IDENTITY_HTTP.post(sim.token_url, data=form, headers=headers)


def exchange(sim: SimulatorHandle, code: str) -> httpx.Response:
    return token_request(sim, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI})


def refresh(sim: SimulatorHandle, refresh_token: str) -> httpx.Response:
    return token_request(sim, {"grant_type": "refresh_token", "refresh_token": refresh_token})


# The spec schema each endpoint's 200 body must match; every 400 with Elements is an `Error`.
SCHEMA_OF = {
    "Contacts": "Contacts",
    "Items": "Items",
    "Invoices": "Invoices",
    "CreditNotes": "CreditNotes",
    "Allocations": "Allocations",
    "Payments": "Payments",
    "Accounts": "Accounts",
    "TaxRates": "TaxRates",
    "Organisation": "Organisations",
}


@dataclass
class Xero:
    """A bare HTTP client for one organisation, so tests see Xero's raw replies. Every JSON reply
    is checked against Xero's OpenAPI schema for its endpoint before the test sees it."""

    http: httpx.Client
    tenant_id: str
    tokens: dict[str, Any]
    spec: SpecValidator

    def get(self, path: str, headers: dict[str, str] | None = None, **params: Any) -> httpx.Response:
        return self._checked(self.http.get(f"/api.xro/2.0/{path}", params=params, headers=self._headers(headers)))

    def put(self, path: str, body: Any, headers: dict[str, str] | None = None, **params: Any) -> httpx.Response:
        reply = self.http.put(f"/api.xro/2.0/{path}", json=body, params=params, headers=self._headers(headers))
        return self._checked(reply)

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None, **params: Any) -> httpx.Response:
        reply = self.http.post(f"/api.xro/2.0/{path}", json=body, params=params, headers=self._headers(headers))
        return self._checked(reply)

    def _checked(self, reply: httpx.Response) -> httpx.Response:
        if not reply.headers.get("content-type", "").startswith("application/json"):
            return reply
        body = reply.json()
        if reply.status_code == 200:
            segments = reply.url.path.split("/")[3:]
            schema = SCHEMA_OF["Allocations" if segments[-1] == "Allocations" else segments[0]]
            self.spec.assert_valid(schema, body)
        elif reply.status_code == 400 and "Elements" in body:
            self.spec.assert_valid("Error", body)
        return reply

    def create(self, entity: str, element: dict[str, Any]) -> dict[str, Any]:
        reply = self.put(entity, {entity: [element]})
        assert reply.status_code == 200, reply.text
        return reply.json()[entity][0]

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        return {"xero-tenant-id": self.tenant_id, **(extra or {})}


def connect(
    sim: SimulatorHandle, spec: SpecValidator, tenant_id: str = GB, user: str = "sim-user", also: tuple[str, ...] = ()
) -> Xero:
    """Consent for `tenant_id` (and the organisations in `also`); the client speaks for the first."""
    redirect = authorize(sim, sim_tenant_id=[tenant_id, *also], sim_user=user)
    tokens = exchange(sim, redirect["code"]).json()
    http = httpx.Client(
        base_url=sim.base_url,
        headers={"Authorization": f"Bearer {tokens['access_token']}", "Accept": "application/json"},
        timeout=10.0,
    )
    return Xero(http=http, tenant_id=tenant_id, tokens=tokens, spec=spec)


@pytest.fixture
def xero(sim: SimulatorHandle, spec: SpecValidator) -> Iterator[Xero]:
    client = connect(sim, spec)
    yield client
    client.http.close()


def validation_messages(reply: httpx.Response) -> list[str]:
    body = reply.json()
    return [error["Message"] for element in body["Elements"] for error in element["ValidationErrors"]]


def new_contact(xero: Xero, name: str = "Acme Plumbing", **fields: Any) -> dict[str, Any]:
    return xero.create("Contacts", {"Name": name, **fields})


def new_item(xero: Xero, code: str = "LAB-1", price: float = 75.00, **fields: Any) -> dict[str, Any]:
    sales = {"UnitPrice": price, "AccountCode": "200", "TaxType": "OUTPUT2"}
    return xero.create("Items", {"Code": code, "Name": "Labour", "SalesDetails": sales, **fields})


def invoice_body(contact_id: str, status: str = "AUTHORISED", **fields: Any) -> dict[str, Any]:
    line = {"Description": "Boiler service", "Quantity": 2, "UnitAmount": 100.00, "AccountCode": "200"}
    return {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact_id},
        "Date": "2026-11-30",
        "DueDate": "2026-12-30",
        "LineAmountTypes": "Exclusive",
        "LineItems": [{**line, "TaxType": "OUTPUT2"}],
        "Status": status,
        **fields,
    }
