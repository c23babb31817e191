"""Provider → package: the one module that imports provider packages, and builds what a connection needs.

Everything else asks here: the engine for a connection's `Operations` and `Reader`, connect for a
provider's OAuth endpoints, the console for a descriptor. Tests hand in a package of their own with
`replaced`, never by patching a module's globals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from fieldbooks.connections.token_lease import LeasedTokenSource
from fieldbooks.domain.errors import NotFound, ValidationFailed
from fieldbooks.domain.models import Connection, Provider
from fieldbooks.providers.agents import ServesAgents
from fieldbooks.providers.contract import (
    CallContext,
    Descriptor,
    OAuthEndpoints,
    Operations,
    ProviderPackage,
    Reader,
)
from fieldbooks.providers.notifications import WebhookReceiver
from fieldbooks.services import Services
from fieldbooks.store.rate_budget import RateGovernor


def _quickbooks_online() -> ProviderPackage:
    from fieldbooks.providers.quickbooks_online.package import QuickBooksOnlinePackage

    return QuickBooksOnlinePackage()


def _xero() -> ProviderPackage:
    from fieldbooks.providers.xero.package import XeroPackage

    return XeroPackage()


def _quickbooks_desktop() -> ProviderPackage:
    from fieldbooks.providers.quickbooks_desktop.package import QuickBooksDesktopPackage

    return QuickBooksDesktopPackage()


# Built, and imported, on first use: a package reads its own section of the environment then, and a
# function that never calls a provider (the intake, the scheduler, the console page) never loads one.
KNOWN: dict[Provider, Callable[[], ProviderPackage]] = {
    Provider.QUICKBOOKS_ONLINE: _quickbooks_online,
    Provider.XERO: _xero,
    Provider.QUICKBOOKS_DESKTOP: _quickbooks_desktop,
}
_packages: dict[Provider, ProviderPackage] = {}


def package(provider: Provider) -> ProviderPackage:
    if provider not in _packages:
        if provider not in KNOWN:
            raise ValidationFailed(f"Syncing with {provider.label} is not available yet.")
        _packages[provider] = KNOWN[provider]()
    return _packages[provider]


def providers() -> list[Provider]:
    """Every provider a tenant can connect."""
    return sorted(set(KNOWN) | set(_packages))


def available(provider: Provider) -> bool:
    return provider in _packages or provider in KNOWN


def descriptor(provider: Provider) -> Descriptor:
    return package(provider).descriptor


@contextmanager
def replaced(provider: Provider, stand_in: ProviderPackage) -> Iterator[ProviderPackage]:
    """Serves `stand_in` for `provider` inside the block (tests: a fake provider, a short HTTP timeout)."""
    before = _packages.get(provider)
    _packages[provider] = stand_in
    try:
        yield stand_in
    finally:
        if before is None:
            _packages.pop(provider, None)
        else:
            _packages[provider] = before


def call_context(connection: Connection, services: Services) -> CallContext:
    """The connection's company, its tokens (refreshed under a lease) and its rate budget."""
    provider = connection.provider
    return CallContext(
        company_id=connection.remote_company_id,
        tokens=LeasedTokenSource(connection, services, lambda: oauth(provider, services)),
        governor=RateGovernor(connection.tenant_id, provider, descriptor(provider).budget),
    )


def operations(connection: Connection, services: Services) -> Operations:
    return package(connection.provider).operations(call_context(connection, services))


def reader(connection: Connection, services: Services) -> Reader:
    return package(connection.provider).reader(call_context(connection, services))


def oauth(provider: Provider, services: Services) -> OAuthEndpoints:
    return package(provider).oauth(callback_url(services, provider), services.secret)


def callback_url(services: Services, provider: Provider) -> str:
    return f"{services.settings.public_api_base_url.rstrip('/')}/oauth/{provider.value}/callback"


def webhooks(provider: Provider, services: Services) -> WebhookReceiver:
    """The receiver of a provider's change notifications; NotFound (a 404, as for any unknown path)
    when its package receives none or is not available."""
    receive = getattr(package(provider), "webhooks", None) if available(provider) else None
    if receive is None:
        raise NotFound("There is no webhook here.")
    return receive(services.secret)


def agent(provider: Provider) -> ServesAgents:
    """The package of a provider whose agent polls us (NotFound otherwise, as for any unknown path)."""
    served = package(provider) if available(provider) else None
    if served is None or not hasattr(served, "agent_protocol"):
        raise NotFound("There is no agent endpoint here.")
    return served  # type: ignore[return-value]
