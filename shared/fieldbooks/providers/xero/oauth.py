"""Xero's OAuth 2.0 with PKCE through Authlib: authorize URL, code exchange, refresh, revoke, and the
organisation the user picked at consent (providers.md 2.1).

Fieldbooks is registered as a PKCE app: no client secret exists to leak, and the S256 challenge binds
the code to the verifier kept with our single-use state. Xero's redirect does not name the
organisation chosen; `GET /connections?authEventId=…` (the id is in the new access token) lists the
connections that consent made. Every failure leaves as a `fieldbooks.domain.errors` type.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
from authlib.integrations.httpx_client import OAuth2Client, OAuthError

from fieldbooks.domain.credentials import OAuthTokens
from fieldbooks.domain.errors import AuthExpired, Transient, ValidationFailed
from fieldbooks.observability import logger

# offline_access is what brings a refresh token (providers.md 2.1).
SCOPES = "openid profile email offline_access accounting.transactions accounting.contacts accounting.settings"
REFRESH_TOKEN_LIFETIME = timedelta(days=60)  # unused for 60 days it dies (providers.md 2.1)
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
WRONG_COMPANY = (
    "Xero did not confirm the organisation this sign-in names, so nothing was connected. "
    "Start again from the Integrations page and choose the organisation when Xero asks."
)
NO_ORGANISATION = (
    "No Xero organisation was chosen, so nothing was connected. Connect again and pick the organisation to sync."
)
SEVERAL_ORGANISATIONS = (
    "More than one Xero organisation was chosen, and Fieldbooks syncs one per account, so nothing was "
    "connected. Connect again and pick only the organisation to sync."
)


class XeroOAuth:
    def __init__(
        self, authorize_url: str, token_url: str, revoke_url: str, api_base_url: str, client_id: str, redirect_uri: str
    ) -> None:
        self._authorize_url = authorize_url
        self._token_url = token_url
        self._revoke_url = revoke_url
        self._connections_url = f"{api_base_url.rstrip('/')}/connections"
        self._client_id = client_id
        self.redirect_uri = redirect_uri

    def authorize_url(self, state: str, code_verifier: str | None = None) -> str:
        if not code_verifier:
            raise ValidationFailed("Connecting Xero needs a PKCE code verifier.")
        with self._client() as client:
            url, _ = client.create_authorization_url(
                self._authorize_url, state=state, code_verifier=code_verifier, scope=SCOPES
            )
        return str(url)

    def exchange_code(self, code: str, code_verifier: str | None = None) -> OAuthTokens:
        """Each code works once, and only with the verifier of its challenge: a replayed or foreign
        code is the caller's 400, not a retry."""
        try:
            return self._tokens(
                lambda client: client.fetch_token(self._token_url, code=code, code_verifier=code_verifier)
            )
        except AuthExpired as error:
            raise ValidationFailed(
                "Xero did not accept this sign-in (it may have been used already). Connect again."
            ) from error

    def refresh(self, refresh_token: str) -> OAuthTokens:
        """Xero rotates the refresh token on every refresh; the caller stores the new pair at once."""
        return self._tokens(lambda client: client.refresh_token(self._token_url, refresh_token=refresh_token))

    def revoke(self, token: str) -> None:
        """Revoking the refresh token ends the grant and removes its connections (providers.md 2.1)."""
        try:
            reply = httpx.post(self._revoke_url, data={"token": token, "client_id": self._client_id}, timeout=TIMEOUT)
        except httpx.HTTPError as error:
            raise Transient("Xero could not be reached to revoke the connection.") from error
        if reply.status_code >= 400:
            raise Transient(f"Xero answered {reply.status_code} when revoking the connection.")

    def chosen_company(self, access_token: str) -> str:
        """The one organisation this consent connected (the redirect does not say which)."""
        event = _claims(access_token).get("authentication_event_id")
        made = self._connections(access_token, {"authEventId": str(event)} if event else None)
        organisations = [c for c in made if c.get("tenantType", "ORGANISATION") == "ORGANISATION"]
        if not organisations:
            raise ValidationFailed(NO_ORGANISATION)
        if len(organisations) > 1:
            raise ValidationFailed(SEVERAL_ORGANISATIONS)
        return str(organisations[0]["tenantId"])

    def company_name(self, company_id: str, access_token: str) -> str:
        """Proves the grant covers `company_id`: only a connection of this token names it."""
        for connection in self._connections(access_token, None):
            if str(connection.get("tenantId", "")).lower() == company_id.lower():
                return str(connection.get("tenantName") or "")
        raise ValidationFailed(WRONG_COMPANY)

    # ---- internals
    def _connections(self, access_token: str, params: dict[str, str] | None) -> list[dict[str, Any]]:
        try:
            reply = httpx.get(
                self._connections_url,
                params=params,
                headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
                timeout=TIMEOUT,
            )
        except httpx.HTTPError as error:
            raise Transient("Xero could not be reached to read the organisation chosen.") from error
        if reply.status_code in (401, 403):
            raise ValidationFailed(WRONG_COMPANY)
        if reply.status_code >= 300:
            raise Transient(f"Xero answered {reply.status_code} when reading the organisation chosen.")
        try:
            listing = reply.json()
        except ValueError as error:
            raise Transient("Xero sent a connections reply we could not read.") from error
        return [c for c in listing if isinstance(c, dict)] if isinstance(listing, list) else []

    def _client(self) -> OAuth2Client:
        return OAuth2Client(
            client_id=self._client_id,
            client_secret=None,
            token_endpoint_auth_method="none",  # a PKCE app: the client id goes in the form, no secret
            code_challenge_method="S256",
            redirect_uri=self.redirect_uri,
            timeout=TIMEOUT,
        )

    def _tokens(self, call: Any) -> OAuthTokens:
        with self._client() as client:
            try:
                token = call(client)
            except OAuthError as error:
                if error.error == "invalid_grant":
                    raise AuthExpired("Authentication expired — reconnect") from error
                logger.warning("Xero refused a token request", extra={"error": str(error.error)[:100]})
                raise Transient("Xero refused the token request; try again in a minute.") from error
            except (httpx.HTTPError, ValueError) as error:
                raise Transient("Xero could not be reached for a token; retrying later.") from error
        issued = datetime.now(UTC)
        return OAuthTokens(
            access_token=token["access_token"],
            refresh_token=token["refresh_token"],
            expires_at=issued + timedelta(seconds=int(token["expires_in"])),
            refresh_expires_at=issued + REFRESH_TOKEN_LIFETIME,
        )


def _claims(access_token: str) -> dict[str, Any]:
    """The token's claims, unverified: it came straight from Xero's token endpoint over TLS, and the
    connections call that follows is what proves it; an unreadable one simply lists every connection."""
    try:
        return dict(jwt.decode(access_token, options={"verify_signature": False}))
    except jwt.PyJWTError:
        return {}
