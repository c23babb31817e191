"""Intuit's OAuth 2.0 through Authlib: discovery, authorize URL, code exchange, refresh, revoke.

Endpoints come from Intuit's discovery document, never hard-coded (providers.md 1.1). Token calls
are form POSTs with HTTP Basic client authentication, which is Authlib's default for a client with a
secret. Every failure leaves here as a `fieldbooks.domain.errors` type: `invalid_grant` is
AuthExpired (the refresh token is dead: the tenant must reconnect), anything transport-shaped is
Transient.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import quote

import httpx
from authlib.integrations.httpx_client import OAuth2Client, OAuthError

from fieldbooks.domain.credentials import OAuthTokens
from fieldbooks.domain.errors import AuthExpired, Transient, ValidationFailed
from fieldbooks.observability import logger

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
# Realm ids are decimal digits (the company id in every path, providers.md 1.1); 32 is generous.
REALM_ID = re.compile(r"[0-9]{1,32}")
WRONG_COMPANY = (
    "QuickBooks did not confirm the company this sign-in names, so nothing was connected. "
    "Start again from the Integrations page and choose the company when QuickBooks asks."
)
MINOR_VERSION = "75"  # minimum and default since 2025-08-01 (providers.md 1.8)
TIMEOUT = httpx.Timeout(10.0, connect=5.0)  # well inside the 30 s function timeout


class IntuitOAuth:
    def __init__(
        self, discovery_url: str, client_id: str, client_secret: str, redirect_uri: str, api_base_url: str
    ) -> None:
        self._discovery_url = discovery_url
        self._client_id = client_id
        self._client_secret = client_secret
        self.redirect_uri = redirect_uri
        self._api_base_url = api_base_url.rstrip("/")

    def authorize_url(self, state: str, code_verifier: str | None = None) -> str:
        with self._client() as client:
            url, _ = client.create_authorization_url(
                self._endpoint("authorization_endpoint"), state=state, scope=ACCOUNTING_SCOPE
            )
        return str(url)

    def exchange_code(self, code: str, code_verifier: str | None = None) -> OAuthTokens:
        """Each code works once (providers.md 1.1): a replayed or stale one is the caller's 400, not a retry."""
        try:
            return self._tokens(lambda client: client.fetch_token(self._endpoint("token_endpoint"), code=code))
        except AuthExpired as error:
            raise ValidationFailed(
                "QuickBooks did not accept this sign-in (it may have been used already). Connect again."
            ) from error

    def refresh(self, refresh_token: str) -> OAuthTokens:
        """Intuit may rotate the refresh token on any refresh; the caller must store the new pair at once."""
        return self._tokens(
            lambda client: client.refresh_token(self._endpoint("token_endpoint"), refresh_token=refresh_token)
        )

    def revoke(self, token: str) -> None:
        """Intuit's revoke takes a JSON body (providers.md 1.1), but Authlib's `revoke_token` always
        form-encodes, so the call is made on Authlib's client with its Basic client authentication."""
        with self._client() as client:
            try:
                reply = client.post(
                    self._endpoint("revocation_endpoint"),
                    json={"token": token},
                    auth=client.client_auth("client_secret_basic"),  # explicit auth: no bearer token needed
                )
            except httpx.HTTPError as error:
                raise Transient("QuickBooks could not be reached to revoke the connection.") from error
        if reply.status_code >= 400:
            raise Transient(f"QuickBooks answered {reply.status_code} when revoking the connection.")

    def company_name(self, realm_id: str, access_token: str) -> str:
        """The one API read the connect flow needs; the sync's QuickBooks client does everything else.

        It also proves the grant is for `realm_id`: the realm arrives in the redirect's query string,
        which anyone can edit, and Intuit answers AuthorizationFailed (3100, HTTP 403) to a token used on
        a company it was not issued for (providers.md 1.5). A realm that is not one cannot reach a path.
        """
        if not REALM_ID.fullmatch(realm_id):
            raise ValidationFailed(WRONG_COMPANY)
        realm = quote(realm_id, safe="")
        url = f"{self._api_base_url}/v3/company/{realm}/companyinfo/{realm}"
        with self._client(token={"access_token": access_token, "token_type": "bearer"}) as client:
            try:
                reply = client.get(url, params={"minorversion": MINOR_VERSION}, headers={"Accept": "application/json"})
            except httpx.HTTPError as error:
                raise Transient("QuickBooks could not be reached to read the company name.") from error
        if reply.status_code in (401, 403):
            raise ValidationFailed(WRONG_COMPANY)
        if reply.status_code >= 300:
            raise Transient(f"QuickBooks answered {reply.status_code} when reading the company name.")
        try:
            return str(reply.json()["CompanyInfo"]["CompanyName"])
        except (ValueError, KeyError, TypeError) as error:
            raise Transient("QuickBooks sent a company reply we could not read.") from error

    # ---- internals
    def _client(self, token: dict[str, Any] | None = None) -> OAuth2Client:
        return OAuth2Client(
            client_id=self._client_id,
            client_secret=self._client_secret,
            # No client-wide scope: Authlib would add it to refreshes, where Intuit documents none.
            redirect_uri=self.redirect_uri,
            token=token,
            timeout=TIMEOUT,
        )

    def _endpoint(self, name: str) -> str:
        return discovery_document(self._discovery_url)[name]

    def _tokens(self, call: Any) -> OAuthTokens:
        with self._client() as client:
            try:
                token = call(client)
            except OAuthError as error:
                if error.error == "invalid_grant":
                    raise AuthExpired("Authentication expired — reconnect") from error
                # Intuit's error text stays in our logs; the message is ours (it may reach a page).
                logger.warning("Intuit refused a token request", extra={"error": str(error.error)[:100]})
                raise Transient("QuickBooks refused the token request; try again in a minute.") from error
            except (httpx.HTTPError, ValueError) as error:  # ValueError: a reply that is not JSON
                raise Transient("QuickBooks could not be reached for a token; retrying later.") from error
        issued = datetime.now(UTC)
        refresh_lifetime = token.get("x_refresh_token_expires_in")
        return OAuthTokens(
            access_token=token["access_token"],
            refresh_token=token["refresh_token"],
            expires_at=issued + timedelta(seconds=int(token["expires_in"])),
            refresh_expires_at=issued + timedelta(seconds=int(refresh_lifetime)) if refresh_lifetime else None,
        )


@cache
def discovery_document(url: str) -> dict[str, str]:
    """Read once per cold start: Intuit changes these endpoints rarely and announces it."""
    try:
        reply = httpx.get(url, timeout=TIMEOUT)
        reply.raise_for_status()
        return dict(reply.json())
    except (httpx.HTTPError, ValueError) as error:
        raise Transient("Intuit's sign-in service could not be reached; try again in a minute.") from error
