"""Who holds an accounting company: one row per provider and company, naming the one tenant whose live
connection uses it.

The key is the company, not a tenant, because the rule is about the company: two tenants must never
sync into one set of books (issue 10, A.1). A claim is one conditional put (taken if nobody holds the
company or this tenant already does), so two tenants finishing a connect at the same moment cannot
both win, as a read of the connections followed by a write could. It is taken before the connection
row is saved and given back at disconnect.
"""

from __future__ import annotations

import os

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, PutError
from pynamodb.models import Model

from fieldbooks.domain.errors import Conflict
from fieldbooks.domain.models import Provider
from fieldbooks.store.base import TableSettings, now

CONDITION_FAILED = "ConditionalCheckFailedException"


class CompanyClaimRow(Model):
    class Meta(TableSettings):
        table_name = os.environ.get("COMPANY_CLAIMS_TABLE", "fieldbooks-dev-company-claims")

    company_key = UnicodeAttribute(hash_key=True)  # "<provider>#<company id>"
    tenant_id = UnicodeAttribute()
    claimed_at = UTCDateTimeAttribute()


class CompanyTaken(Conflict):
    """Another tenant's live connection holds the company (409)."""


class CompanyClaimStore:
    def claim(self, provider: Provider, company_id: str, tenant_id: str) -> None:
        """Takes the company for `tenant_id`, or raises CompanyTaken; taking it again is a no-op."""
        row = CompanyClaimRow(company_key(provider, company_id), tenant_id=tenant_id, claimed_at=now())
        try:
            row.save(condition=CompanyClaimRow.company_key.does_not_exist() | (CompanyClaimRow.tenant_id == tenant_id))
        except PutError as error:
            if error.cause_response_code == CONDITION_FAILED:
                # Which tenant holds it stays ours to know: the message names no other account.
                raise CompanyTaken(
                    f"This {provider.label} company is already connected to another account, so it was not "
                    f"connected here. Choose a different company when {provider.label} asks, or disconnect it "
                    "from the other account first."
                ) from error
            raise

    def release(self, provider: Provider, company_id: str, tenant_id: str) -> None:
        """Gives the company back, only if this tenant holds it (a later holder's claim stays)."""
        row = CompanyClaimRow(company_key(provider, company_id), tenant_id=tenant_id, claimed_at=now())
        try:
            row.delete(condition=CompanyClaimRow.tenant_id == tenant_id)
        except DeleteError as error:
            if error.cause_response_code != CONDITION_FAILED:
                raise

    def holder(self, provider: Provider, company_id: str) -> str | None:
        """The tenant holding the company (for operators and tests; never shown to another tenant)."""
        try:
            return str(CompanyClaimRow.get(company_key(provider, company_id)).tenant_id)
        except CompanyClaimRow.DoesNotExist:
            return None


def company_key(provider: Provider, company_id: str) -> str:
    return f"{provider.value}#{company_id}"
