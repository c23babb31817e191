"""A simulator per test module, reset before each test, and a connected API client.

Windows are scaled by 0.001 so the published limits never trigger by accident; tests about limits
start their own simulator at real time.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from quickbooks import QuickBooks
from quickbooks.objects.base import Ref
from quickbooks.objects.customer import Customer
from quickbooks.objects.item import Item

from local.simulators.quickbooks_online import (
    CompanySeed,
    RegisteredApp,
    SimulatorConfig,
    SimulatorHandle,
    running_simulator,
)

CLIENT_ID = "sim-client-id"
CLIENT_SECRET = "sim-client-secret"
REDIRECT_URI = "http://localhost/callback"
REALM = "9130350000000001"
OTHER_REALM = "9130350000000002"
UK_REALM = "9130350000000003"
CA_REALM = "9130350000000004"
AU_REALM = "9130350000000005"
# A second app on the developer portal: Intuit counts some limits per realm and app (1.2).
OTHER_APP = RegisteredApp(client_id="other-client-id", client_secret="other-secret", redirect_uris=[REDIRECT_URI])


def sim_config(**overrides: Any) -> SimulatorConfig:
    companies = [
        CompanySeed(realm_id=REALM, name="Sim Field Services LLC"),
        CompanySeed(realm_id=OTHER_REALM, name="Other Co"),
        CompanySeed(realm_id=UK_REALM, name="Sim Services Ltd", country="GB", timezone="Europe/London"),
        CompanySeed(realm_id=CA_REALM, name="Sim Services Inc", country="CA", timezone="America/Toronto"),
        CompanySeed(realm_id=AU_REALM, name="Sim Services Pty Ltd", country="AU", timezone="Australia/Sydney"),
    ]
    apps = [RegisteredApp(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uris=[REDIRECT_URI]), OTHER_APP]
    return SimulatorConfig(**{"apps": apps, "companies": companies, "time_scale": 0.001, **overrides})


@pytest.fixture(scope="module")
def module_sim() -> Iterator[SimulatorHandle]:
    with running_simulator(sim_config()) as handle:
        yield handle


@pytest.fixture
def sim(module_sim: SimulatorHandle) -> SimulatorHandle:
    module_sim.admin.reset(forget_tokens=True)
    return module_sim


def basic_auth(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def authorize(sim: SimulatorHandle, client_id: str = CLIENT_ID, **extra: str) -> dict[str, str]:
    """Follow the auto-consent page; the redirect's query, one value per key."""
    params = {
        "client_id": client_id,
        "response_type": "code",
        "scope": "com.intuit.quickbooks.accounting",
        "redirect_uri": REDIRECT_URI,
        "state": "state-123",
        **extra,
    }
    reply = httpx.get(sim.authorize_url, params=params)
    assert reply.status_code == 302, reply.text
    return {key: values[0] for key, values in parse_qs(urlparse(reply.headers["location"]).query).items()}


def exchange(sim: SimulatorHandle, code: str, app: RegisteredApp | None = None) -> httpx.Response:
    credentials = basic_auth(app.client_id, app.client_secret) if app else basic_auth()
    return httpx.post(
        sim.token_url,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        headers={"Authorization": credentials},
    )


def refresh(sim: SimulatorHandle, refresh_token: str) -> httpx.Response:
    return httpx.post(
        sim.token_url,
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        headers={"Authorization": basic_auth()},
    )


@dataclass
class Qbo:
    """A bare HTTP client for one company, so tests see Intuit's raw replies."""

    http: httpx.Client
    realm_id: str
    tokens: dict[str, Any]

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(f"/v3/company/{self.realm_id}/{path}", params=params)

    def post(self, path: str, body: Any, **params: Any) -> httpx.Response:
        return self.http.post(f"/v3/company/{self.realm_id}/{path}", json=body, params=params)

    def query(self, text: str) -> httpx.Response:
        return self.get("query", query=text)

    def create(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        reply = self.post(entity.lower(), body)
        assert reply.status_code == 200, reply.text
        return reply.json()[entity]


def connect(sim: SimulatorHandle, realm_id: str = REALM, app: RegisteredApp | None = None) -> Qbo:
    redirect = authorize(sim, client_id=app.client_id if app else CLIENT_ID, sim_realm_id=realm_id)
    tokens = exchange(sim, redirect["code"], app).json()
    http = httpx.Client(
        base_url=sim.base_url,
        headers={"Authorization": f"Bearer {tokens['access_token']}", "Accept": "application/json"},
        timeout=10.0,
    )
    return Qbo(http=http, realm_id=realm_id, tokens=tokens)


@pytest.fixture
def qbo(sim: SimulatorHandle) -> Iterator[Qbo]:
    client = connect(sim)
    yield client
    client.http.close()


def fault_of(reply: httpx.Response) -> dict[str, Any]:
    return reply.json()["Fault"]["Error"][0]


def new_customer(qbo: Qbo, name: str = "Acme Plumbing", **fields: Any) -> dict[str, Any]:
    return qbo.create("Customer", {"DisplayName": name, **fields})


def new_item(qbo: Qbo, name: str = "Labor", price: str = "75", taxable: bool = True) -> dict[str, Any]:
    body = {"Name": name, "Type": "Service", "IncomeAccountRef": {"value": "1"}, "UnitPrice": price}
    return qbo.create("Item", {**body, "Taxable": taxable})


def sales_line(item_id: str, qty: str = "2", price: str = "100", **detail: Any) -> dict[str, Any]:
    """A line whose Amount is Qty × UnitPrice to the cent, half-up, as QuickBooks requires (6070)."""
    amount = (Decimal(qty) * Decimal(price)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return {
        "DetailType": "SalesItemLineDetail",
        "Amount": str(amount),
        "SalesItemLineDetail": {"ItemRef": {"value": item_id}, "Qty": qty, "UnitPrice": price, **detail},
    }


def invoice_body(customer_id: str, item_id: str, qty: str = "2", price: str = "100") -> dict[str, Any]:
    return {"CustomerRef": {"value": customer_id}, "Line": [sales_line(item_id, qty, price)]}


# ---- the official clients: Intuit's intuit-oauth and the community python-quickbooks ----------
def auth_client(sim: SimulatorHandle) -> AuthClient:
    return AuthClient(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, environment=sim.discovery_url)


def consent(url: str) -> dict[str, str]:
    location = httpx.get(url).headers["location"]
    return {key: values[0] for key, values in parse_qs(urlparse(location).query).items()}


@pytest.fixture
def connected(sim: SimulatorHandle) -> AuthClient:
    client = auth_client(sim)
    redirect = consent(client.get_authorization_url([Scopes.ACCOUNTING], state_token="st"))
    client.get_bearer_token(redirect["code"], realm_id=redirect["realmId"])
    return client


@pytest.fixture
def qb(sim: SimulatorHandle, connected: AuthClient, monkeypatch: pytest.MonkeyPatch) -> Iterator[QuickBooks]:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    client = QuickBooks(
        auth_client=connected,
        refresh_token=connected.refresh_token,
        company_id=connected.realm_id,
        minorversion=75,
    )
    client.api_url_v3 = f"{sim.base_url}/v3"
    yield client


def make_customer(qb: QuickBooks, name: str) -> Customer:
    customer = Customer()
    customer.DisplayName = name
    return customer.save(qb=qb)


def make_item(qb: QuickBooks) -> Item:
    item = Item()
    item.Name, item.Type, item.UnitPrice = "Service call", "Service", 120
    account = Ref()
    account.value = "1"
    item.IncomeAccountRef = account
    return item.save(qb=qb)
