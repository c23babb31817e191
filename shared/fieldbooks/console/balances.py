"""The balance report: each linked customer's open balance in the SaaS and in accounting, differences first.

The SaaS side is the platform API's invoice and credit-note listings (a few hundred per page): a contact's
open balance is what its issued, live invoices (its job sites' included) still owe after payments, less
its credit notes. The accounting side is one `Reader.balances()` (a thousand customers per
call where the provider pages that far), never one call per customer. Money stays `Decimal` from both
replies to the CSV.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel

from fieldbooks import registry
from fieldbooks.console.accounting_calls import answered
from fieldbooks.console.export import _cell as spreadsheet_safe
from fieldbooks.domain.errors import Conflict
from fieldbooks.domain.models import LinkState, Provider
from fieldbooks.domain.money import ZERO
from fieldbooks.domain.records import Contact, CreditNote, Invoice
from fieldbooks.services import Services
from fieldbooks.store.base import now
from fieldbooks.sync.runs import BEGINNING

SAAS_PAGE_SIZE = 500  # the platform API's largest page
CSV_COLUMNS = ("customer", "saas_id", "remote_id", "saas_balance", "accounting_balance", "difference", "note")


class BalanceRow(BaseModel):
    saas_id: str
    name: str
    remote_id: str
    saas_balance: Decimal
    accounting_balance: Decimal | None  # None: accounting has no active customer with this id any more
    difference: Decimal  # SaaS minus accounting
    note: str | None = None

    @property
    def differs(self) -> bool:
        return self.accounting_balance is None or self.difference != ZERO


class BalanceTotals(BaseModel):
    customers: int
    with_differences: int
    saas_balance: Decimal
    accounting_balance: Decimal
    difference: Decimal


class BalanceReport(BaseModel):
    provider: Provider
    provider_name: str
    generated_at: datetime
    totals: BalanceTotals
    rows: list[BalanceRow]


def balance_report(services: Services, tenant_id: str, provider: Provider) -> BalanceReport:
    connection = services.connections.get(tenant_id, provider)
    if not connection.is_active:
        raise Conflict(f"{provider.label} is not connected, so its balances cannot be read. Reconnect it first.")
    linked = {
        link.saas_id: link.remote_id
        for link in services.links.list(tenant_id, provider, "contact")
        if link.state is LinkState.LINKED and link.remote_id
    }
    with answered(connection, services, "read the balances"):
        names = _contact_names(services, tenant_id)
        saas_balances = _open_balances(services, tenant_id)
        accounting = registry.reader(connection, services).balances() if linked else {}
    label = registry.descriptor(provider).label
    rows = [
        _row(saas_id, remote_id, names, saas_balances, accounting, label)
        for saas_id, remote_id in linked.items()
        if saas_id in names
    ]
    # Differences first, the largest first; then by name, so the report reads the same every time.
    rows.sort(key=lambda row: (not row.differs, -abs(row.difference), row.name.casefold(), row.saas_id))
    saas_total = sum((row.saas_balance for row in rows), ZERO)
    accounting_total = sum((row.accounting_balance or ZERO for row in rows), ZERO)
    totals = BalanceTotals(
        customers=len(rows),
        with_differences=sum(row.differs for row in rows),
        saas_balance=saas_total,
        accounting_balance=accounting_total,
        difference=saas_total - accounting_total,
    )
    return BalanceReport(provider=provider, provider_name=label, generated_at=now(), totals=totals, rows=rows)


def to_csv(report: BalanceReport) -> str:
    """One row per customer in the report's order, then the totals; names are kept from running as
    spreadsheet formulas, amounts stay plain numbers (a negative one starts with "-")."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        accounting = "" if row.accounting_balance is None else row.accounting_balance
        writer.writerow(
            [
                spreadsheet_safe(row.name),
                spreadsheet_safe(row.saas_id),
                spreadsheet_safe(row.remote_id),
                row.saas_balance,
                accounting,
                row.difference,
                spreadsheet_safe(row.note),
            ]
        )
    totals = report.totals
    writer.writerow(["Total", "", "", totals.saas_balance, totals.accounting_balance, totals.difference, ""])
    return out.getvalue()


def _row(
    saas_id: str,
    remote_id: str,
    names: dict[str, str],
    saas_balances: dict[str, Decimal],
    accounting: dict[str, Decimal],
    label: str,
) -> BalanceRow:
    saas_balance = saas_balances.get(saas_id, ZERO)
    theirs = accounting.get(remote_id)
    note = None if theirs is not None else f"{label} has no active customer {remote_id}."
    return BalanceRow(
        saas_id=saas_id,
        name=names[saas_id],
        remote_id=remote_id,
        saas_balance=saas_balance,
        accounting_balance=theirs,
        difference=saas_balance - (theirs or ZERO),
        note=note,
    )


def _contact_names(services: Services, tenant_id: str) -> dict[str, str]:
    """Live contacts only: a contact deleted in the SaaS has no balance to compare."""
    names = {}
    for contact in services.saas.list_changed(tenant_id, "contact", BEGINNING, page_size=SAAS_PAGE_SIZE):
        if isinstance(contact, Contact) and contact.deleted_at is None:
            names[contact.id] = contact.display_name or contact.derived_display_name() or contact.id
    return names


def _open_balances(services: Services, tenant_id: str) -> dict[str, Decimal]:
    invoices = services.saas.list_changed(tenant_id, "invoice", BEGINNING, page_size=SAAS_PAGE_SIZE)
    credit_notes = services.saas.list_changed(tenant_id, "credit_note", BEGINNING, page_size=SAAS_PAGE_SIZE)
    return open_balances(
        [each for each in invoices if isinstance(each, Invoice)],
        [each for each in credit_notes if isinstance(each, CreditNote)],
    )


def open_balances(invoices: Iterable[Invoice], credit_notes: Iterable[CreditNote]) -> dict[str, Decimal]:
    """Contact id → what it owes: its issued, live invoices' balance due less its live credit notes, as an
    accounting system keeps a customer's balance (open invoices less remaining credit), so a credit note
    counts the same whether it was applied to its invoice yet or not. Drafts are not owed yet, a void
    invoice is not owed at all, and a customer in credit has a negative balance."""
    owed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for invoice in invoices:
        if invoice.deleted_at is None and invoice.status == "finalized":
            owed[invoice.contact_id] += invoice.balance_due
    for note in credit_notes:
        if note.deleted_at is None:
            owed[note.contact_id] -= note.total
    return dict(owed)
