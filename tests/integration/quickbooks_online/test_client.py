"""QboClient against the QuickBooks Online simulator over HTTP, with real OAuth tokens."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

import httpx
import pytest

from fieldbooks.domain.errors import (
    AuthExpired,
    DuplicateName,
    RateLimited,
    RemoteNotFound,
    StaleVersion,
    Transient,
    ValidationFailed,
)
from fieldbooks.providers.quickbooks_online.client import BatchItem, QboClient
from local.simulators.quickbooks_online import SimulatorHandle
from tests.conftest import QBO_OTHER_REALM, QBO_REALM, QBO_REDIRECT_URI
from tests.support.qbo_tokens import SimulatorTokens


class RecordingBudget:
    """Counts what the client takes from the governor, and the pauses it asks for."""

    def __init__(self) -> None:
        self.acquired: list[bool] = []
        self.pauses: list[float] = []

    def acquire(self, cost: int = 1, *, batch: bool = False) -> None:
        self.acquired.append(batch)

    def pause(self, seconds: float) -> None:
        self.pauses.append(seconds)


class NeverAccepted:
    """Tokens QuickBooks never issued: what a connection whose grant was revoked ends up holding."""

    def current(self) -> str:
        return "a" * 96

    def refreshed(self, rejected: str) -> str:
        return "b" * 96


@pytest.fixture
def tokens(qbo: SimulatorHandle) -> SimulatorTokens:
    return SimulatorTokens(qbo, QBO_REALM, QBO_REDIRECT_URI)


@pytest.fixture
def budget() -> RecordingBudget:
    return RecordingBudget()


@pytest.fixture
def client(qbo: SimulatorHandle, tokens: SimulatorTokens, budget: RecordingBudget) -> QboClient:
    # Generous enough for a loaded test machine; the lost-reply tests use `impatient` instead.
    return QboClient(qbo.base_url, QBO_REALM, tokens, governor=budget, http=httpx.Client(timeout=5.0))


@pytest.fixture
def impatient(qbo: SimulatorHandle, tokens: SimulatorTokens, budget: RecordingBudget) -> QboClient:
    """A reply lost after commit only ends in the client's timeout; one second keeps those tests quick."""
    return QboClient(qbo.base_url, QBO_REALM, tokens, governor=budget, http=httpx.Client(timeout=1.0))


def request_id() -> str:
    return secrets.token_hex(16)


def customers(qbo: SimulatorHandle) -> list[dict[str, Any]]:
    return [row for row in qbo.admin.data(QBO_REALM, "Customer")["Customer"] if row.get("status") != "Deleted"]


def new_invoice(client: QboClient) -> dict[str, Any]:
    customer = client.create("Customer", {"DisplayName": f"Invoice Buyer {secrets.token_hex(3)}"}, request_id())
    account = client.query("SELECT * FROM Account WHERE Name = 'Services'")[0]
    item = client.create(
        "Item",
        {"Name": f"Labour {secrets.token_hex(3)}", "Type": "Service", "IncomeAccountRef": {"value": account["Id"]}},
        request_id(),
    )
    line = {
        "Amount": Decimal("123.45"),
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}, "Qty": 1, "UnitPrice": Decimal("123.45")},
    }
    return client.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line]}, request_id())


def test_a_create_is_read_back_with_money_as_decimals(client: QboClient, budget: RecordingBudget) -> None:
    invoice = new_invoice(client)

    read = client.read("Invoice", invoice["Id"])

    assert read["TotalAmt"] == Decimal("123.45")
    assert isinstance(read["Line"][0]["Amount"], Decimal)
    assert budget.acquired and not any(budget.acquired)  # every call went through the governor, none as batch


def test_repeating_a_requestid_replays_the_first_create(client: QboClient, qbo: SimulatorHandle) -> None:
    same_id = request_id()

    first = client.create("Customer", {"DisplayName": "Jane Doe"}, same_id)
    second = client.create("Customer", {"DisplayName": "Jane Doe"}, same_id)

    assert second["Id"] == first["Id"]
    assert [c["DisplayName"] for c in customers(qbo)] == ["Jane Doe"]


def test_a_reply_lost_after_commit_is_retried_with_the_same_requestid(
    impatient: QboClient, qbo: SimulatorHandle
) -> None:
    qbo.admin.add_fault("drop_after_commit", entity="Customer", times=1)

    created = impatient.create("Customer", {"DisplayName": "Lost Reply Ltd"}, request_id())

    assert created["DisplayName"] == "Lost Reply Ltd"
    assert [c["Id"] for c in customers(qbo)] == [created["Id"]]  # committed once, answered by the replay


def test_server_errors_are_retried_with_backoff_then_succeed(client: QboClient, qbo: SimulatorHandle) -> None:
    qbo.admin.add_fault("error", entity="Customer", times=2, status=503)

    created = client.create("Customer", {"DisplayName": "Second Try Plumbing"}, request_id())

    assert created["Id"]
    assert qbo.admin.count(QBO_REALM, "Customer") == 1
    assert qbo.admin.faults() == []  # both errors were met on the way


def test_server_errors_that_outlast_the_retries_become_transient(client: QboClient, qbo: SimulatorHandle) -> None:
    qbo.admin.add_fault("error", entity="Customer", times=3)
    same_id = request_id()

    with pytest.raises(Transient):
        client.create("Customer", {"DisplayName": "Outage Inc"}, same_id)
    created = client.create("Customer", {"DisplayName": "Outage Inc"}, same_id)  # what the SQS retry does

    assert qbo.admin.count(QBO_REALM, "Customer") == 1
    assert created["DisplayName"] == "Outage Inc"


