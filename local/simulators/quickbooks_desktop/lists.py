"""Name lists: customers (and their jobs), vendors, employees, other names, items, accounts.

- Names are unique across Customer, Vendor, Employee and OtherName together, and across all item
  types together; a clash answers 3100 (providers.md 3.3, 3.4). A job's name is its full name,
  `Parent:Job`, so two customers may each have a job called "Kitchen".
- `*Mod` needs the current `EditSequence`: an old one answers 3200; an unknown `ListID` 3120.
- A `*Ref` naming nothing answers 3140.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lxml import etree

from local.simulators.quickbooks_desktop import statuses
from local.simulators.quickbooks_desktop.company import ITEM_LISTS, NAME_LISTS, Company
from local.simulators.quickbooks_desktop.processor import Handler, Reply, Request
from local.simulators.quickbooks_desktop.queries import list_query
from local.simulators.quickbooks_desktop.wire import Fields, decimal_of, is_true, render
from local.simulators.quickbooks_desktop.xsd import element_order

ADDRESS_AGGREGATES = ("BillAddress", "ShipAddress")


def ret_fields(ret_name: str, add: Fields) -> Fields:
    """The Add fields the Ret also carries, under the same names (Add-only ones such as OpenBalance drop out)."""
    known = element_order().positions(ret_name)
    return {key: value for key, value in add.items() if key in known}


def ref_to(record: Fields) -> Fields:
    return {"ListID": record["ListID"], "FullName": record["FullName"]}


def check_edit_sequence(record: Fields, body: Fields) -> None:
    if body["EditSequence"] != record["EditSequence"]:
        raise statuses.stale_edit_sequence(body["EditSequence"])


def _bools(fields: Fields) -> Fields:
    for key in ("IsActive", "IsStatementWithParent", "IsTaxIncluded"):
        if isinstance(fields.get(key), str):
            fields[key] = is_true(fields[key])
    return fields


# Customers and the other names


def _place_in_tree(company: Company, record: Fields, body: Fields) -> None:
    """FullName and Sublevel from ParentRef: a job is `Parent:Job`, one level below its parent."""
    parent_ref = body.get("ParentRef", record.get("ParentRef"))
    if parent_ref:
        parent = company.resolve_ref(parent_ref, ("Customer",), "Customer", "ParentRef")
        record["ParentRef"] = ref_to(parent)
        record["FullName"] = f"{parent['FullName']}:{record['Name']}"
        record["Sublevel"] = str(int(parent.get("Sublevel", "0")) + 1)
    else:
        record["FullName"] = record["Name"]
        record["Sublevel"] = "0"
    if len(record["FullName"]) > 209:
        raise statuses.too_long(record["FullName"], "FullName")


def add_name(company: Company, kind: str, body: Fields) -> Fields:
    record = _bools(ret_fields(f"{kind}Ret", body))
    record.setdefault("IsActive", True)
    if kind == "Customer":
        _place_in_tree(company, record, body)
    else:
        record["FullName"] = record["Name"]
    company.check_name_free(NAME_LISTS, record["FullName"])
    company.stamp_new(record, "ListID")
    company.list_of(kind)[record["ListID"]] = record
    if kind == "Customer" and body.get("OpenBalance"):
        company.opening_balances[record["ListID"]] = decimal_of(body["OpenBalance"])
    return record


def render_customer(company: Company, record: Fields) -> etree._Element:
    fields = dict(record)
    fields["Balance"] = company.balance_of(record["ListID"])
    fields["TotalBalance"] = company.total_balance_of(record["ListID"])
    return render("CustomerRet", fields)


def customer_add(request: Request) -> Reply:
    if request.faults.take("record_in_use", request.name):
        raise statuses.record_in_use("Customers", request.body["Name"])
    record = add_name(request.company, "Customer", request.body)
    return Reply(rets=[render_customer(request.company, record)])


def customer_mod(request: Request) -> Reply:
    company, body = request.company, request.body
    record = company.find_list(("Customer",), list_id=body["ListID"])
    if record is None:
        raise statuses.not_found(body["ListID"])
    if request.faults.take("record_in_use", request.name):
        raise statuses.record_in_use("Customers", record["FullName"])
    check_edit_sequence(record, body)
    changes = _bools(ret_fields("CustomerRet", {k: v for k, v in body.items() if k not in ("ListID", "EditSequence")}))
    updated: dict[str, Any] = {**record}
    for key, value in changes.items():
        is_address = key in ADDRESS_AGGREGATES and isinstance(value, dict)
        updated[key] = {**record.get(key, {}), **value} if is_address else value
    _place_in_tree(company, updated, body)
    company.check_name_free(NAME_LISTS, updated["FullName"], except_id=record["ListID"])
    renamed = updated["FullName"] != record["FullName"]
    record.update(updated)
    company.stamp_modified(record)
    if renamed:
        _rename_jobs(company, record)
    return Reply(rets=[render_customer(company, record)])


def _rename_jobs(company: Company, parent: Fields) -> None:
    """A job's full name carries its parent's: renaming a customer renames its jobs, all the way down."""
    for job in company.list_of("Customer").values():
        if job.get("ParentRef", {}).get("ListID") == parent["ListID"]:
            job["ParentRef"] = ref_to(parent)
            job["FullName"] = f"{parent['FullName']}:{job['Name']}"
            company.stamp_modified(job)
            _rename_jobs(company, job)


def customer_query(request: Request) -> Reply:
    company = request.company
    return list_query(request, company.list_of("Customer").values(), lambda r, _: render_customer(company, r))


def other_name_add(kind: str) -> Handler:
    """VendorAdd, EmployeeAdd, OtherNameAdd: here mostly so the shared name list can clash."""

    def handle(request: Request) -> Reply:
        record = add_name(request.company, kind, request.body)
        # FullName is kept for the shared name list; a VendorRet has only Name, so it is not written.
        known = element_order().positions(f"{kind}Ret")
        return Reply(rets=[render(f"{kind}Ret", {k: v for k, v in record.items() if k in known})])

    return handle


# Items


def item_add(kind: str) -> Handler:
    """ItemServiceAdd / ItemNonInventoryAdd: one name list for every item type; accounts must exist."""

    def handle(request: Request) -> Reply:
        company, body = request.company, request.body
        record = _bools(ret_fields(f"{kind}Ret", body))
        record.setdefault("IsActive", True)
        record["FullName"] = record["Name"]
        if body.get("ParentRef"):
            parent = company.resolve_ref(body["ParentRef"], ITEM_LISTS, "Item", "ParentRef")
            record["ParentRef"] = ref_to(parent)
            record["FullName"] = f"{parent['FullName']}:{record['Name']}"
        for aggregate, account_fields in (
            ("SalesOrPurchase", ("AccountRef",)),
            ("SalesAndPurchase", ("IncomeAccountRef", "ExpenseAccountRef")),
        ):
            for account_field in account_fields:
                ref = record.get(aggregate, {}).get(account_field)
                if ref:
                    record[aggregate][account_field] = ref_to(company.resolve_ref(ref, ("Account",), "Account", kind))
        if body.get("SalesTaxCodeRef"):
            record["SalesTaxCodeRef"] = ref_to(
                company.resolve_ref(body["SalesTaxCodeRef"], ("SalesTaxCode",), "Sales Tax Code", kind)
            )
        company.check_name_free(ITEM_LISTS, record["FullName"])
        company.stamp_new(record, "ListID")
        company.list_of(kind)[record["ListID"]] = record
        return Reply(rets=[render(f"{kind}Ret", record)])

    return handle


def item_query(kinds: tuple[str, ...]) -> Handler:
    """ItemQuery answers every item type, each in its own `*Ret`; ItemServiceQuery only its own."""

    def handle(request: Request) -> Reply:
        company = request.company
        records = [record for kind in kinds for record in company.list_of(kind).values()]
        kind_of = {record["ListID"]: kind for kind in kinds for record in company.list_of(kind).values()}

        def render_item(record: Fields, _: Fields) -> etree._Element:
            return render(f"{kind_of[record['ListID']]}Ret", record)

        return list_query(request, records, render_item)

    return handle


def account_query(request: Request) -> Reply:
    return list_query(request, request.company.list_of("Account").values(), lambda r, _: render("AccountRet", r))


def sales_tax_code_query(request: Request) -> Reply:
    records = request.company.list_of("SalesTaxCode").values()
    return list_query(request, records, lambda r, _: render("SalesTaxCodeRet", r))


# Deleting list records


def list_del(request: Request) -> Reply:
    company, body = request.company, request.body
    kind = body["ListDelType"]
    record = company.list_of(kind).get(body["ListID"])
    if record is None:
        raise statuses.not_found(body["ListID"])
    if kind == "Customer" and _has_history(company, record["ListID"]):
        # QuickBooks will not delete a name that transactions or jobs use (unconfirmed wording).
        raise statuses.QbStatus(
            3170,
            f'There was an error when deleting a {kind} list, element "{record["FullName"]}". '
            "QuickBooks error message: This list element is in use.",
        )
    del company.list_of(kind)[record["ListID"]]
    entry = company.record_list_deletion(kind, record)
    fields = {key: entry[key] for key in ("ListDelType", "ListID", "TimeDeleted", "FullName")}
    return Reply(rets=list(render("ListDelRs", fields)))


def _has_history(company: Company, list_id: str) -> bool:
    used_by_txn = any(
        txn["CustomerRef"]["ListID"] == list_id for kind in company.txns for txn in company.txn_of(kind).values()
    )
    has_jobs = any(r.get("ParentRef", {}).get("ListID") == list_id for r in company.list_of("Customer").values())
    return used_by_txn or has_jobs or company.opening_balances.get(list_id, Decimal(0)) != 0


HANDLERS: dict[str, Handler] = {
    "CustomerAdd": customer_add,
    "CustomerMod": customer_mod,
    "CustomerQuery": customer_query,
    "VendorAdd": other_name_add("Vendor"),
    "EmployeeAdd": other_name_add("Employee"),
    "OtherNameAdd": other_name_add("OtherName"),
    "ItemServiceAdd": item_add("ItemService"),
    "ItemNonInventoryAdd": item_add("ItemNonInventory"),
    "ItemQuery": item_query(ITEM_LISTS),
    "ItemServiceQuery": item_query(("ItemService",)),
    "ItemNonInventoryQuery": item_query(("ItemNonInventory",)),
    "AccountQuery": account_query,
    "SalesTaxCodeQuery": sales_tax_code_query,
    "ListDel": list_del,
}
