"""Webhooks (providers.md 1.7): aggregated, signed, retried, in legacy or CloudEvents form."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from local.simulators.quickbooks_online import SimulatorHandle, WebhookConfig, running_simulator
from tests.simulators.quickbooks_online.conftest import (
    OTHER_REALM,
    REALM,
    connect,
    invoice_body,
    new_customer,
    new_item,
    sim_config,
)

VERIFIER = "verifier-token-for-tests"


class Receiver:
    """A webhook endpoint that answers with scripted statuses and keeps what it got."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.deliveries.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.deliveries) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.deliveries) >= count, f"got {len(self.deliveries)} deliveries, wanted {count}"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    endpoint = Receiver()
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


@pytest.fixture
def webhook_sim(receiver: Receiver) -> Callable[..., Any]:
    def start(**settings: Any) -> Any:
        webhook = WebhookConfig(
            **{"url": receiver.url, "verifier_token": VERIFIER, "aggregation_delay": 50.0, **settings}
        )
        return running_simulator(sim_config(webhook=webhook))

    return start


def expected_signature(body: bytes) -> str:
    return base64.b64encode(hmac.new(VERIFIER.encode(), body, hashlib.sha256).digest()).decode()


def test_changes_are_aggregated_into_one_signed_legacy_notification(
    receiver: Receiver, webhook_sim: Callable[..., Any]
) -> None:
    with webhook_sim(format="legacy") as sim:
        qbo = connect(sim)
        created = new_customer(qbo)
        qbo.post("customer", {"Id": created["Id"], "SyncToken": "0", "sparse": True, "Notes": "x"})
        receiver.wait_for(1)
        time.sleep(0.1)

    assert len(receiver.deliveries) == 1
    headers, body = receiver.deliveries[0]
    assert headers["intuit-signature"] == expected_signature(body)
    notification = json.loads(body)["eventNotifications"][0]
    assert notification["realmId"] == REALM
    entities = notification["dataChangeEvent"]["entities"]
    assert [(e["name"], e["id"], e["operation"]) for e in entities] == [
        ("Customer", "1", "Create"),
        ("Customer", "1", "Update"),
    ]
    assert len(entities[0]["lastUpdated"]) == len("2015-10-05T14:42:19-0700")


def test_cloudevents_is_the_default_and_one_delivery_mixes_realms(
    receiver: Receiver, webhook_sim: Callable[..., Any]
) -> None:
    with webhook_sim(aggregation_delay=500.0) as sim:  # 0.5 s: both realms change inside one window
        here, there = connect(sim), connect(sim, OTHER_REALM)
        new_customer(here)
        new_customer(there, "Other realm customer")
        receiver.wait_for(1)
        time.sleep(0.1)

    assert len(receiver.deliveries) == 1
    headers, body = receiver.deliveries[0]
    events = json.loads(body)
    assert headers["intuit-signature"] == expected_signature(body)
    assert [(e["specversion"], e["type"], e["intuitentityid"], e["intuitaccountid"]) for e in events] == [
        ("1.0", "qbo.customer.created.v1", "1", REALM),
        ("1.0", "qbo.customer.created.v1", "1", OTHER_REALM),
    ]
    assert len({event["id"] for event in events}) == 2
    assert {event["datacontenttype"] for event in events} == {"application/json"}


def test_the_legacy_format_keeps_one_realm_per_notification(
    receiver: Receiver, webhook_sim: Callable[..., Any]
) -> None:
    with webhook_sim(format="legacy", aggregation_delay=500.0) as sim:  # 0.5 s: both realms change inside one window
        here, there = connect(sim), connect(sim, OTHER_REALM)
        new_customer(here)
        new_customer(there, "Other realm customer")
        receiver.wait_for(1)

    notifications = json.loads(receiver.deliveries[0][1])["eventNotifications"]
    assert [n["realmId"] for n in notifications] == [REALM, OTHER_REALM]
    assert [len(n["dataChangeEvent"]["entities"]) for n in notifications] == [1, 1]


def test_a_failed_delivery_is_retried_until_acknowledged(receiver: Receiver, webhook_sim: Callable[..., Any]) -> None:
    receiver.statuses = [500, 503]
    with webhook_sim() as sim:
        new_customer(connect(sim))
        receiver.wait_for(3)
        log = sim.admin.webhooks()["notifications"][0]

    assert [attempt["status"] for attempt in log["attempts"]] == [500, 503, 200]
    assert log["delivered"] is True
    assert receiver.deliveries[0][1] == receiver.deliveries[2][1]


