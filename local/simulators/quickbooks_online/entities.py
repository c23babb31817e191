"""Entity rules: what QuickBooks accepts, what it computes, and which error it answers with.

A `Ledger` performs writes on one company and records each change, so the caller can notify
webhooks once the request has committed. Facts come from providers.md sections 1.3 and 1.4.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

from local.simulators.quickbooks_online import errors
from local.simulators.quickbooks_online.clock import Clock, local_date
from local.simulators.quickbooks_online.seed import US_DEFAULT_SALES_TAX_CODE, currency_ref
from local.simulators.quickbooks_online.store import Company, Record

NAME_ENTITIES = ("Customer", "Item", "Account")
TRANSACTION_ENTITIES = ("Invoice", "CreditMemo", "Payment")
READ_ONLY_ENTITIES = ("TaxCode", "TaxRate", "CompanyInfo")
ENTITIES = NAME_ENTITIES + TRANSACTION_ENTITIES + READ_ONLY_ENTITIES
ENTITY_BY_PATH = {name.lower(): name for name in ENTITIES}
# Fields QuickBooks owns; a client sending them back (as SDK objects do) must not overwrite them.
SERVER_FIELDS = {"Id", "SyncToken", "MetaData", "domain", "sparse", "status"}
ACCOUNT_CLASSIFICATION = {
    "Bank": "Asset",
    "Accounts Receivable": "Asset",
    "Other Current Asset": "Asset",
    "Fixed Asset": "Asset",
    "Other Asset": "Asset",
    "Accounts Payable": "Liability",
    "Credit Card": "Liability",
    "Other Current Liability": "Liability",
    "Long Term Liability": "Liability",
    "Equity": "Equity",
    "Income": "Revenue",
    "Other Income": "Revenue",
    "Cost of Goods Sold": "Expense",
    "Expense": "Expense",
    "Other Expense": "Expense",
}
MAX_JOB_LEVEL = 5
CENT = Decimal("0.01")
Operation = Literal["Create", "Update", "Delete", "Void"]


@dataclass(frozen=True)
class Change:
    """One committed change, in the vocabulary of webhook `operation`s (providers.md 1.7)."""

    realm_id: str
    entity: str
    id: str
    operation: Operation
    at: datetime


@dataclass
class Ledger:
    company: Company
    clock: Clock
    changes: list[Change] = field(default_factory=list)

    # ---- reads -------------------------------------------------------------------------------
    def read(self, entity: str, record_id: str) -> Record:
        record = self.company.get(entity, record_id)
        if record is None:
            raise errors.object_not_found(status=404)
        return record

    # ---- writes ------------------------------------------------------------------------------
    def create(self, entity: str, payload: dict[str, Any]) -> Record:
        if entity in READ_ONLY_ENTITIES:
            raise errors.unsupported_operation("Create", entity)
        incoming = _client_fields(payload)
        now = self.clock.now()
        record_id = self.company.allocate_id(entity)
        body = self._prepare(entity, incoming, incoming, None, record_id)
        record = self.company.add(Record(entity=entity, id=record_id, body=body, created_at=now, updated_at=now))
        self._after_write(record)
        self._changed(record, "Create")
        return record

    def update(self, entity: str, payload: dict[str, Any]) -> Record:
        """Full update replaces every writable field; `"sparse": true` touches only those sent (1.4)."""
        if entity in READ_ONLY_ENTITIES:
            raise errors.unsupported_operation("Update", entity)
        record = self._current(entity, payload)
        incoming = _client_fields(payload)
        merged = {**record.body, **incoming} if payload.get("sparse") in (True, "true") else incoming
        self._commit_update(record, self._prepare(entity, merged, incoming, record, record.id))
        return record

    def delete(self, entity: str, payload: dict[str, Any]) -> Record:
        """Only transactions delete; names go inactive instead (providers.md 1.4)."""
        if entity not in TRANSACTION_ENTITIES:
            raise errors.unsupported_operation("Delete", entity)
        record = self._current(entity, payload)
        record.deleted = True
        record.sync_token += 1
        record.updated_at = self.clock.now()
        self._after_write(record)
        self._changed(record, "Delete")
        return record

    def void(self, entity: str, payload: dict[str, Any]) -> Record:
        """Voiding zeroes the amounts and notes "Voided" in PrivateNote, keeping the record (1.4)."""
        if entity not in TRANSACTION_ENTITIES:
            raise errors.unsupported_operation("Void", entity)
        record = self._current(entity, payload)
        body = dict(record.body)
        for line in body.get("Line", []):
            line["Amount"] = Decimal("0")
            detail = line.get("SalesItemLineDetail")
            if detail is not None:
                detail["Qty"] = Decimal("0")
        body["TotalAmt"] = Decimal("0")
        if entity == "Payment":
            body["Line"] = []
            body["UnappliedAmt"] = Decimal("0")
        else:
            body["Balance"] = Decimal("0")
            body["TxnTaxDetail"] = {**body.get("TxnTaxDetail", {}), "TotalTax": Decimal("0"), "TaxLine": []}
        if entity == "CreditMemo":
            body["RemainingCredit"] = Decimal("0")
        note = body.get("PrivateNote") or ""
        body["PrivateNote"] = f"Voided - {note}" if note else "Voided"
        self._commit_update(record, body, operation="Void")
        return record

    def edit_as_user(self, entity: str, record_id: str, fields: dict[str, Any]) -> Record:
        """A change made in the QuickBooks UI: no SyncToken check, same rules and notifications."""
        record = self.read(entity, record_id)
        incoming = _client_fields(fields)
        merged = {**record.body, **incoming}
        self._commit_update(record, self._prepare(entity, merged, incoming, record, record.id))
        return record

    # ---- internals ---------------------------------------------------------------------------
    def _current(self, entity: str, payload: dict[str, Any]) -> Record:
        record_id = payload.get("Id")
        if record_id in (None, ""):
            raise errors.required_field("Id")
        record = self.company.get(entity, str(record_id))
        if record is None:
            raise errors.object_not_found()
        sync_token = payload.get("SyncToken")
        if sync_token in (None, ""):
            raise errors.required_field("SyncToken")
        if str(sync_token) != str(record.sync_token):
            raise errors.stale_object()
        return record

    def _commit_update(self, record: Record, body: dict[str, Any], operation: Operation = "Update") -> None:
        record.body = body
        record.sync_token += 1
        record.updated_at = self.clock.now()
        self._after_write(record)
        self._changed(record, operation)

    def _changed(self, record: Record, operation: Operation) -> None:
        self.changes.append(Change(self.company.realm_id, record.entity, record.id, operation, record.updated_at))

    def _prepare(
        self,
        entity: str,
        body: dict[str, Any],
        incoming: dict[str, Any],
        existing: Record | None,
        record_id: str,
    ) -> dict[str, Any]:
        body = {key: value for key, value in body.items() if key not in SERVER_FIELDS}
        if entity == "Customer":
            return self._prepare_customer(body, record_id)
        if entity == "Item":
            return self._prepare_item(body, record_id)
        if entity == "Account":
            return self._prepare_account(body, record_id)
        if entity == "Payment":
            return self._prepare_payment(body, record_id)
        return self._prepare_sales_transaction(entity, body, incoming, existing, record_id)

    # Customer ---------------------------------------------------------------------------------
    def _prepare_customer(self, body: dict[str, Any], record_id: str) -> dict[str, Any]:
        """DisplayName is unique across names (6240), has no ':' and jobs nest ≤5 levels (1.3)."""
        display_name = (body.get("DisplayName") or _derived_display_name(body)).strip()
        if not display_name:
            raise errors.required_field("DisplayName")
        if ":" in display_name:
            raise errors.business_validation("Invalid character : in DisplayName.")
        email = (body.get("PrimaryEmailAddr") or {}).get("Address")
        if email and ("@" not in email or "." not in email):
            raise errors.business_validation(f"Email Address does not conform to the syntax rules: {email}")
        self._require_unique_name("Customer", "DisplayName", display_name, record_id)
        body["DisplayName"] = display_name
        body.setdefault("Active", True)
        parent_ref = body.get("ParentRef")
        if parent_ref:
            parent = self._reference("Customer", parent_ref, "ParentRef")
            if parent.id == record_id:
                raise errors.business_validation("A customer cannot be its own parent.")
            level = int(parent.body.get("Level", 0)) + 1
            if level > MAX_JOB_LEVEL:
                raise errors.business_validation("Sub-customers can be nested at most 5 levels deep.")
            body["Job"] = True
            body["Level"] = level
            body.setdefault("BillWithParent", False)
            body["FullyQualifiedName"] = f"{parent.body['FullyQualifiedName']}:{display_name}"
        else:
            body["Job"] = False
            body.pop("Level", None)
            body["FullyQualifiedName"] = display_name
        body.setdefault("Balance", Decimal("0"))
        body["BalanceWithJobs"] = body["Balance"]
        body.setdefault("CurrencyRef", currency_ref(self.company.country))
        body.setdefault("PreferredDeliveryMethod", "Print")
        return body

    # Item -------------------------------------------------------------------------------------
    def _prepare_item(self, body: dict[str, Any], record_id: str) -> dict[str, Any]:
        """Unique name, Service or NonInventory, IncomeAccountRef required (providers.md 1.3)."""
        name = (body.get("Name") or "").strip()
        if not name:
            raise errors.required_field("Name")
        if body.get("Type") not in ("Service", "NonInventory"):
            raise errors.request_invalid(
                f"Item Type {body.get('Type')!r} is not supported; use Service or NonInventory"
            )
        if not body.get("IncomeAccountRef"):
            raise errors.required_field("IncomeAccountRef")
        account = self._reference("Account", body["IncomeAccountRef"], "IncomeAccountRef")
        self._require_unique_name("Item", "Name", name, record_id)
        body["Name"] = name
        body["FullyQualifiedName"] = name
        body["IncomeAccountRef"] = {"value": account.id, "name": account.body["Name"]}
        body.setdefault("Active", True)
        body.setdefault("Taxable", False)
        body["UnitPrice"] = _money(body.get("UnitPrice", 0), "UnitPrice", exact=False)
        if body.get("SalesTaxCodeRef"):
            self._reference("TaxCode", body["SalesTaxCodeRef"], "SalesTaxCodeRef")
        return body

    # Account ----------------------------------------------------------------------------------
    def _prepare_account(self, body: dict[str, Any], record_id: str) -> dict[str, Any]:
        name = (body.get("Name") or "").strip()
        if not name:
            raise errors.required_field("Name")
        account_type = body.get("AccountType")
        if not account_type:
            raise errors.required_field("AccountType")
        if account_type not in ACCOUNT_CLASSIFICATION:
            raise errors.request_invalid(f"Invalid AccountType {account_type!r}")
        self._require_unique_name("Account", "Name", name, record_id)
        body["Name"] = name
        body["FullyQualifiedName"] = name
        body["Classification"] = ACCOUNT_CLASSIFICATION[account_type]
        body.setdefault("Active", True)
        body.setdefault("SubAccount", False)
        body.setdefault("CurrentBalance", Decimal("0"))
        body.setdefault("CurrencyRef", currency_ref(self.company.country))
        return body

    # Invoice and CreditMemo -------------------------------------------------------------------
    def _prepare_sales_transaction(
        self,
        entity: str,
        body: dict[str, Any],
        incoming: dict[str, Any],
        existing: Record | None,
        record_id: str,
    ) -> dict[str, Any]:
        """Totals and tax are QuickBooks' to compute: TotalAmt, TxnTaxDetail, Balance (1.3)."""
        if not body.get("CustomerRef"):
            raise errors.required_field("CustomerRef")
        customer = self._reference("Customer", body["CustomerRef"], "CustomerRef")
        body["CustomerRef"] = {"value": customer.id, "name": customer.body["FullyQualifiedName"]}
        lines, subtotal, taxable = self._sales_lines(body.get("Line"))
        tax_detail = self._tax_detail(body.get("TxnTaxDetail") or {}, incoming.get("TxnTaxDetail") or {}, taxable)
        total = subtotal + tax_detail["TotalTax"]
        body["Line"] = [
            *lines,
            {"Amount": subtotal, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}},
        ]
        body["TxnTaxDetail"] = tax_detail
        body["TotalAmt"] = total
        body["HomeTotalAmt"] = total
        body.setdefault("TxnDate", local_date(self.clock.now(), self.company.timezone))
        body.setdefault("CurrencyRef", currency_ref(self.company.country))
        body.setdefault("PrivateNote", "")
        if not body.get("DocNumber"):
            body["DocNumber"] = existing.body["DocNumber"] if existing else self.company.allocate_doc_number()
        if entity == "CreditMemo":
            body["RemainingCredit"] = total
            body["Balance"] = total
            return body
        applied = self._applied_to_invoice(record_id)
        if applied > total:
            raise errors.business_validation(
                f"The invoice total {total} cannot be less than the {applied} already paid against it."
            )
        body["LinkedTxn"] = [link for link in body.get("LinkedTxn", []) if link.get("TxnType") != "Payment"]
        body["LinkedTxn"] += [{"TxnId": pid, "TxnType": "Payment"} for pid in self._payments_of_invoice(record_id)]
        body["Balance"] = total - applied
        body.setdefault("DueDate", body["TxnDate"])
        body.setdefault("Deposit", Decimal("0"))
        body.setdefault("EmailStatus", "NotSet")
        body.setdefault("PrintStatus", "NotSet")
        return body

    def _sales_lines(self, raw_lines: Any) -> tuple[list[dict[str, Any]], Decimal, dict[str, Decimal]]:
        """Line amounts are Qty × UnitPrice when both are given; net taxable amounts per tax code."""
        if not isinstance(raw_lines, list) or not raw_lines:
            raise errors.required_field("Line")
        lines: list[dict[str, Any]] = []
        subtotal = Decimal("0")
        taxable: dict[str, Decimal] = {}
        for raw in raw_lines:
            detail_type = raw.get("DetailType")
            if detail_type == "SubTotalLineDetail":
                continue
            number = len(lines) + 1
            line = {**raw, "Id": str(number), "LineNum": number}
            if detail_type == "DescriptionOnly":
                line["Amount"] = Decimal("0")
                line.setdefault("DescriptionLineDetail", {})
            elif detail_type == "SalesItemLineDetail":
                amount, tax_code = self._sales_item_line(line)
                subtotal += amount
                taxable[tax_code] = taxable.get(tax_code, Decimal("0")) + amount
            else:
                raise errors.request_invalid(f"Line DetailType {detail_type!r} is not supported")
            lines.append(line)
        return lines, subtotal, taxable

    def _sales_item_line(self, line: dict[str, Any]) -> tuple[Decimal, str]:
        detail = dict(line.get("SalesItemLineDetail") or {})
        if not detail.get("ItemRef"):
            raise errors.required_field("Line.SalesItemLineDetail.ItemRef")
        item = self._reference("Item", detail["ItemRef"], "ItemRef")
        detail["ItemRef"] = {"value": item.id, "name": item.body["Name"]}
        quantity = _money(detail["Qty"], "Qty", exact=False) if "Qty" in detail else None
        unit_price = _money(detail["UnitPrice"], "UnitPrice", exact=False) if "UnitPrice" in detail else None
        if quantity is not None and unit_price is not None:
            amount = (quantity * unit_price).quantize(CENT, ROUND_HALF_UP)
        elif "Amount" in line:
            amount = _money(line["Amount"], "Amount")
            if quantity:
                detail["UnitPrice"] = amount / quantity
        else:
            quantity = quantity if quantity is not None else Decimal("1")
            unit_price = item.body.get("UnitPrice", Decimal("0"))
            detail["Qty"], detail["UnitPrice"] = quantity, unit_price
            amount = (quantity * unit_price).quantize(CENT, ROUND_HALF_UP)
        line["Amount"] = amount
        tax_code = self._line_tax_code(detail, item)
        detail["TaxCodeRef"] = {"value": tax_code}
        line["SalesItemLineDetail"] = detail
        return amount, tax_code

    def _line_tax_code(self, detail: dict[str, Any], item: Record) -> str:
        ref = detail.get("TaxCodeRef") or item.body.get("SalesTaxCodeRef")
        if ref:
            return self._reference("TaxCode", ref, "TaxCodeRef").id
        if self.company.country == "US":
            return "TAX" if item.body.get("Taxable") else "NON"
        return ""

    def _tax_detail(
        self, sent: dict[str, Any], explicit: dict[str, Any], taxable: dict[str, Decimal]
    ) -> dict[str, Any]:
        """US: lines marked TAX take the transaction's sales-tax code, and an explicit TotalTax wins,
        as Automated Sales Tax honours it. Elsewhere each line's own code carries its rates (1.3)."""
        tax_lines: list[dict[str, Any]] = []
        detail: dict[str, Any] = {}
        if self.company.country == "US":
            code_ref = sent.get("TxnTaxCodeRef") or {"value": US_DEFAULT_SALES_TAX_CODE}
            code = self._reference("TaxCode", code_ref, "TxnTaxCodeRef")
            detail["TxnTaxCodeRef"] = {"value": code.id}
            net_by_code = {code.id: taxable.get("TAX", Decimal("0"))}
        else:
            net_by_code = {code_id: net for code_id, net in taxable.items() if code_id}
        for code_id, net in net_by_code.items():
            code = self.company.get("TaxCode", code_id)
            if code is None:
                continue
            for rate_detail in code.body.get("SalesTaxRateList", {}).get("TaxRateDetail", []):
                rate = self.company.get("TaxRate", rate_detail["TaxRateRef"]["value"])
                if rate is None:
                    continue
                percent = rate.body["RateValue"]
                tax_lines.append(
                    {
                        "Amount": (net * percent / 100).quantize(CENT, ROUND_HALF_UP),
                        "DetailType": "TaxLineDetail",
                        "TaxLineDetail": {
                            "TaxRateRef": {"value": rate.id},
                            "PercentBased": True,
                            "TaxPercent": percent,
                            "NetAmountTaxable": net,
                        },
                    }
                )
        total_tax = sum((line["Amount"] for line in tax_lines), Decimal("0"))
        if self.company.country == "US" and "TotalTax" in explicit:
            total_tax = _money(explicit["TotalTax"], "TxnTaxDetail.TotalTax")
        detail["TotalTax"] = total_tax
        detail["TaxLine"] = tax_lines
        return detail

    # Payment ----------------------------------------------------------------------------------
    def _prepare_payment(self, body: dict[str, Any], record_id: str) -> dict[str, Any]:
        """Each line applies an amount to an open invoice of the same customer (providers.md 1.3)."""
        if not body.get("CustomerRef"):
            raise errors.required_field("CustomerRef")
        customer = self._reference("Customer", body["CustomerRef"], "CustomerRef")
        body["CustomerRef"] = {"value": customer.id, "name": customer.body["FullyQualifiedName"]}
        if "TotalAmt" not in body:
            raise errors.required_field("TotalAmt")
        total = _money(body["TotalAmt"], "TotalAmt")
        applied_total = Decimal("0")
        lines = []
        for raw in body.get("Line") or []:
            amount = _money(raw.get("Amount", 0), "Line.Amount")
            links = raw.get("LinkedTxn") or []
            for link in links:
                self._check_payment_link(link, customer.id, amount, record_id)
            lines.append({**raw, "Amount": amount, "LinkedTxn": links})
            applied_total += amount
        if applied_total > total:
            raise errors.business_validation(
                f"The amount applied ({applied_total}) is more than the payment total ({total})."
            )
        body["Line"] = lines
        body["TotalAmt"] = total
        body["UnappliedAmt"] = total - applied_total
        body.setdefault("TxnDate", local_date(self.clock.now(), self.company.timezone))
        body.setdefault("CurrencyRef", currency_ref(self.company.country))
        body.setdefault("ProcessPayment", False)
        if not body.get("DepositToAccountRef"):
            funds = next(a for a in self.company.live("Account") if a.body["AccountSubType"] == "UndepositedFunds")
            body["DepositToAccountRef"] = {"value": funds.id}
        return body

    def _check_payment_link(self, link: dict[str, Any], customer_id: str, amount: Decimal, payment_id: str) -> None:
        if link.get("TxnType") != "Invoice":
            raise errors.request_invalid(f"LinkedTxn TxnType {link.get('TxnType')!r} is not supported")
        invoice = self.company.get("Invoice", str(link.get("TxnId")))
        if invoice is None:
            raise errors.invalid_reference("Invoice", str(link.get("TxnId")))
        if invoice.body["CustomerRef"]["value"] != customer_id:
            raise errors.business_validation("A payment can only be applied to invoices of its own customer.")
        open_balance = invoice.body["Balance"] + self._applied_by_payment(payment_id, invoice.id)
        if amount > open_balance:
            raise errors.business_validation(
                f"Payment amount {amount} exceeds the open balance {open_balance} of invoice {invoice.id}."
            )

    # Links between payments and invoices ------------------------------------------------------
    def _payment_links(self) -> list[tuple[str, str, Decimal]]:
        return [
            (payment.id, str(link["TxnId"]), line["Amount"])
            for payment in self.company.live("Payment")
            for line in payment.body.get("Line", [])
            for link in line.get("LinkedTxn", [])
            if link.get("TxnType") == "Invoice"
        ]

    def _applied_to_invoice(self, invoice_id: str) -> Decimal:
        return sum((amount for _, iid, amount in self._payment_links() if iid == invoice_id), Decimal("0"))

    def _applied_by_payment(self, payment_id: str, invoice_id: str) -> Decimal:
        links = self._payment_links()
        return sum((amount for pid, iid, amount in links if pid == payment_id and iid == invoice_id), Decimal("0"))

    def _payments_of_invoice(self, invoice_id: str) -> list[str]:
        return list(dict.fromkeys(pid for pid, iid, _ in self._payment_links() if iid == invoice_id))

    def _after_write(self, record: Record) -> None:
        """Keep both sides of payment links and the customer balance true after any write."""
        if record.entity == "Payment":
            for invoice in self.company.live("Invoice"):
                self._refresh_invoice_balance(invoice)
        elif (
            record.entity == "Invoice"
            and record.deleted
            or (
                record.entity == "Invoice" and record.body.get("TotalAmt") == 0 and self._payments_of_invoice(record.id)
            )
        ):
            self._unapply_payments_from(record.id)
        if record.entity in ("Invoice", "Payment", "CreditMemo"):
            self._refresh_customer_balances()

    def _refresh_invoice_balance(self, invoice: Record) -> None:
        """An invoice whose payments changed is itself changed: new Balance, SyncToken and time."""
        applied = self._applied_to_invoice(invoice.id)
        links = [link for link in invoice.body.get("LinkedTxn", []) if link.get("TxnType") != "Payment"]
        links += [{"TxnId": pid, "TxnType": "Payment"} for pid in self._payments_of_invoice(invoice.id)]
        balance = invoice.body["TotalAmt"] - applied
        if balance == invoice.body["Balance"] and links == invoice.body.get("LinkedTxn", []):
            return
        invoice.body["Balance"] = balance
        invoice.body["LinkedTxn"] = links
        invoice.sync_token += 1
        invoice.updated_at = self.clock.now()
        self._changed(invoice, "Update")

    def _unapply_payments_from(self, invoice_id: str) -> None:
        """Deleting or voiding an invoice leaves its payments unapplied rather than lost."""
        for payment in self.company.live("Payment"):
            kept = [
                line
                for line in payment.body.get("Line", [])
                if not any(str(link.get("TxnId")) == invoice_id for link in line.get("LinkedTxn", []))
            ]
            if len(kept) == len(payment.body.get("Line", [])):
                continue
            payment.body["Line"] = kept
            applied = sum((line["Amount"] for line in kept), Decimal("0"))
            payment.body["UnappliedAmt"] = payment.body["TotalAmt"] - applied
            payment.sync_token += 1
            payment.updated_at = self.clock.now()
            self._changed(payment, "Update")

    def _refresh_customer_balances(self) -> None:
        """Customer.Balance is the open invoice balance; it is maintained without a SyncToken bump."""
        open_by_customer: dict[str, Decimal] = {}
        for invoice in self.company.live("Invoice"):
            customer_id = invoice.body["CustomerRef"]["value"]
            open_by_customer[customer_id] = open_by_customer.get(customer_id, Decimal("0")) + invoice.body["Balance"]
        for customer in self.company.all_including_deleted("Customer"):
            balance = open_by_customer.get(customer.id, Decimal("0"))
            customer.body["Balance"] = balance
            customer.body["BalanceWithJobs"] = balance

    # Shared checks ----------------------------------------------------------------------------
    def _reference(self, entity: str, ref: Any, field_name: str) -> Record:
        """Refs to missing records fail with 2500 and to inactive names with 610 (providers.md 1.4)."""
        value = ref.get("value") if isinstance(ref, dict) else ref
        if value in (None, ""):
            raise errors.required_field(field_name)
        record = self.company.get(entity, str(value))
        if record is None:
            raise errors.invalid_reference(entity, str(value))
        if not record.active:
            raise errors.object_not_found()
        return record

    def _require_unique_name(self, entity: str, field_name: str, name: str, record_id: str) -> None:
        """Names clash case-insensitively, inactive ones included: QuickBooks keeps them on file."""
        wanted = name.casefold()
        for other in self.company.live(entity):
            if other.id != record_id and str(other.body.get(field_name, "")).casefold() == wanted:
                raise errors.duplicate_name(entity)


def _client_fields(payload: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in payload.items() if key not in SERVER_FIELDS}


def _derived_display_name(body: dict[str, Any]) -> str:
    parts = [body.get(key) for key in ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")]
    return " ".join(part for part in parts if part) or body.get("CompanyName") or ""


def _money(value: Any, field_name: str, exact: bool = True) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise errors.request_invalid(f"{field_name} is not a number: {value!r}") from error
    return amount.quantize(CENT, ROUND_HALF_UP) if exact else amount
