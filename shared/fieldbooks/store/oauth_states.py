"""OAuth `state` values: random, ten minutes, usable once.

The state is "<tenant id>.<random>". The callback arrives from the browser without a console token,
so the tenant is read from the state and then proven by the row: only a state we issued for that
tenant exists under that key, and deleting it conditionally is what consumes it, so two callbacks
racing with the same state cannot both succeed. The row also keeps the digest of the secret the
starting browser holds in a cookie (connections/browser_binding.py); the delete is conditional on it
too, so a callback from another browser neither finishes the flow nor uses up the owner's state.
A PKCE provider's code verifier (RFC 7636) is kept on the row as well, so it lives exactly as long
as the state and is given back only to the callback that consumes it.
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from dataclasses import dataclass

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError
from pynamodb.models import Model

from fieldbooks.domain.errors import ValidationFailed
from fieldbooks.domain.models import Provider
from fieldbooks.store.base import TableSettings

STATE_TTL_SECONDS = 600
RANDOM_BYTES = 32
SEPARATOR = "."  # token_urlsafe never produces it, so the last one splits tenant from randomness
INVALID_STATE = "This connect link has expired or was already used. Start again from the Integrations page."
OTHER_BROWSER = (
    "This connect link was started in another browser, so it was not finished here. "
    "Start again from the Integrations page in the browser you are signed in with."
)


class OAuthStateRow(Model):
    """`expires_at` is the table's TTL attribute; TTL deletes lazily, so consuming also checks it."""

    class Meta(TableSettings):
        table_name = os.environ.get("OAUTH_STATES_TABLE", "fieldbooks-dev-oauth-states")

    tenant_id = UnicodeAttribute(hash_key=True)
    state = UnicodeAttribute(range_key=True)
    provider = UnicodeAttribute()
    user_id = UnicodeAttribute()
    browser_digest = UnicodeAttribute()
    code_verifier = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()


@dataclass(frozen=True)
class ConsumedState:
    tenant_id: str
    provider: Provider
    user_id: str
    code_verifier: str | None = None


class OAuthStateStore:
    def issue(
        self, tenant_id: str, provider: Provider, user_id: str, browser_digest: str, code_verifier: str | None = None
    ) -> str:
        state = f"{tenant_id}{SEPARATOR}{secrets.token_urlsafe(RANDOM_BYTES)}"
        row = OAuthStateRow(
            tenant_id,
            state,
            provider=provider.value,
            user_id=user_id,
            browser_digest=browser_digest,
            code_verifier=code_verifier,
            expires_at=int(time.time()) + STATE_TTL_SECONDS,
        )
        row.save(condition=OAuthStateRow.state.does_not_exist())
        return state

    def consume(self, state: str | None, provider: Provider, browser_digest: str | None) -> ConsumedState:
        """Deletes the row if it is ours, unexpired, for this provider and the browser's digest is the one
        it was issued with; anything else is one clear error."""
        tenant_id, separator, _ = (state or "").rpartition(SEPARATOR)
        if not separator or not tenant_id:
            raise ValidationFailed(INVALID_STATE)
        try:
            row = OAuthStateRow.get(tenant_id, state)
        except OAuthStateRow.DoesNotExist as error:
            raise ValidationFailed(INVALID_STATE) from error
        if row.provider != provider.value or row.expires_at <= time.time():
            raise ValidationFailed(INVALID_STATE)
        # A row issued before states were bound to a browser has no digest: it cannot be proven either.
        if not browser_digest or not row.browser_digest or not hmac.compare_digest(browser_digest, row.browser_digest):
            raise ValidationFailed(OTHER_BROWSER)  # the row stays: the owner's own callback still works
        try:
            row.delete(
                condition=OAuthStateRow.state.exists()
                & (OAuthStateRow.expires_at > int(time.time()))
                & (OAuthStateRow.provider == provider.value)
                & (OAuthStateRow.browser_digest == row.browser_digest)
            )
        except DeleteError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise ValidationFailed(INVALID_STATE) from error
            raise
        return ConsumedState(
            tenant_id=row.tenant_id, provider=provider, user_id=row.user_id, code_verifier=row.code_verifier
        )
