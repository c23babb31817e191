"""Customers, the shared name list, string limits, element order, edit sequences, items."""

from __future__ import annotations

import re

import pytest

from local.simulators.quickbooks_desktop import MessageRefused, QuickBooksDesktop
from tests.simulators.quickbooks_desktop.conftest import add_customer, exchange, only, qbxml, status


def test_customer_add_answers_with_quickbooks_ids_and_local_times(desktop: QuickBooksDesktop) -> None:
    ret = add_customer(desktop, "Rivera Plumbing", "<CompanyName>Rivera Plumbing LLC</CompanyName>")

    assert re.fullmatch(r"[0-9A-F]{8}-\d{10}", ret.findtext("ListID"))
    assert ret.findtext("EditSequence").isdigit()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d", ret.findtext("TimeCreated"))
    assert ret.findtext("FullName") == "Rivera Plumbing"
    assert ret.findtext("Balance") == "0.00"


@pytest.mark.parametrize("taken", ["Northwind Supplies", "jamie rivera", "City Water Department", "Blue Sky Rentals"])
def test_a_name_used_by_any_customer_vendor_employee_or_other_name_answers_3100(
    desktop: QuickBooksDesktop, taken: str
) -> None:
    rs = only(
        exchange(
            desktop, f"<CustomerAddRq requestID='7'><CustomerAdd><Name>{taken}</Name></CustomerAdd></CustomerAddRq>"
        )
    )

    assert status(rs) == (3100, "Error")
    assert rs.get("requestID") == "7"
    assert rs.get("statusMessage") == f'The name "{taken}" of the list element is already in use.'
    assert rs.find("CustomerRet") is None


def test_jobs_of_different_customers_may_share_a_name(desktop: QuickBooksDesktop) -> None:
    job = (
        "<CustomerAddRq><CustomerAdd><Name>Kitchen</Name>"
        "<ParentRef><FullName>{}</FullName></ParentRef></CustomerAdd></CustomerAddRq>"
    )
    msgs = exchange(desktop, job.format("Acme Property Management") + job.format("Blue Sky Rentals"))

    assert [status(rs)[0] for rs in msgs] == [0, 0]
    assert [rs.findtext("CustomerRet/FullName") for rs in msgs] == [
        "Acme Property Management:Kitchen",
        "Blue Sky Rentals:Kitchen",
    ]
    assert msgs[0].findtext("CustomerRet/Sublevel") == "1"


def test_names_are_limited_to_41_characters(desktop: QuickBooksDesktop) -> None:
    ok, too_long = "N" * 41, "N" * 42
    body = f"<CustomerAddRq><CustomerAdd><Name>{ok}</Name></CustomerAdd></CustomerAddRq>"
    assert status(only(exchange(desktop, body))) == (0, "Info")

    response = desktop.process(
        desktop.open_company,
        qbxml(f"<CustomerAddRq><CustomerAdd><Name>{too_long}</Name></CustomerAdd></CustomerAddRq>"),
    )

    assert 'statusCode="3070"' in response
    assert desktop.open_company.find_list(("Customer",), full_name=too_long) is None


def test_children_out_of_schema_order_make_quickbooks_refuse_the_whole_message(desktop: QuickBooksDesktop) -> None:
    before = desktop.open_company.count("Customer")
    body = (
        "<CustomerAddRq><CustomerAdd><Name>First Ok</Name></CustomerAdd></CustomerAddRq>"
        "<CustomerAddRq><CustomerAdd><CompanyName>Late</CompanyName><Name>Out Of Order</Name>"
        "</CustomerAdd></CustomerAddRq>"
    )

    with pytest.raises(MessageRefused) as refused:
        desktop.process(desktop.open_company, qbxml(body))

    assert refused.value.hresult == "0x80040400"
    assert refused.value.message == "QuickBooks found an error when parsing the provided XML text stream."
    assert desktop.open_company.count("Customer") == before  # nothing of the message ran


