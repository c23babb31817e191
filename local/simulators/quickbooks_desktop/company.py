"""One QuickBooks company file: its lists, transactions, deletions, ids and the local clock.

Records are held as the fields of their `*Ret` (wire.py). Ids look like QuickBooks' own: a hex
serial and the creation time in epoch seconds (`80000001-1764633600` for a list, `1A-1764633600`
for a transaction); `EditSequence` is the modification time in epoch seconds, kept strictly rising
so two edits in one second still differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from local.simulators.quickbooks_desktop import statuses
from local.simulators.quickbooks_desktop.config import CompanyFileSeed
from local.simulators.quickbooks_desktop.wire import Fields

# Names are unique across these lists (providers.md 3.3, "CustomerAdd"): one name list, four kinds.
NAME_LISTS = ("Customer", "Vendor", "Employee", "OtherName")
ITEM_LISTS = ("ItemService", "ItemNonInventory")
TXN_KINDS = ("Invoice", "CreditMemo", "ReceivePayment")


def full_name_of(record: Fields) -> str:
    """Lists without a FullName (SalesTaxCode) are named by their Name."""
    return record.get("FullName") or record["Name"]


class Clock:
    """Wall time plus an offset a test can advance; seconds only, as QuickBooks stores them."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self, zone: ZoneInfo) -> datetime:
        return (datetime.now(zone) + self.offset).replace(microsecond=0)

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)

    def reset(self) -> None:
        self.offset = timedelta()


@dataclass
class Iterator:
    request: str
    remaining: list[str]


@dataclass
class Company:
    path: str
    name: str
    zone: ZoneInfo
    clock: Clock
    lists: dict[str, dict[str, Fields]] = field(default_factory=dict)
    txns: dict[str, dict[str, Fields]] = field(default_factory=dict)
    deleted_lists: list[Fields] = field(default_factory=list)
    deleted_txns: list[Fields] = field(default_factory=list)
    # (OwnerID, DataExtName) → value: where a Web Connector stamps its FileID (providers.md 3.2).
    data_ext: dict[tuple[str, str], str] = field(default_factory=dict)
    iterators: dict[str, Iterator] = field(default_factory=dict)
    # CustomerAdd's OpenBalance: owed from before the books start (not a transaction of its own here).
    opening_balances: dict[str, Decimal] = field(default_factory=dict)
    serial: int = 0
    serial_txn_number: int = 0
    last_stamp: int = 0

    @classmethod
    def from_seed(cls, seed: CompanyFileSeed, clock: Clock) -> Company:
        company = cls(path=seed.path, name=seed.company_name, zone=ZoneInfo(seed.timezone), clock=clock)
        for owner_id, file_id in seed.file_ids.items():
            company.data_ext[(owner_id, "FileID")] = file_id
        return company

    def now(self) -> datetime:
        return self.clock.now(self.zone)

    def next_stamp(self) -> int:
        self.last_stamp = max(int(self.now().timestamp()), self.last_stamp + 1)
        return self.last_stamp

    def new_list_id(self) -> str:
        self.serial += 1
        return f"{0x80000000 + self.serial:08X}-{int(self.now().timestamp())}"

    def new_txn_id(self) -> str:
        self.serial += 1
        return f"{self.serial:X}-{int(self.now().timestamp())}"

    def stamp_new(self, record: Fields, id_field: str) -> Fields:
        now = self.now()
        record[id_field] = self.new_list_id() if id_field == "ListID" else self.new_txn_id()
        record["TimeCreated"] = now
        record["TimeModified"] = now
        record["EditSequence"] = str(self.next_stamp())
        return record

    def stamp_modified(self, record: Fields) -> None:
        record["TimeModified"] = self.now()
        record["EditSequence"] = str(self.next_stamp())

    # Lists

    def list_of(self, kind: str) -> dict[str, Fields]:
        return self.lists.setdefault(kind, {})

    def find_list(
        self, kinds: tuple[str, ...], list_id: str | None = None, full_name: str | None = None
    ) -> Fields | None:
        for kind in kinds:
            for record in self.list_of(kind).values():
                if list_id is not None and record["ListID"] == list_id:
                    return record
                if full_name is not None and full_name_of(record).lower() == full_name.lower():
                    return record
        return None

    def check_name_free(self, kinds: tuple[str, ...], full_name: str, except_id: str | None = None) -> None:
        """3100 when another record of the shared name list has this full name (case does not matter)."""
        clash = self.find_list(kinds, full_name=full_name)
        if clash is not None and clash["ListID"] != except_id:
            raise statuses.name_in_use(full_name)

    def resolve_ref(self, ref: Fields, kinds: tuple[str, ...], kind_label: str, where: str) -> Fields:
        """A `*Ref` by ListID or FullName; 3140 when it names nothing."""
        record = self.find_list(
            kinds, list_id=ref.get("ListID"), full_name=None if ref.get("ListID") else ref.get("FullName")
        )
        if record is None:
            raise statuses.invalid_reference(kind_label, ref.get("ListID") or ref.get("FullName", ""), where)
        return record

    # Transactions

    def txn_of(self, kind: str) -> dict[str, Fields]:
        return self.txns.setdefault(kind, {})

    def find_txn(self, kind: str, txn_id: str) -> Fields | None:
        return self.txn_of(kind).get(txn_id)

    def open_invoices_of(self, customer_id: str) -> list[Fields]:
        return [
            invoice
            for invoice in self.txn_of("Invoice").values()
            if invoice["CustomerRef"]["ListID"] == customer_id and invoice["BalanceRemaining"] > 0
        ]

    # Balances: what QuickBooks shows on the customer list, computed from the open transactions

    def balance_of(self, customer_id: str) -> Decimal:
        total = self.opening_balances.get(customer_id, Decimal("0"))
        for invoice in self.txn_of("Invoice").values():
            if invoice["CustomerRef"]["ListID"] == customer_id:
                total += invoice["BalanceRemaining"]
        for memo in self.txn_of("CreditMemo").values():
            if memo["CustomerRef"]["ListID"] == customer_id:
                total -= memo["CreditRemaining"]
        for payment in self.txn_of("ReceivePayment").values():
            if payment["CustomerRef"]["ListID"] == customer_id:
                total -= payment["UnusedPayment"]
        return total

    def total_balance_of(self, customer_id: str) -> Decimal:
        """The customer's own balance plus its jobs', all the way down."""
        total = self.balance_of(customer_id)
        for job in self.list_of("Customer").values():
            if job.get("ParentRef", {}).get("ListID") == customer_id:
                total += self.total_balance_of(job["ListID"])
        return total

    # Deletions, for ListDeletedQuery / TxnDeletedQuery

    def record_list_deletion(self, kind: str, record: Fields) -> Fields:
        entry = {
            "ListDelType": kind,
            "ListID": record["ListID"],
            "TimeCreated": record["TimeCreated"],
            "TimeDeleted": self.now(),
            "FullName": record["FullName"],
        }
        self.deleted_lists.append(entry)
        return entry

    def record_txn_deletion(self, kind: str, record: Fields) -> Fields:
        entry: dict[str, Any] = {
            "TxnDelType": kind,
            "TxnID": record["TxnID"],
            "TimeCreated": record["TimeCreated"],
            "TimeDeleted": self.now(),
        }
        if record.get("RefNumber"):
            entry["RefNumber"] = record["RefNumber"]
        self.deleted_txns.append(entry)
        return entry

    def count(self, kind: str) -> int:
        return len(self.lists.get(kind) or self.txns.get(kind) or {})
