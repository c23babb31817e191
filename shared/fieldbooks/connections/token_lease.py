"""Access tokens for one OAuth connection, refreshed by one worker at a time.

Providers rotate the refresh token and the superseded one may die at once (providers.md 1.1;
another keeps it 30 minutes, 2.1), so two
workers refreshing together would leave one of them, or the stored row, holding a dead token: the
next refresh is `invalid_grant` and the tenant must reconnect for nothing (providers.md 4.1).
Hence a lease on the connection row, taken with the row's version condition: the worker that wins
the conditional write refreshes and stores the new pair; the others wait, re-read the row and use
the stored token. A crashed holder only delays others by the lease, never locks them out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fieldbooks.connections.lifecycle import NEEDS_REAUTH_DETAIL, SAVE_ATTEMPTS, mark_needs_reauth
from fieldbooks.domain.credentials import OAuthTokens
from fieldbooks.domain.errors import AuthExpired, StaleVersion, Transient
from fieldbooks.domain.models import Connection, ConnectionStatus
from fieldbooks.observability import logger
from fieldbooks.providers.contract import OAuthEndpoints
from fieldbooks.security.token_vault import seal, token_context, unseal
from fieldbooks.services import Services

REFRESH_MARGIN = timedelta(minutes=5)  # providers.md 4.1: refresh at expiry minus 5 min
LEASE = timedelta(seconds=20)  # longer than a token call's timeout, shorter than a push's patience
WAIT_STEP_SECONDS = 0.1


class LeasedTokenSource:
    """The `TokenSource` a provider client asks before each call and after each 401.

    `oauth` builds the provider's token endpoints when a refresh is due (most calls never need them).
    """

    def __init__(self, connection: Connection, services: Services, oauth: Callable[[], OAuthEndpoints]) -> None:
        self._connection = connection
        self._services = services
        self._oauth_factory = oauth
        self._oauth: OAuthEndpoints | None = None
        self._tokens: OAuthTokens | None = None

    def current(self) -> str:
        if self._connection.status is not ConnectionStatus.CONNECTED:
            raise AuthExpired(NEEDS_REAUTH_DETAIL)
        tokens = self._tokens or self._unseal(self._connection)
        if _fresh(tokens):
            self._tokens = tokens
            return tokens.access_token
        return self.refreshed(tokens.access_token)

    def refreshed(self, rejected: str) -> str:
        """A token that replaces `rejected`: someone else's newer one if there is, else ours."""
        deadline = time.monotonic() + LEASE.total_seconds()
        while True:
            connection = self._services.connections.get(self._connection.tenant_id, self._connection.provider)
            if connection.status is not ConnectionStatus.CONNECTED:
                raise AuthExpired(NEEDS_REAUTH_DETAIL)
            stored = self._unseal(connection)
            if stored.access_token != rejected and _fresh(stored):
                return self._adopt(connection, stored)
            now = datetime.now(UTC)
            if connection.refresh_lease_until is None or connection.refresh_lease_until <= now:
                try:
                    leased = self._services.connections.save(
                        connection.model_copy(update={"refresh_lease_until": now + LEASE})
                    )
                except StaleVersion:
                    continue  # another worker wrote first: look again at what it stored
                return self._refresh_holding_lease(leased, stored)
            if time.monotonic() > deadline:
                raise Transient(
                    f"Another worker is refreshing the {connection.provider.label} sign-in; retrying shortly."
                )
            time.sleep(WAIT_STEP_SECONDS)

    # ---- internals
    def _refresh_holding_lease(self, leased: Connection, stored: OAuthTokens) -> str:
        try:
            tokens = self._client().refresh(stored.refresh_token)
        except AuthExpired:
            mark_needs_reauth(leased.tenant_id, leased.provider, self._services)
            raise
        except Transient:
            self._release(leased)
            raise
        sealed = seal(
            tokens,
            self._services.settings.tokens_kms_key_id,
            token_context(leased.tenant_id, leased.provider.value),
            self._services.kms,
        )
        # The new pair must be stored even if another writer (a scheduler claim) bumped the version:
        # the old refresh token may already be dead, so losing these would force a reconnect.
        current = leased
        for _ in range(SAVE_ATTEMPTS):
            try:
                saved = self._services.connections.save(
                    current.model_copy(update={"sealed_tokens": sealed, "refresh_lease_until": None})
                )
                return self._adopt(saved, tokens)
            except StaleVersion:
                current = self._services.connections.get(leased.tenant_id, leased.provider)
        logger.error("Refreshed tokens could not be stored", extra={"tenant_id": leased.tenant_id})
        raise Transient(f"The refreshed {leased.provider.label} sign-in could not be saved; retrying shortly.")

    def _release(self, leased: Connection) -> None:
        try:
            self._services.connections.save(leased.model_copy(update={"refresh_lease_until": None}))
        except StaleVersion:
            logger.info("Lease not released: the row moved on; it lapses on its own")

    def _adopt(self, connection: Connection, tokens: OAuthTokens) -> str:
        self._connection, self._tokens = connection, tokens
        return tokens.access_token

    def _unseal(self, connection: Connection) -> OAuthTokens:
        if not connection.sealed_tokens:
            raise AuthExpired(NEEDS_REAUTH_DETAIL)
        context = token_context(connection.tenant_id, connection.provider.value)
        return unseal(connection.sealed_tokens, context, self._services.kms)

    def _client(self) -> OAuthEndpoints:
        if self._oauth is None:
            self._oauth = self._oauth_factory()
        return self._oauth


def _fresh(tokens: OAuthTokens) -> bool:
    return tokens.expires_at - datetime.now(UTC) > REFRESH_MARGIN
