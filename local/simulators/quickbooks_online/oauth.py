"""Intuit's OAuth 2.0 as providers.md 1.1 describes it: authorize, token, revoke and discovery.

Refresh tokens rotate on every refresh and the superseded one dies at once, the strictest reading of
the unconfirmed grace period, so clients that keep an old token fail here before they fail at Intuit.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from local.simulators.quickbooks_online import errors
from local.simulators.quickbooks_online.clock import Clock
from local.simulators.quickbooks_online.config import RegisteredApp, SimulatorConfig

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
KNOWN_SCOPES = {
    ACCOUNTING_SCOPE,
    "com.intuit.quickbooks.payment",
    "openid",
    "profile",
    "email",
    "phone",
    "address",
    "intuit_name",
}
# Intuit: access tokens may be up to 4096 characters, so clients must store them without a tighter
# limit (IQ:develop/authentication-and-authorization/faq). The lower bound is the simulator's own.
MAX_ACCESS_TOKEN_LENGTH = 4096
MIN_ACCESS_TOKEN_LENGTH = 32
INVALID_REFRESH = {"error_description": "Incorrect or invalid refresh token", "error": "invalid_grant"}
ISSUER = "https://oauth.platform.intuit.com/op/v1"


@dataclass
class Grant:
    """One app's connection to one company; its refresh tokens form a chain, newest only valid."""

    client_id: str
    realm_id: str
    scope: str
    refresh_token: str
    refresh_expires_at: datetime
    revoked: bool = False


@dataclass
class AccessToken:
    grant: Grant
    expires_at: datetime


@dataclass
class AuthorizationCode:
    client_id: str
    redirect_uri: str
    realm_id: str
    scope: str
    expires_at: datetime


@dataclass
class Consent:
    """What the auto-consent page answers when the request does not say (set from the admin API)."""

    realm_id: str | None = None
    deny: bool = False


