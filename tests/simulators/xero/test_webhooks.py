"""Webhooks (providers.md 2.7): Intent to Receive, signed event batches, retries; bodies checked
against `xero-webhooks.yaml`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from local.simulators.xero import SimulatorHandle
from tests.simulators.xero.conftest import GB, Xero, invoice_body, new_contact, new_item
from tests.simulators.xero.spec import load_webhooks_validator

WEBHOOKS = load_webhooks_validator()
KEY = "receiver-key-for-tests"


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1 that checks `x-xero-signature` the way Xero's samples do."""

    url: str = ""
    bodies: list[dict[str, Any]] = field(default_factory=list)
    verify: bool = True
    fail_next: int = 0
    reply_body: bytes = b""

    def events(self) -> list[dict[str, Any]]:
        return [event for body in self.bodies for event in body["events"]]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            raw = self.rfile.read(int(self.headers["content-length"]))
            expected = base64.b64encode(hmac.new(KEY.encode(), raw, hashlib.sha256).digest()).decode()
            good = hmac.compare_digest(expected, self.headers.get("x-xero-signature", ""))
            if state.verify and not good:
                status = 401
            elif state.fail_next > 0:
                state.fail_next -= 1
                status = 500
            else:
                status = 200
                body = json.loads(raw)
                if body["events"]:
                    state.bodies.append(body)
            self.send_response(status)
            self.send_header("content-length", str(len(state.reply_body)))
            self.end_headers()
            self.wfile.write(state.reply_body)

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/webhooks/xero"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def subscribe(sim: SimulatorHandle, receiver: Receiver) -> dict[str, Any]:
    sim.admin.configure_webhooks(url=receiver.url, key=KEY)
    wait_for(lambda: sim.admin.webhooks()["status"] != "PENDING")
    return sim.admin.webhooks()


def test_intent_to_receive_passes_when_bad_signatures_get_401(sim: SimulatorHandle, receiver: Receiver) -> None:
    state = subscribe(sim, receiver)

    assert state["status"] == "OK"
    assert [(c["signed_correctly"], c["status"]) for c in state["intent_checks"]] == [
        (True, 200),
        (False, 401),
        (True, 200),
        (False, 401),
    ]


def test_intent_to_receive_fails_for_a_receiver_that_does_not_check_and_no_events_flow(
    sim: SimulatorHandle, receiver: Receiver, xero: Xero
) -> None:
    receiver.verify = False

    state = subscribe(sim, receiver)
    new_contact(xero)
    time.sleep(0.1)

    assert state["status"] == "FAILED"
    assert [c["ok"] for c in state["intent_checks"]] == [True, False, True, False]
    assert receiver.bodies == [] and sim.admin.webhooks()["notifications"] == []


def test_intent_to_receive_fails_when_the_200_has_a_body(sim: SimulatorHandle, receiver: Receiver) -> None:
    receiver.reply_body = b"thanks"

    assert subscribe(sim, receiver)["status"] == "FAILED"


def test_changes_arrive_as_one_signed_batch_of_thin_events(
    sim: SimulatorHandle, receiver: Receiver, xero: Xero
) -> None:
    subscribe(sim, receiver)
    contact = new_contact(xero)
    new_item(xero)
    invoice = xero.create("Invoices", invoice_body(contact["ContactID"]))

    wait_for(lambda: len(receiver.events()) >= 3)
    body = receiver.bodies[0]

    WEBHOOKS.assert_valid("WebhookEvent", body)
    assert (body["firstEventSequence"], body["lastEventSequence"]) == (1, len(body["events"]))
    kinds = [(e["eventCategory"], e["eventType"], e["resourceId"]) for e in receiver.events()]
    assert kinds == [
        ("CONTACT", "CREATE", contact["ContactID"]),
        ("CONTACT", "UPDATE", contact["ContactID"]),  # now a customer
        ("INVOICE", "CREATE", invoice["InvoiceID"]),
    ]
    event = receiver.events()[2]
    assert event["tenantId"] == GB and event["tenantType"] == "ORGANISATION"
    fetched = xero.http.get(event["resourceUrl"], headers={"xero-tenant-id": GB})
    assert fetched.json()["Invoices"][0]["InvoiceID"] == invoice["InvoiceID"]


def test_credit_note_events_carry_type_and_status(sim: SimulatorHandle, receiver: Receiver, xero: Xero) -> None:
    subscribe(sim, receiver)
    contact = new_contact(xero)
    credit = xero.create("CreditNotes", {**invoice_body(contact["ContactID"]), "Type": "ACCRECCREDIT"})

    wait_for(lambda: any(e["eventCategory"] == "CREDITNOTE" for e in receiver.events()))
    event = next(e for e in receiver.events() if e["eventCategory"] == "CREDITNOTE")

    assert event["resourceId"] == credit["CreditNoteID"]
    assert event["data"] == {"Type": "ACCRECCREDIT", "Status": "AUTHORISED"}
    WEBHOOKS.assert_valid("CreditNoteWebhookEvent", {**receiver.bodies[-1], "events": [event]})


def test_an_edit_in_xero_itself_is_an_update_event(sim: SimulatorHandle, receiver: Receiver, xero: Xero) -> None:
    subscribe(sim, receiver)
    contact = new_contact(xero)
    wait_for(lambda: len(receiver.events()) == 1)

    sim.admin.edit_as_user(GB, "Contacts", contact["ContactID"], ContactStatus="ARCHIVED")
    wait_for(lambda: len(receiver.events()) == 2)

    assert receiver.events()[1]["eventType"] == "UPDATE"
    assert receiver.bodies[1]["firstEventSequence"] == 2


def test_a_failed_delivery_is_retried(sim: SimulatorHandle, receiver: Receiver, xero: Xero) -> None:
    subscribe(sim, receiver)
    receiver.fail_next = 2

    new_contact(xero)
    wait_for(lambda: bool(receiver.bodies))
    notification = sim.admin.webhooks()["notifications"][0]

    assert [a["status"] for a in notification["attempts"]] == [500, 500, 200]
    assert notification["delivered"] is True


def test_a_receiver_that_keeps_failing_gets_its_subscription_disabled(
    sim: SimulatorHandle, receiver: Receiver, xero: Xero
) -> None:
    subscribe(sim, receiver)
    sim.admin.configure_webhooks(retry_waits=[0, 1, 1])  # seconds before each attempt, scaled
    wait_for(lambda: sim.admin.webhooks()["status"] == "OK")
    receiver.fail_next = 10

    new_contact(xero)
    wait_for(lambda: sim.admin.webhooks()["status"] == "DISABLED")

    notification = sim.admin.webhooks()["notifications"][0]
    assert [a["status"] for a in notification["attempts"]] == [500, 500, 500]
    assert notification["delivered"] is False
