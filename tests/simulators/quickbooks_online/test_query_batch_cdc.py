"""Query, batch and CDC (providers.md 1.2 and 1.6)."""

from __future__ import annotations

from datetime import datetime, timedelta

from local.simulators.quickbooks_online import SimulatorHandle
from tests.simulators.quickbooks_online.conftest import (
    REALM,
    Qbo,
    fault_of,
    invoice_body,
    new_customer,
    new_item,
)


def names(reply_json: dict) -> list[str]:
    return [c["DisplayName"] for c in reply_json["QueryResponse"].get("Customer", [])]


def test_where_operators_like_in_and_orderby(qbo: Qbo) -> None:
    for name in ("Beta", "Alpha", "Gamma", "Alphabet"):
        new_customer(qbo, name)

    assert names(qbo.query("SELECT * FROM Customer WHERE DisplayName = 'alpha'").json()) == ["Alpha"]
    assert names(qbo.query("select * from Customer where DisplayName LIKE 'Alph%' ORDERBY DisplayName").json()) == [
        "Alpha",
        "Alphabet",
    ]
    assert names(qbo.query("select * from Customer where Id IN ('1', '3') order by DisplayName DESC").json()) == [
        "Gamma",
        "Beta",
    ]
    assert names(qbo.query("select * from Customer where Id > '2' and Id <= '3'").json()) == ["Gamma"]


def test_pagination_and_count(qbo: Qbo) -> None:
    for number in range(5):
        new_customer(qbo, f"Customer {number}")

    page = qbo.query("select * from Customer ORDERBY Id STARTPOSITION 2 MAXRESULTS 2").json()["QueryResponse"]
    count = qbo.query("select count(*) from Customer").json()["QueryResponse"]

    assert [c["Id"] for c in page["Customer"]] == ["2", "3"]
    assert (page["startPosition"], page["maxResults"]) == (2, 2)
    assert count == {"totalCount": 5}


def test_maxresults_is_capped_at_1000(qbo: Qbo) -> None:
    batch = [{"bId": str(n), "operation": "create", "Customer": {"DisplayName": f"C{n}"}} for n in range(30)]
    for _ in range(35):
        qbo.post("batch", {"BatchItemRequest": batch})
        batch = [{**item, "Customer": {"DisplayName": item["Customer"]["DisplayName"] + "x"}} for item in batch]

    page = qbo.query("select * from Customer MAXRESULTS 5000").json()["QueryResponse"]

    assert page["maxResults"] == 1000


def test_incremental_reads_filter_on_lastupdatedtime(sim: SimulatorHandle, qbo: Qbo) -> None:
    new_customer(qbo, "Old")
    sim.admin.advance_clock(120)
    cutoff = (datetime.now().astimezone() + timedelta(seconds=60)).isoformat(timespec="seconds")
    new_customer(qbo, "New")

    assert names(qbo.query(f"select * from Customer where MetaData.LastUpdatedTime > '{cutoff}'").json()) == ["New"]


def test_a_malformed_query_is_a_4000_parser_error(qbo: Qbo) -> None:
    reply = qbo.query("select from where")

    assert reply.status_code == 400
    assert fault_of(reply)["code"] == "4000"
    assert fault_of(reply)["Message"] == "Error parsing query"


def test_query_by_post_with_application_text(qbo: Qbo) -> None:
    new_customer(qbo)
    reply = qbo.http.post(
        f"/v3/company/{REALM}/query",
        content="select * from Customer",
        headers={"Content-Type": "application/text"},
    )

    assert names(reply.json()) == ["Acme Plumbing"]


def test_batch_answers_each_item_and_carries_faults_in_a_200(qbo: Qbo) -> None:
    new_customer(qbo, "Taken")
    items = [
        {"bId": "a", "operation": "create", "Customer": {"DisplayName": "Fresh"}},
        {"bId": "b", "operation": "create", "Customer": {"DisplayName": "Taken"}},
        {"bId": "c", "Query": "select count(*) from Customer"},
    ]

    reply = qbo.post("batch", {"BatchItemRequest": items})

    assert reply.status_code == 200
    answers = {item["bId"]: item for item in reply.json()["BatchItemResponse"]}
    assert answers["a"]["Customer"]["DisplayName"] == "Fresh"
    assert answers["b"]["Fault"]["Error"][0]["code"] == "6240"
    assert answers["b"]["Fault"]["type"] == "ValidationFault"
    assert answers["c"]["QueryResponse"] == {"totalCount": 2}


