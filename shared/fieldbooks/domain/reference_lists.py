"""The accounting system's reference lists, in neutral terms: tax codes, tax rates and income accounts.

They come *from* accounting (DESIGN.md, "What syncs"): the SaaS shows them in its pick lists, and the
connection's default income account and tax code settings must name one of them. A provider package
fills them (`Reader.reference_lists`); the engine keeps a copy per connection and hands one list per
kind to the SaaS platform API.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

ReferenceKind = Literal["tax_codes", "tax_rates", "income_accounts"]
REFERENCE_KINDS: tuple[ReferenceKind, ...] = get_args(ReferenceKind)
# A company's chart of accounts runs to hundreds of entries, rarely more; the bound keeps one list (and
# the store row holding all three) far inside DynamoDB's 400 KB item.
MAX_ENTRIES = 2000

EntryId = Annotated[str, Field(min_length=1, max_length=100)]


class ReferenceEntry(BaseModel):
    """One choice of a pick list: the accounting system's id and how a bookkeeper knows it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: EntryId
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=500)] | None = None
    # Tax rates: the percentage charged ("20" for 20 %).
    rate_percent: Annotated[Decimal, Field(ge=0, le=100, max_digits=9, decimal_places=4)] | None = None
    # Tax codes: whether sales under it are taxed, and the tax rates it charges on sales.
    taxable: bool | None = None
    tax_rate_ids: tuple[EntryId, ...] = ()


class ReferenceLists(BaseModel):
    """The three lists of one accounting company, active entries only (a reference to an inactive one is
    refused by the provider, so it is never offered)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tax_codes: Annotated[list[ReferenceEntry], Field(max_length=MAX_ENTRIES)] = []
    tax_rates: Annotated[list[ReferenceEntry], Field(max_length=MAX_ENTRIES)] = []
    income_accounts: Annotated[list[ReferenceEntry], Field(max_length=MAX_ENTRIES)] = []

    def of(self, kind: ReferenceKind) -> list[ReferenceEntry]:
        lists: dict[ReferenceKind, list[ReferenceEntry]] = {
            "tax_codes": self.tax_codes,
            "tax_rates": self.tax_rates,
            "income_accounts": self.income_accounts,
        }
        return lists[kind]

    def find(self, kind: ReferenceKind, entry_id: str) -> ReferenceEntry | None:
        return next((entry for entry in self.of(kind) if entry.id == entry_id), None)
