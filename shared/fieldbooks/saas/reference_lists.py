"""The platform API's reference lists: what Fieldbooks sends (one list per kind and provider) and what
the SaaS keeps, so its pick lists show the accounting system's tax codes, tax rates and income accounts.

`PUT /platform/v1/tenants/{t}/reference-lists/{kind}` replaces the provider's list of that kind as a
whole (a repeat changes nothing, not even the version); `GET` of the same path lists every provider's.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from fieldbooks.domain.reference_lists import MAX_ENTRIES, ReferenceEntry, ReferenceKind

# How the platform API spells each kind in its URLs; the app and the client share this one list.
PATH_OF: dict[ReferenceKind, str] = {
    "tax_codes": "tax-codes",
    "tax_rates": "tax-rates",
    "income_accounts": "income-accounts",
}
KIND_OF: dict[str, ReferenceKind] = {path: kind for kind, path in PATH_OF.items()}


class ReferenceListFields(BaseModel):
    """The whole list of one kind as one provider holds it (the provider as the SaaS badge names it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: Literal["qbo", "xero", "qbd"]
    entries: Annotated[list[ReferenceEntry], Field(max_length=MAX_ENTRIES)]


class ReferenceList(ReferenceListFields):
    """The SaaS's copy; `version` grows only when the entries change."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: ReferenceKind
    version: Annotated[int, Field(ge=1)]
    updated_at: AwareDatetime


class ReferenceListPage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    items: list[ReferenceList]
