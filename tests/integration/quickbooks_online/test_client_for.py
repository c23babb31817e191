"""The registry builds a worker's client for one connection, with the connection's sealed tokens and its budget."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from fieldbooks import registry
from fieldbooks.domain.models import Provider
from fieldbooks.providers.quickbooks_online.package import QuickBooksOnlinePackage
from fieldbooks.security.token_vault import OAuthTokens, seal, token_context
from fieldbooks.services import Services
from fieldbooks.store.rate_budget import RateBudgetRow
from local.simulators.quickbooks_online import SimulatorHandle
from tests.conftest import QBO_REALM, QBO_REDIRECT_URI
from tests.support.fake_provider import connect
from tests.support.qbo_tokens import SimulatorTokens


def test_a_connection_gets_a_client_on_its_realm_its_tokens_and_its_budget(aws, qbo: SimulatorHandle) -> None:  # noqa: ANN001
    services = Services.from_environment()
    tenant_id = f"t-{secrets.token_hex(4)}"
    issued = SimulatorTokens(qbo, QBO_REALM, QBO_REDIRECT_URI).issued
    # Stored as already expired: the token source refreshes before the first call.
    tokens = OAuthTokens(
        access_token=issued["access_token"],
        refresh_token=issued["refresh_token"],
        expires_at=datetime.now(UTC) - timedelta(minutes=1),
    )
    sealed = seal(
        tokens, services.settings.tokens_kms_key_id, token_context(tenant_id, "quickbooks_online"), services.kms
    )
    connection = connect(tenant_id, remote_company_id=QBO_REALM, sealed_tokens=sealed)

    package = registry.package(Provider.QUICKBOOKS_ONLINE)
    assert isinstance(package, QuickBooksOnlinePackage)
    client = package.client(registry.call_context(connection, services))

    assert client.company_info()["CompanyName"] == "Acme Plumbing LLC"
    assert RateBudgetRow.get(tenant_id, Provider.QUICKBOOKS_ONLINE.value).requests == 1
    assert services.connections.get(tenant_id, Provider.QUICKBOOKS_ONLINE).sealed_tokens != sealed  # refreshed
