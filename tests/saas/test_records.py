import datetime as dt
import json
from decimal import Decimal

import pytest
from pydantic import ValidationError

from fieldbooks.domain.record_fields import ContactFields, InvoiceFields, PaymentFields
from fieldbooks.domain.records import Contact, Invoice, Payment

NOW = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.UTC)
SYSTEM = {"version": 1, "created_at": NOW, "updated_at": NOW}


def test_money_travels_as_exact_strings_with_two_places() -> None:
    invoice = Invoice.model_validate(
        {
            **SYSTEM,
            "id": "inv_1",
            "number": "INV-0001",
            "contact_id": "con_1",
            "issue_date": "2026-11-01",
            "due_date": "2026-11-30",
            "amount_paid": "12.5",
            "lines": [{"description": "Call-out", "unit_price": "0.1", "quantity": "3"}],
        }
    )

    as_json = json.loads(invoice.model_dump_json())

    assert as_json["amount_paid"] == "12.50"
    assert as_json["total"] == "0.30"
    assert as_json["balance_due"] == "-12.20"
    assert Invoice.model_validate(as_json).total == Decimal("0.30")


def test_a_snapshot_survives_a_round_trip_with_its_computed_fields() -> None:
    contact = Contact.model_validate({**SYSTEM, "id": "con_1", "first_name": "Ann", "last_name": "Lee"})

    assert Contact.model_validate_json(contact.model_dump_json()) == contact


def test_snapshots_ignore_unknown_fields_so_v1_can_grow() -> None:
    contact = Contact.model_validate({**SYSTEM, "id": "con_1", "first_name": "Ann", "loyalty_tier": "gold"})

    assert contact.display_name == "Ann"


def test_what_callers_send_rejects_unknown_fields_by_name() -> None:
    with pytest.raises(ValidationError, match="emial"):
        ContactFields.model_validate({"first_name": "Ann", "emial": "ann@example.com"})


def test_display_name_is_derived_and_follows_name_edits_until_typed() -> None:
    ann = ContactFields(first_name="Ann", last_name="Lee")
    assert ann.display_name == "Ann Lee"
    assert ann.with_changes({"last_name": "Park"}).display_name == "Ann Park"

    nicknamed = ann.with_changes({"display_name": "Annie"})
    assert nicknamed.with_changes({"last_name": "Park"}).display_name == "Annie"


def test_a_contact_needs_a_name_of_its_kind() -> None:
    with pytest.raises(ValidationError, match="company contact needs a company_name"):
        ContactFields(kind="company", first_name="Ann")
    with pytest.raises(ValidationError, match="needs a first_name or a last_name"):
        ContactFields(kind="individual")


def test_an_invoice_cannot_be_due_before_it_is_issued() -> None:
    with pytest.raises(ValidationError, match="due_date is before issue_date"):
        InvoiceFields(contact_id="con_1", issue_date=dt.date(2026, 11, 2), due_date=dt.date(2026, 11, 1))


def test_a_payment_cannot_apply_more_than_it_brings() -> None:
    with pytest.raises(ValidationError, match="adds up to 150.00, more than the payment amount 100.00"):
        PaymentFields(
            contact_id="con_1",
            date=dt.date(2026, 11, 2),
            amount=Decimal(100),
            method="card",
            applied_to=[{"invoice_id": "inv_1", "amount": "100"}, {"invoice_id": "inv_2", "amount": "50"}],
        )


def test_unapplied_amount_is_what_the_invoices_did_not_take() -> None:
    payment = Payment.model_validate(
        {
            **SYSTEM,
            "id": "pay_1",
            "contact_id": "con_1",
            "date": "2026-11-02",
            "amount": "100",
            "method": "cash",
            "applied_to": [{"invoice_id": "inv_1", "amount": "60.5"}],
        }
    )

    assert payment.unapplied_amount == Decimal("39.50")


def test_money_with_sub_cent_digits_is_refused_on_documents() -> None:
    with pytest.raises(ValidationError, match="amount"):
        PaymentFields(contact_id="con_1", date=dt.date(2026, 11, 2), amount=Decimal("10.001"), method="cash")
