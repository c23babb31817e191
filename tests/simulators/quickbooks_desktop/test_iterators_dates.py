"""Iterators over a long customer list, 3391 for an iterator QuickBooks no longer holds, and
FromModifiedDate read inclusively in the PC's local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from local.simulators.quickbooks_desktop import QuickBooksDesktop
from tests.simulators.quickbooks_desktop.conftest import add_customer, exchange, only, status


def test_an_iterator_walks_1000_customers_in_pages_with_the_remaining_count(desktop: QuickBooksDesktop) -> None:
    adds = "".join(
        f"<CustomerAddRq><CustomerAdd><Name>Bulk {n:04d}</Name></CustomerAdd></CustomerAddRq>" for n in range(1000)
    )
    assert all(status(rs)[0] == 0 for rs in exchange(desktop, adds))
    total = len(desktop.open_company.list_of("Customer"))

    first = only(
        exchange(desktop, "<CustomerQueryRq iterator='Start'><MaxReturned>300</MaxReturned></CustomerQueryRq>")
    )
    iterator_id, seen, remaining = first.get("iteratorID"), [first], [int(first.get("iteratorRemainingCount"))]
    while remaining[-1] > 0:
        page = only(
            exchange(
                desktop,
                f"<CustomerQueryRq iterator='Continue' iteratorID='{iterator_id}'>"
                "<MaxReturned>300</MaxReturned></CustomerQueryRq>",
            )
        )
        assert page.get("iteratorID") == iterator_id
        seen.append(page)
        remaining.append(int(page.get("iteratorRemainingCount")))

    ids = [ret.findtext("ListID") for page in seen for ret in page.findall("CustomerRet")]
    assert remaining == [total - 300, total - 600, total - 900, 0]
    assert len(ids) == len(set(ids)) == total == 1002


def test_an_unknown_or_finished_iterator_answers_3391(desktop: QuickBooksDesktop) -> None:
    start = only(exchange(desktop, "<CustomerQueryRq iterator='Start'><MaxReturned>1</MaxReturned></CustomerQueryRq>"))
    desktop.end_session(desktop.open_company)  # iterators die with the session
    cont = "<CustomerQueryRq iterator='Continue' iteratorID='{}'><MaxReturned>1</MaxReturned></CustomerQueryRq>"

    after_session = only(exchange(desktop, cont.format(start.get("iteratorID"))))
    made_up = only(exchange(desktop, cont.format("{00000000-0000-0000-0000-000000000000}")))

    assert status(after_session) == (3391, "Error")
    assert status(made_up) == (3391, "Error")


def test_from_modified_date_is_inclusive_and_read_in_local_time(desktop: QuickBooksDesktop) -> None:
    desktop.clock.advance(3600)
    ret = add_customer(desktop, "Changed Today")
    modified = datetime.fromisoformat(ret.findtext("TimeModified"))
    local = modified.replace(tzinfo=None).isoformat()
    one_second_later = (modified + timedelta(seconds=1)).replace(tzinfo=None).isoformat()
    in_utc = modified.astimezone(UTC).isoformat()
    query = "<CustomerQueryRq><FromModifiedDate>{}</FromModifiedDate></CustomerQueryRq>"

    at = only(exchange(desktop, query.format(local)))
    after = only(exchange(desktop, query.format(one_second_later)))
    with_offset = only(exchange(desktop, query.format(in_utc)))

    assert [r.findtext("Name") for r in at.findall("CustomerRet")] == ["Changed Today"]
    assert status(after) == (1, "Info")
    assert [r.findtext("Name") for r in with_offset.findall("CustomerRet")] == ["Changed Today"]


def test_invoice_query_filters_on_modified_dates_within_its_range_filter(desktop: QuickBooksDesktop) -> None:
    desktop.clock.advance(7200)
    now = desktop.open_company.now().replace(tzinfo=None)
    body = (
        "<InvoiceAddRq><InvoiceAdd><CustomerRef><FullName>Blue Sky Rentals</FullName></CustomerRef>"
        "<InvoiceLineAdd><ItemRef><FullName>Labor</FullName></ItemRef><Rate>85.00</Rate></InvoiceLineAdd>"
        "</InvoiceAdd></InvoiceAddRq>"
    )
    assert status(only(exchange(desktop, body)))[0] == 0
    query = (
        "<InvoiceQueryRq><ModifiedDateRangeFilter><FromModifiedDate>{}</FromModifiedDate>"
        "</ModifiedDateRangeFilter></InvoiceQueryRq>"
    )

    found = only(exchange(desktop, query.format(now.isoformat())))
    none = only(exchange(desktop, query.format((now + timedelta(minutes=5)).isoformat())))

    assert len(found.findall("InvoiceRet")) == 1
    assert found.findtext("InvoiceRet/RefNumber") == "1001"  # QuickBooks numbers it
    assert status(none) == (1, "Info")