def test_a_write_without_requestid_is_not_repeated_after_a_timeout(
    client: QboClient, impatient: QboClient, qbo: SimulatorHandle
) -> None:
    customer = client.create("Customer", {"DisplayName": "Sparse Co"}, request_id())
    qbo.admin.add_fault("drop_after_commit", entity="Customer", times=1)

    with pytest.raises(Transient):
        impatient.update("Customer", {"Id": customer["Id"], "SyncToken": customer["SyncToken"], "Notes": "x"})

    stored = client.read("Customer", customer["Id"])
    assert stored["Notes"] == "x"
    assert stored["SyncToken"] == str(int(customer["SyncToken"]) + 1)  # applied once, not twice


def test_a_throttle_raises_rate_limited_and_pauses_the_connection(
    client: QboClient, qbo: SimulatorHandle, budget: RecordingBudget
) -> None:
    qbo.admin.add_fault("throttle", entity="Customer", times=1)

    with pytest.raises(RateLimited) as raised:
        client.create("Customer", {"DisplayName": "Busy Day"}, request_id())

    assert raised.value.retry_after == 60.0  # Intuit's advice when no Retry-After comes (XML 429 body)
    assert budget.pauses == [60.0]
    assert qbo.admin.count(QBO_REALM, "Customer") == 0


def test_an_expired_access_token_is_refreshed_once(client: QboClient, tokens: SimulatorTokens) -> None:
    tokens.spoil()

    info = client.company_info()

    assert info["CompanyName"] == "Acme Plumbing LLC"
    assert tokens.refreshes == 1


def test_a_token_refused_after_refresh_means_reconnect(qbo: SimulatorHandle) -> None:
    client = QboClient(qbo.base_url, QBO_REALM, NeverAccepted())

    with pytest.raises(AuthExpired, match="reconnect"):
        client.company_info()


def test_a_token_for_another_company_is_not_authorised(qbo: SimulatorHandle, tokens: SimulatorTokens) -> None:
    client = QboClient(qbo.base_url, QBO_OTHER_REALM, tokens)

    with pytest.raises(AuthExpired):
        client.company_info()
    assert tokens.refreshes == 0  # 3100 is not a token problem: refreshing would not help


def test_quickbooks_faults_become_domain_errors(client: QboClient) -> None:
    customer = client.create("Customer", {"DisplayName": "Unique Name"}, request_id())
    client.update("Customer", {"Id": customer["Id"], "SyncToken": customer["SyncToken"], "Notes": "first"})

    with pytest.raises(DuplicateName, match="already using this name"):
        client.create("Customer", {"DisplayName": "Unique Name"}, request_id())
    with pytest.raises(StaleVersion):
        client.update("Customer", {"Id": customer["Id"], "SyncToken": customer["SyncToken"], "Notes": "late"})
    with pytest.raises(RemoteNotFound):
        client.read("Customer", "999999")
    with pytest.raises(ValidationFailed, match="Line"):
        client.create("Invoice", {"CustomerRef": {"value": customer["Id"]}}, request_id())


def test_void_and_delete_of_an_invoice(client: QboClient, qbo: SimulatorHandle) -> None:
    invoice = new_invoice(client)

    voided = client.void("Invoice", invoice["Id"], invoice["SyncToken"], request_id())
    deleted = client.delete("Invoice", voided["Id"], voided["SyncToken"], request_id())

    assert voided["TotalAmt"] == Decimal("0")
    assert "Voided" in voided["PrivateNote"]
    assert deleted["Id"] == invoice["Id"]
    assert qbo.admin.count(QBO_REALM, "Invoice") == 0


def test_a_batch_answers_each_item_in_order_with_its_own_fault(client: QboClient, budget: RecordingBudget) -> None:
    existing = client.create("Customer", {"DisplayName": "Already There"}, request_id())
    items = [
        BatchItem(entity="Customer", operation="create", body={"DisplayName": "Batch One"}),
        BatchItem(entity="Customer", operation="create", body={"DisplayName": "Already There"}),
        BatchItem(entity="Customer", operation="update", body={"Id": existing["Id"], "SyncToken": "7", "Notes": "x"}),
        BatchItem(entity="Customer", operation="create", body={"DisplayName": "Batch Two"}),
    ]

    results = client.batch(items, request_id=request_id()[:20])

    assert [type(result).__name__ for result in results] == ["dict", "DuplicateName", "StaleVersion", "dict"]
    assert [results[0]["DisplayName"], results[3]["DisplayName"]] == ["Batch One", "Batch Two"]
    assert budget.acquired[-1] is True  # counted against the batch budget too


def test_query_reads_every_page_and_batches_split_at_thirty(client: QboClient, budget: RecordingBudget) -> None:
    names = [f"Customer {number:04d}" for number in range(1005)]
    items = [BatchItem(entity="Customer", operation="create", body={"DisplayName": name}) for name in names]

    created = client.batch(items, request_id=request_id()[:20])
    found = client.query("SELECT * FROM Customer ORDERBY DisplayName")

    assert all(isinstance(result, dict) for result in created)
    assert budget.acquired.count(True) == 34  # ceil(1005 / 30) batch requests
    assert [row["DisplayName"] for row in found] == names  # two pages: 1000 + 5
    assert client.query("SELECT * FROM Customer WHERE DisplayName = 'Nobody'") == []
