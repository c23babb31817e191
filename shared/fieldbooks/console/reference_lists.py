"""The Integrations page's pick lists (tax codes, tax rates, income accounts) and the settings check
that the default income account and tax code name entries the accounting company has.

The check reads the lists kept per connection (store/reference_lists.py), never the provider: a settings
PUT stays one DynamoDB read, and the page offers exactly what the check accepts.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from fieldbooks import registry
from fieldbooks.console.accounting_calls import answered
from fieldbooks.domain.errors import Conflict, ValidationFailed
from fieldbooks.domain.models import ConnectionSettings, Provider
from fieldbooks.domain.reference_lists import ReferenceEntry, ReferenceKind
from fieldbooks.security.tenant_tokens import TenantCaller
from fieldbooks.services import Services
from fieldbooks.store.reference_lists import PulledReferenceLists
from fieldbooks.sync.reference_lists import refresh_reference_lists

# The settings that choose from a list: the field, the list, and how a bookkeeper says both.
CHOSEN_FROM: tuple[tuple[str, ReferenceKind, str, str], ...] = (
    ("default_income_account_id", "income_accounts", "default income account", "income account"),
    ("default_tax_code_id", "tax_codes", "default tax code", "tax code"),
)


class ReferenceListsView(BaseModel):
    """`pulled_at` is None until the lists were first brought over (the lists are then empty)."""

    provider: Provider
    pulled_at: datetime | None
    tax_codes: list[ReferenceEntry]
    tax_rates: list[ReferenceEntry]
    income_accounts: list[ReferenceEntry]

    @classmethod
    def of(cls, provider: Provider, pulled: PulledReferenceLists | None) -> ReferenceListsView:
        if pulled is None:
            return cls(provider=provider, pulled_at=None, tax_codes=[], tax_rates=[], income_accounts=[])
        lists = pulled.lists
        return cls(
            provider=provider,
            pulled_at=pulled.pulled_at,
            tax_codes=lists.tax_codes,
            tax_rates=lists.tax_rates,
            income_accounts=lists.income_accounts,
        )


def view(tenant_id: str, provider: Provider, services: Services) -> ReferenceListsView:
    services.connections.get(tenant_id, provider)  # 404 for a provider the tenant never connected
    return ReferenceListsView.of(provider, services.reference_lists.get(tenant_id, provider))


def refresh(caller: TenantCaller, provider: Provider, services: Services) -> ReferenceListsView:
    caller.require_admin()
    connection = services.connections.get(caller.tenant_id, provider)
    if not connection.is_active:
        raise Conflict(f"{provider.label} is not connected, so its lists cannot be read. Reconnect it first.")
    with answered(connection, services, f"refresh the lists of {provider.label}"):
        pulled = refresh_reference_lists(connection, services)
    return ReferenceListsView.of(provider, pulled)


def check_settings(
    tenant_id: str, provider: Provider, before: ConnectionSettings, after: ConnectionSettings, services: Services
) -> None:
    """A default that changes must be an entry of its list; one left as it was is not checked again, so
    an unrelated change is never refused for a list that moved meanwhile."""
    changed = [each for each in CHOSEN_FROM if getattr(after, each[0]) not in (None, getattr(before, each[0]))]
    if not changed:
        return
    label = registry.descriptor(provider).label
    pulled = services.reference_lists.get(tenant_id, provider)
    for field, kind, setting, noun in changed:
        chosen = getattr(after, field)
        if pulled is None:
            raise ValidationFailed(
                f"The {setting} ({field}) cannot be checked yet: the tax codes and income accounts of "
                f"{label} were never pulled. Refresh the lists, then choose one of its {noun}s."
            )
        if pulled.lists.find(kind, chosen) is None:
            raise ValidationFailed(
                f"The {setting} ({field}) must be one of {label}'s active {noun}s, and {label} has none "
                f"with id {chosen!r}. Choose one from the list, or refresh the lists if it was added since."
            )