def test_an_edit_as_a_quickbooks_user_bumps_the_synctoken_and_notifies(
    receiver: Receiver, webhook_sim: Callable[..., Any]
) -> None:
    with webhook_sim(format="legacy") as sim:
        qbo = connect(sim)
        created = new_customer(qbo)
        receiver.wait_for(1)

        edited = sim.admin.edit_as_user(REALM, "Customer", created["Id"], DisplayName="Acme (renamed)")
        receiver.wait_for(2)
        stale = qbo.post("customer", {"Id": created["Id"], "SyncToken": "0", "sparse": True, "Notes": "x"})

    assert edited["SyncToken"] == "1"
    assert stale.json()["Fault"]["Error"][0]["code"] == "5010"
    entities = json.loads(receiver.deliveries[1][1])["eventNotifications"][0]["dataChangeEvent"]["entities"]
    assert entities == [
        {"name": "Customer", "id": "1", "operation": "Update", "lastUpdated": entities[0]["lastUpdated"]}
    ]


def test_admin_lists_data_including_inactive_and_deleted(sim: SimulatorHandle) -> None:
    qbo = connect(sim)
    customer = new_customer(qbo)
    qbo.post("customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Active": False})

    listing = sim.admin.data(REALM, "Customer")

    assert [c["Active"] for c in listing["Customer"]] == [False]
    assert sim.admin.count(REALM, "Customer") == 1


def test_a_record_added_by_a_quickbooks_user_follows_the_same_rules_and_notifies(
    receiver: Receiver, webhook_sim: Callable[..., Any]
) -> None:
    with webhook_sim(format="legacy") as sim:
        added = sim.admin.create_as_user(REALM, "Customer", DisplayName="Walk-in Customer")
        receiver.wait_for(1)
        with pytest.raises(httpx.HTTPStatusError) as duplicate:
            sim.admin.create_as_user(REALM, "Customer", DisplayName="Walk-in Customer")
        customers = sim.admin.count(REALM, "Customer")

    assert added["SyncToken"] == "0"
    assert customers == 1
    assert duplicate.value.response.json()["Fault"]["Error"][0]["code"] == "6240"
    entities = json.loads(receiver.deliveries[0][1])["eventNotifications"][0]["dataChangeEvent"]["entities"]
    assert [(e["name"], e["id"], e["operation"]) for e in entities] == [("Customer", added["Id"], "Create")]


def test_a_quickbooks_user_voids_and_deletes_transactions_with_the_same_rules_and_notifications(
    receiver: Receiver, webhook_sim: Callable[..., Any]
) -> None:
    with webhook_sim(format="legacy") as sim:
        qbo = connect(sim)
        customer = new_customer(qbo)
        item = new_item(qbo)
        invoice = qbo.post("invoice", invoice_body(customer["Id"], item["Id"])).json()["Invoice"]
        other = qbo.post("invoice", invoice_body(customer["Id"], item["Id"])).json()["Invoice"]
        receiver.wait_for(1)

        voided = sim.admin.void_as_user(REALM, "Invoice", invoice["Id"])
        deleted = sim.admin.delete_as_user(REALM, "Invoice", other["Id"])
        with pytest.raises(httpx.HTTPStatusError) as name:
            sim.admin.delete_as_user(REALM, "Customer", customer["Id"])  # names go inactive, never deleted
        receiver.wait_for(2)
        read_deleted = qbo.get(f"invoice/{other['Id']}")

    assert (voided["TotalAmt"], voided["PrivateNote"], voided["SyncToken"]) == (0, "Voided", "1")
    assert deleted == {"status": "Deleted", "domain": "QBO", "Id": other["Id"], "MetaData": deleted["MetaData"]}
    assert name.value.response.status_code == 400
    assert read_deleted.json()["Fault"]["Error"][0]["code"] == "610"
    entities = json.loads(receiver.deliveries[1][1])["eventNotifications"][0]["dataChangeEvent"]["entities"]
    assert [(e["name"], e["id"], e["operation"]) for e in entities] == [
        ("Invoice", invoice["Id"], "Void"),
        ("Invoice", other["Id"], "Delete"),
    ]
