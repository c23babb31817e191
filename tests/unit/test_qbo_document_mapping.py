"""Documents for a job site and credits applied, as QuickBooks bodies: pure, and valid against the
simulator's schema of Intuit's entities."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fieldbooks.domain.models import ConnectionSettings
from fieldbooks.domain.records import CreditNote, Invoice, Property
from fieldbooks.providers.contract import CreditApplication
from fieldbooks.providers.quickbooks_online import mapping
from local.simulators.quickbooks_online import schema as qbo_schema

STAMP = {"version": 1, "created_at": "2026-11-21T10:00:00Z", "updated_at": "2026-11-21T10:00:00Z"}
US = mapping.TaxCoding("US", ConnectionSettings())
LINES = [{"description": "Boiler service", "unit_price": "120.00"}]
HOME = Property.model_validate(
    {"id": "prop_1", **STAMP, "contact_id": "con_1", "name": "Home", "address": {"line1": "1 Oak St", "city": "Reno"}}
)


def invoice(**fields: Any) -> Invoice:
    values = {"id": "inv_1", **STAMP, "number": "INV-1001", "contact_id": "con_1", "status": "finalized"}
    return Invoice.model_validate(
        values | {"issue_date": "2026-11-20", "due_date": "2026-12-20", "lines": LINES} | fields
    )


def credit_note() -> CreditNote:
    values = {"id": "cn_1", **STAMP, "number": "CN-1", "contact_id": "con_1", "invoice_id": "inv_1"}
    return CreditNote.model_validate(values | {"issue_date": "2026-11-21", "lines": LINES})


def test_a_document_for_a_job_site_belongs_to_its_sub_customer_or_else_to_the_customer() -> None:
    assert mapping.document_customer("58", "59") == "59"
    assert mapping.document_customer("58", None) == "58"


def test_a_document_for_a_job_site_ships_to_the_sites_address() -> None:
    invoice_body = mapping.invoice(invoice(property_id="prop_1"), "59", {}, US, "1", site=HOME)
    credit_body = mapping.credit_memo(credit_note(), "59", {}, US, "1", site=HOME)

    assert invoice_body["ShipAddr"] == credit_body["ShipAddr"] == {"Line1": "1 Oak St", "City": "Reno"}
    assert invoice_body["CustomerRef"] == {"value": "59"}
    qbo_schema.check_known_properties("Invoice", invoice_body)
    qbo_schema.check_known_properties("CreditMemo", credit_body)
    assert "ShipAddr" not in mapping.invoice(invoice(), "58", {}, US, "1")


def test_a_credit_is_applied_by_a_payment_of_nothing_linking_invoice_and_credit_memo() -> None:
    body = mapping.credit_application(CreditApplication("77", "76", Decimal("21.44")), "58")

    assert body == {
        "CustomerRef": {"value": "58"},
        "TotalAmt": Decimal("0.00"),
        "Line": [
            {"Amount": Decimal("21.44"), "LinkedTxn": [{"TxnId": "76", "TxnType": "Invoice"}]},
            {"Amount": Decimal("21.44"), "LinkedTxn": [{"TxnId": "77", "TxnType": "CreditMemo"}]},
        ],
    }
    qbo_schema.check_known_properties("Payment", body)