@pytest.mark.parametrize(
    "message",
    [
        '<?xml version="1.0"?><QBXML><QBXMLMsgsRq onError="stopOnError"/></QBXML>',  # no <?qbxml version?>
        '<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq/></QBXML>',  # onError is required
        '<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="stopOnError">',
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><?qbxml version="13.0"?>'
        '<QBXML><QBXMLMsgsRq onError="stopOnError"><CustomerAddRq><CustomerAdd><Name>&x;</Name>'
        "</CustomerAdd></CustomerAddRq></QBXMLMsgsRq></QBXML>",
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><?qbxml version="13.0"?>'
        '<QBXML><QBXMLMsgsRq onError="stopOnError">'
        "<CustomerAddRq><CustomerAdd><Name>&c;</Name></CustomerAdd></CustomerAddRq></QBXMLMsgsRq></QBXML>",
    ],
)
def test_malformed_messages_and_entities_are_refused_with_0x80040400(desktop: QuickBooksDesktop, message: str) -> None:
    with pytest.raises(MessageRefused) as refused:
        desktop.process(desktop.open_company, message)

    assert refused.value.hresult == "0x80040400"
    assert not any("root:" in c["FullName"] for c in desktop.open_company.list_of("Customer").values())


def test_customer_mod_needs_the_current_edit_sequence(desktop: QuickBooksDesktop) -> None:
    ret = add_customer(desktop, "Mod Me")
    list_id, first = ret.findtext("ListID"), ret.findtext("EditSequence")
    mod = (
        "<CustomerModRq><CustomerMod><ListID>{}</ListID><EditSequence>{}</EditSequence>"
        "<CompanyName>{}</CompanyName></CustomerMod></CustomerModRq>"
    )

    fresh = only(exchange(desktop, mod.format(list_id, first, "Mod Me Inc")))
    stale = only(exchange(desktop, mod.format(list_id, first, "Stale Write")))
    unknown = only(exchange(desktop, mod.format("80009999-1700000000", first, "Nobody")))

    assert status(fresh) == (0, "Info")
    assert fresh.findtext("CustomerRet/EditSequence") != first
    assert status(stale) == (3200, "Error")
    assert stale.get("statusMessage").startswith(f'The provided edit sequence "{first}" is out-of-date.')
    assert status(unknown)[0] == 3120
    assert desktop.open_company.find_list(("Customer",), list_id=list_id)["CompanyName"] == "Mod Me Inc"


def test_stop_on_error_answers_nothing_after_the_first_error_and_continue_on_error_runs_everything(
    desktop: QuickBooksDesktop,
) -> None:
    body = (
        "<CustomerAddRq requestID='1'><CustomerAdd><Name>Northwind Supplies</Name></CustomerAdd></CustomerAddRq>"
        "<CustomerAddRq requestID='2'><CustomerAdd><Name>{}</Name></CustomerAdd></CustomerAddRq>"
    )

    stopped = exchange(desktop, body.format("After Stop"), on_error="stopOnError")
    continued = exchange(desktop, body.format("After Continue"), on_error="continueOnError")

    assert [(rs.get("requestID"), status(rs)[0]) for rs in stopped] == [("1", 3100)]
    assert [(rs.get("requestID"), status(rs)[0]) for rs in continued] == [("1", 3100), ("2", 0)]
    assert desktop.open_company.find_list(("Customer",), full_name="After Stop") is None


def test_query_statuses_say_what_was_not_found(desktop: QuickBooksDesktop) -> None:
    acme = desktop.open_company.find_list(("Customer",), full_name="Acme Property Management")["ListID"]
    msgs = exchange(
        desktop,
        f"<CustomerQueryRq requestID='1'><ListID>{acme}</ListID><ListID>80009999-1700000000</ListID></CustomerQueryRq>"
        "<CustomerQueryRq requestID='2'><NameFilter><MatchCriterion>StartsWith</MatchCriterion>"
        "<Name>zzz</Name></NameFilter></CustomerQueryRq>"
        "<CustomerQueryRq requestID='3'><IncludeRetElement>ListID</IncludeRetElement>"
        "<IncludeRetElement>Balance</IncludeRetElement></CustomerQueryRq>",
        on_error="continueOnError",
    )

    assert status(msgs[0]) == (500, "Warn") and len(msgs[0].findall("CustomerRet")) == 1
    assert '"80009999-1700000000"' in msgs[0].get("statusMessage")
    assert status(msgs[1]) == (1, "Info") and msgs[1].find("CustomerRet") is None
    assert {child.tag for ret in msgs[2] for child in ret} == {"ListID", "Balance"}