def test_batch_voids_with_options_data_and_deletes(qbo: Qbo) -> None:
    customer, item = new_customer(qbo), new_item(qbo)
    first = qbo.create("Invoice", invoice_body(customer["Id"], item["Id"]))
    second = qbo.create("Invoice", invoice_body(customer["Id"], item["Id"]))
    items = [
        {
            "bId": "v",
            "operation": "update",
            "optionsData": "void",
            "Invoice": {"Id": first["Id"], "SyncToken": "0"},
        },
        {"bId": "d", "operation": "delete", "Invoice": {"Id": second["Id"], "SyncToken": "0"}},
    ]

    answers = {item["bId"]: item for item in qbo.post("batch", {"BatchItemRequest": items}).json()["BatchItemResponse"]}

    assert answers["v"]["Invoice"]["TotalAmt"] == 0
    assert answers["d"]["Invoice"]["status"] == "Deleted"


def test_batch_refuses_more_than_30_items(qbo: Qbo) -> None:
    items = [{"bId": str(n), "operation": "create", "Customer": {"DisplayName": f"C{n}"}} for n in range(31)]

    reply = qbo.post("batch", {"BatchItemRequest": items})

    assert reply.status_code == 400
    assert "Fault" in reply.json()
    assert qbo.query("select count(*) from Customer").json()["QueryResponse"]["totalCount"] == 0


def test_cdc_returns_changes_per_entity_with_deletes_as_stubs_last(sim: SimulatorHandle, qbo: Qbo) -> None:
    since = datetime.now().astimezone().isoformat(timespec="seconds")
    sim.admin.advance_clock(5)
    customer, item = new_customer(qbo), new_item(qbo)
    kept = qbo.create("Invoice", invoice_body(customer["Id"], item["Id"]))
    gone = qbo.create("Invoice", invoice_body(customer["Id"], item["Id"]))
    qbo.post("invoice", {"Id": gone["Id"], "SyncToken": "0"}, operation="delete")

    reply = qbo.get("cdc", entities="Invoice,Customer", changedSince=since)

    invoices, customers = reply.json()["CDCResponse"][0]["QueryResponse"]
    assert [i["Id"] for i in invoices["Invoice"]] == [kept["Id"], gone["Id"]]
    assert invoices["Invoice"][-1]["status"] == "Deleted"
    assert invoices["Invoice"][-1]["domain"] == "QBO"
    assert [c["Id"] for c in customers["Customer"]] == [customer["Id"]]


def test_cdc_needs_entities_and_looks_back_at_most_30_days(qbo: Qbo) -> None:
    recent = datetime.now().astimezone().isoformat(timespec="seconds")
    too_old = (datetime.now().astimezone() - timedelta(days=31)).isoformat(timespec="seconds")

    no_entities = qbo.get("cdc", changedSince=recent)
    old = qbo.get("cdc", entities="Customer", changedSince=too_old)
    tax = qbo.get("cdc", entities="TaxCode", changedSince=recent)

    assert (fault_of(no_entities)["code"], no_entities.json()["Fault"]["type"]) == ("10000", "SystemFault")
    assert old.status_code == 400 and "30 days" in fault_of(old)["Detail"]
    assert tax.status_code == 400


def test_cdc_returns_at_most_1000_objects_oldest_first(sim: SimulatorHandle, qbo: Qbo) -> None:
    since = datetime.now().astimezone().isoformat(timespec="seconds")
    sim.admin.advance_clock(5)
    batch = [{"bId": str(n), "operation": "create", "Customer": {"DisplayName": f"C{n}"}} for n in range(30)]
    for round_number in range(34):
        renamed = [{**i, "Customer": {"DisplayName": f"{i['Customer']['DisplayName']}-{round_number}"}} for i in batch]
        qbo.post("batch", {"BatchItemRequest": renamed})

    changed = qbo.get("cdc", entities="Customer", changedSince=since).json()["CDCResponse"][0]["QueryResponse"]

    assert len(changed[0]["Customer"]) == 1000
    assert changed[0]["Customer"][0]["Id"] == "1"