@dataclass
class OAuthServer:
    config: SimulatorConfig
    clock: Clock
    realm_ids: list[str]
    consent: Consent = field(default_factory=Consent)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    grants_by_refresh: dict[str, Grant] = field(default_factory=dict)

    # ---- endpoints ---------------------------------------------------------------------------
    async def discovery(self, request: Request) -> JSONResponse:
        """Intuit's discovery document, endpoints rewritten to this host (providers.md 1.1)."""
        base = str(request.base_url).rstrip("/")
        return JSONResponse(
            {
                "issuer": ISSUER,
                "authorization_endpoint": f"{base}/connect/oauth2",
                "token_endpoint": f"{base}/oauth2/v1/tokens/bearer",
                "userinfo_endpoint": f"{base}/v1/openid_connect/userinfo",
                "revocation_endpoint": f"{base}/v2/oauth2/tokens/revoke",
                "jwks_uri": f"{base}/op/v1/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile", "address", "phone"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
                "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
            }
        )

    async def authorize(self, request: Request) -> Response:
        """Auto-consent. `sim_realm_id` / `sim_consent=deny` (not Intuit parameters) steer one call."""
        params = request.query_params
        app = self._app(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        if app is None or redirect_uri not in app.redirect_uris:
            # Intuit shows an error page instead of redirecting to an unregistered address.
            return PlainTextResponse("invalid_client or redirect_uri not registered for this app", status_code=400)
        state = params.get("state", "")
        scopes = set(params.get("scope", "").split())
        if params.get("response_type") != "code":
            return self._redirect(redirect_uri, {"error": "unsupported_response_type", "state": state})
        if not scopes or not scopes <= KNOWN_SCOPES:
            return self._redirect(redirect_uri, {"error": "invalid_scope", "state": state})
        deny = params.get("sim_consent") == "deny" if "sim_consent" in params else self.consent.deny
        if deny:
            return self._redirect(redirect_uri, {"error": "access_denied", "state": state})
        realm_id = params.get("sim_realm_id") or self.consent.realm_id or self.realm_ids[0]
        if realm_id not in self.realm_ids:
            return PlainTextResponse(f"no company {realm_id}", status_code=400)
        code = secrets.token_urlsafe(32)
        self.codes[code] = AuthorizationCode(
            client_id=app.client_id,
            redirect_uri=redirect_uri,
            realm_id=realm_id,
            scope=" ".join(sorted(scopes)),
            expires_at=self.clock.now() + timedelta(seconds=self.config.authorization_code_ttl),
        )
        return self._redirect(redirect_uri, {"code": code, "state": state, "realmId": realm_id})

    async def token(self, request: Request) -> JSONResponse:
        app = self._basic_auth(request)
        if app is None:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        # The body is always x-www-form-urlencoded; parse_qsl avoids needing python-multipart.
        form = dict(parse_qsl((await request.body()).decode()))
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange_code(app, str(form.get("code", "")), str(form.get("redirect_uri", "")))
        if grant_type == "refresh_token":
            return self._refresh(app, str(form.get("refresh_token", "")))
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)

    async def revoke(self, request: Request) -> Response:
        """Revoking either token of a connection disconnects it: both stop working."""
        app = self._basic_auth(request)
        if app is None:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        try:
            token = json.loads(await request.body() or b"{}").get("token", "")
        except (ValueError, AttributeError):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        grant = self.grants_by_refresh.get(token)
        if grant is None and token in self.access_tokens:
            grant = self.access_tokens[token].grant
        if grant is not None and grant.client_id == app.client_id:
            grant.revoked = True
        return Response(status_code=200)

    # ---- API authentication ------------------------------------------------------------------
    def authenticate(self, request: Request, realm_id: str) -> Grant | Response:
        """The grant the bearer token belongs to when it may act on this company; else Intuit's 401
        (3200) or 403 (3100)."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return errors.authentication_failed("Authorization header missing or not a Bearer token")
        token = token.strip()
        if not MIN_ACCESS_TOKEN_LENGTH <= len(token) <= MAX_ACCESS_TOKEN_LENGTH:
            return errors.authentication_failed("Malformed bearer token: too short or too long")
        access = self.access_tokens.get(token)
        if access is None or access.grant.revoked:
            return errors.authentication_failed("Token invalid or revoked")
        if access.expires_at <= self.clock.now():
            return errors.authentication_failed("Token expired")
        if access.grant.realm_id != realm_id:
            raise errors.authorization_failed()
        return access.grant

    def forget_tokens(self) -> None:
        self.codes.clear()
        self.access_tokens.clear()
        self.grants_by_refresh.clear()

    # ---- internals ---------------------------------------------------------------------------
    def _exchange_code(self, app: RegisteredApp, code: str, redirect_uri: str) -> JSONResponse:
        """Each code works once, for the app and redirect_uri it was issued to (providers.md 1.1)."""
        issued = self.codes.pop(code, None)
        if (
            issued is None
            or issued.client_id != app.client_id
            or issued.redirect_uri != redirect_uri
            or issued.expires_at <= self.clock.now()
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        grant = Grant(
            client_id=app.client_id,
            realm_id=issued.realm_id,
            scope=issued.scope,
            refresh_token="",
            refresh_expires_at=self.clock.now(),
        )
        return self._issue(grant)

    def _refresh(self, app: RegisteredApp, refresh_token: str) -> JSONResponse:
        grant = self.grants_by_refresh.get(refresh_token)
        if (
            grant is None
            or grant.revoked
            or grant.client_id != app.client_id
            or grant.refresh_token != refresh_token
            or grant.refresh_expires_at <= self.clock.now()
        ):
            return JSONResponse(INVALID_REFRESH, status_code=400)
        return self._issue(grant)

    def _issue(self, grant: Grant) -> JSONResponse:
        """New access token and a rotated refresh token; the rolling refresh lifetime restarts."""
        now = self.clock.now()
        length = self.config.access_token_length
        access_token = secrets.token_urlsafe(length)[:length]
        grant.refresh_token = "RT1-" + secrets.token_urlsafe(36)
        grant.refresh_expires_at = now + timedelta(seconds=self.config.refresh_token_ttl)
        self.grants_by_refresh[grant.refresh_token] = grant
        self.access_tokens[access_token] = AccessToken(
            grant=grant, expires_at=now + timedelta(seconds=self.config.access_token_ttl)
        )
        return JSONResponse(
            {
                "token_type": "bearer",
                "access_token": access_token,
                "refresh_token": grant.refresh_token,
                "expires_in": int(self.config.access_token_ttl),
                "x_refresh_token_expires_in": int(self.config.refresh_token_ttl),
            },
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    def _app(self, client_id: str) -> RegisteredApp | None:
        return next((app for app in self.config.apps if app.client_id == client_id), None)

    def _basic_auth(self, request: Request) -> RegisteredApp | None:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            client_id, _, client_secret = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        app = self._app(client_id)
        if app is None or not secrets.compare_digest(app.client_secret, client_secret):
            return None
        return app

    @staticmethod
    def _redirect(redirect_uri: str, params: dict[str, str]) -> RedirectResponse:
        separator = "&" if "?" in redirect_uri else "?"
        return RedirectResponse(f"{redirect_uri}{separator}{urlencode(params)}", status_code=302)