def test_items_share_one_name_list_and_need_an_existing_account(desktop: QuickBooksDesktop) -> None:
    item = (
        "<{0}Rq><{0}><Name>{1}</Name><SalesOrPurchase><Desc>d</Desc><Price>10.00</Price>"
        "<AccountRef><FullName>{2}</FullName></AccountRef></SalesOrPurchase></{0}></{0}Rq>"
    )
    msgs = exchange(
        desktop,
        item.format("ItemServiceAdd", "Drain Cleaning", "Services")
        + item.format("ItemNonInventoryAdd", "drain cleaning", "Sales")
        + item.format("ItemNonInventoryAdd", "Valve", "No Such Account")
        + "<ItemQueryRq><NameFilter><MatchCriterion>Contains</MatchCriterion><Name>drain</Name>"
        "</NameFilter></ItemQueryRq>",
        on_error="continueOnError",
    )

    assert [status(rs)[0] for rs in msgs] == [0, 3100, 3140, 0]
    assert 'invalid reference to QuickBooks Account "No Such Account"' in msgs[2].get("statusMessage")
    assert [ret.tag for ret in msgs[3]] == ["ItemServiceRet"]
    assert msgs[0].findtext("ItemServiceRet/SalesOrPurchase/AccountRef/ListID")


def test_a_record_in_use_answers_3180_until_the_fault_passes(desktop: QuickBooksDesktop) -> None:
    from local.simulators.quickbooks_desktop import FaultRule

    desktop.faults.add(FaultRule(kind="record_in_use", request="CustomerAdd"))
    body = "<CustomerAddRq><CustomerAdd><Name>Busy Co</Name></CustomerAdd></CustomerAddRq>"

    assert status(only(exchange(desktop, body)))[0] == 3180
    assert status(only(exchange(desktop, body)))[0] == 0


def test_renaming_a_customer_renames_its_jobs(desktop: QuickBooksDesktop) -> None:
    parent = add_customer(desktop, "Old Name")
    add_customer(desktop, "Roof", "<ParentRef><FullName>Old Name</FullName></ParentRef>")
    mod = (
        f"<CustomerModRq><CustomerMod><ListID>{parent.findtext('ListID')}</ListID>"
        f"<EditSequence>{parent.findtext('EditSequence')}</EditSequence>"
        "<Name>New Name</Name></CustomerMod></CustomerModRq>"
    )

    assert status(only(exchange(desktop, mod))) == (0, "Info")
    job = only(exchange(desktop, "<CustomerQueryRq><FullName>New Name:Roof</FullName></CustomerQueryRq>"))
    assert job.findtext("CustomerRet/ParentRef/FullName") == "New Name"


def test_inactive_customers_hide_from_default_queries_but_keep_their_name(desktop: QuickBooksDesktop) -> None:
    ret = add_customer(desktop, "Gone Quiet", "<IsActive>false</IsActive>")
    other = add_customer(desktop, "Renamer")
    rename = (
        f"<CustomerModRq><CustomerMod><ListID>{other.findtext('ListID')}</ListID>"
        f"<EditSequence>{other.findtext('EditSequence')}</EditSequence><Name>gone quiet</Name>"
        "</CustomerMod></CustomerModRq>"
    )
    msgs = exchange(
        desktop,
        "<CustomerQueryRq requestID='1'/>"
        "<CustomerQueryRq requestID='2'><ActiveStatus>All</ActiveStatus></CustomerQueryRq>" + rename,
        on_error="continueOnError",
    )

    assert ret.findtext("IsActive") == "false"
    assert "Gone Quiet" not in [r.findtext("Name") for r in msgs[0]]
    assert "Gone Quiet" in [r.findtext("Name") for r in msgs[1]]
    assert status(msgs[2])[0] == 3100


def test_a_vendor_add_answers_a_schema_valid_vendor_ret_and_takes_the_name_from_customers(
    desktop: QuickBooksDesktop,
) -> None:
    rs = only(exchange(desktop, "<VendorAddRq><VendorAdd><Name>Jane Doe</Name></VendorAdd></VendorAddRq>"))
    assert status(rs) == (0, "Info")
    assert rs.find("VendorRet/Name").text == "Jane Doe"
    clash = only(exchange(desktop, "<CustomerAddRq><CustomerAdd><Name>Jane Doe</Name></CustomerAdd></CustomerAddRq>"))
    assert status(clash) == (3100, "Error")
