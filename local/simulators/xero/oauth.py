"""Xero's identity service (providers.md 2.1): authorize with PKCE, token, revocation, connections.

A grant is one user's consent to one app. Its connections (one per organisation picked at consent)
are what `GET /connections` lists and what `xero-tenant-id` is checked against. Refresh tokens
rotate on every refresh; the one just replaced keeps working for `refresh_grace` seconds, so a
client that lost a refresh reply can repeat it (XD:faq/oauth2).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import jwt
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from local.simulators.xero import errors
from local.simulators.xero.clock import Clock
from local.simulators.xero.config import RegisteredApp, SimulatorConfig

ISSUER = "https://identity.xero.com"
KNOWN_SCOPES = {
    "openid",
    "profile",
    "email",
    "offline_access",
    *(f"accounting.{area}{suffix}" for area in ("transactions", "contacts", "settings") for suffix in ("", ".read")),
    *(f"accounting.{area}{suffix}" for area in ("invoices", "payments") for suffix in ("", ".read")),
    "accounting.reports.read",
    "accounting.attachments",
}
# RFC 7636 4.1: 43-128 characters from the unreserved set.
CODE_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
INVALID_GRANT = {"error": "invalid_grant"}
# Signs the simulator's JWTs. Xero signs RS256; clients must treat tokens as opaque anyway.
SIGNING_KEY = "xero-simulator-signing-key-not-a-secret"


@dataclass
class Connection:
    id: str
    tenant_id: str
    auth_event_id: str
    created_at: datetime
    updated_at: datetime


@dataclass
class Grant:
    client_id: str
    user_id: str
    scope: str
    connections: list[Connection]
    refresh_token: str = ""
    refresh_expires_at: datetime | None = None
    previous_refresh_token: str | None = None
    previous_valid_until: datetime | None = None
    revoked: bool = False


@dataclass
class AccessToken:
    grant: Grant
    expires_at: datetime


@dataclass
class AuthorizationCode:
    client_id: str
    redirect_uri: str
    scope: str
    user_id: str
    tenant_ids: list[str]
    code_challenge: str | None
    expires_at: datetime


@dataclass
class Consent:
    """What the consent page answers when the URL does not say (set from the admin API)."""

    tenant_ids: list[str] | None = None
    deny: bool = False
    user_id: str = "sim-user"


@dataclass
class OAuthServer:
    config: SimulatorConfig
    clock: Clock
    tenant_ids: list[str]
    name_of: Callable[[str], str]
    consent: Consent = field(default_factory=Consent)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    grants_by_refresh: dict[str, Grant] = field(default_factory=dict)
    grants: list[Grant] = field(default_factory=list)

    # ---- endpoints ---------------------------------------------------------------------------
    async def authorize(self, request: Request) -> Response:
        """The consent page, answered at once. `sim_tenant_id` (repeatable), `sim_user` and
        `sim_consent=deny` are simulator parameters that play the user's choices."""
        params = request.query_params
        app = self.app(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        if app is None or redirect_uri not in app.redirect_uris:
            # Xero shows an error page rather than redirect to an address the app did not register.
            return PlainTextResponse("unauthorized_client: unknown client or redirect_uri", status_code=400)
        state = params.get("state", "")
        scopes = set(params.get("scope", "").split())
        challenge = params.get("code_challenge")
        if params.get("response_type") != "code":
            return _redirect(redirect_uri, {"error": "unsupported_response_type", "state": state})
        if not scopes or not scopes <= KNOWN_SCOPES:
            return _redirect(redirect_uri, {"error": "invalid_scope", "state": state})
        if challenge is not None and params.get("code_challenge_method") != "S256":
            # XD:documentation/oauth2/pkce-flow: S256 only.
            return _redirect(redirect_uri, {"error": "invalid_request", "state": state})
        if app.client_secret is None and challenge is None:
            return _redirect(redirect_uri, {"error": "invalid_request", "state": state})
        deny = params.get("sim_consent") == "deny" if "sim_consent" in params else self.consent.deny
        if deny:
            return _redirect(redirect_uri, {"error": "access_denied", "state": state})
        chosen = params.getlist("sim_tenant_id") or self.consent.tenant_ids or self.tenant_ids[:1]
        picked = [tenant_id.lower() for tenant_id in chosen]
        if not picked or any(tenant_id not in self.tenant_ids for tenant_id in picked):
            return PlainTextResponse(f"no organisation {picked}", status_code=400)
        code = secrets.token_urlsafe(32)
        self.codes[code] = AuthorizationCode(
            client_id=app.client_id,
            redirect_uri=redirect_uri,
            scope=" ".join(sorted(scopes)),
            user_id=params.get("sim_user") or self.consent.user_id,
            tenant_ids=list(dict.fromkeys(picked)),
            code_challenge=challenge,
            expires_at=self.clock.now() + timedelta(seconds=self.config.authorization_code_ttl),
        )
        return _redirect(redirect_uri, {"code": code, "scope": " ".join(sorted(scopes)), "state": state})

    async def token(self, request: Request) -> JSONResponse:
        form = dict(parse_qsl((await request.body()).decode()))
        app = self._client(request, form)
        if app is None:
            return JSONResponse({"error": "invalid_client"}, status_code=400)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange_code(app, form)
        if grant_type == "refresh_token":
            return self._refresh(app, form.get("refresh_token", ""))
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)

    async def revoke(self, request: Request) -> Response:
        """Revoking a refresh token ends the grant: its tokens die and its connections go."""
        form = dict(parse_qsl((await request.body()).decode()))
        app = self._client(request, form)
        if app is None:
            return JSONResponse({"error": "invalid_client"}, status_code=400)
        grant = self.grants_by_refresh.get(form.get("token", ""))
        if grant is not None and grant.client_id == app.client_id:
            for sibling in self._user_grants(grant.client_id, grant.user_id):
                sibling.revoked = True
                sibling.connections.clear()
        return Response(status_code=200)

    async def connections(self, request: Request) -> Response:
        grant = self.bearer_grant(request)
        if isinstance(grant, Response):
            return grant
        wanted = request.query_params.get("authEventId")
        listing = [
            self._render_connection(connection)
            for connection in self.user_connections(grant)
            if wanted in (None, connection.auth_event_id)
        ]
        return JSONResponse(listing)

    async def delete_connection(self, request: Request) -> Response:
        grant = self.bearer_grant(request)
        if isinstance(grant, Response):
            return grant
        connection_id = request.path_params["connection_id"]
        for sibling in self._user_grants(grant.client_id, grant.user_id):
            for connection in sibling.connections:
                if connection.id == connection_id:
                    sibling.connections.remove(connection)
                    return Response(status_code=204)
        return PlainTextResponse("", status_code=404)

    # ---- used by the API ---------------------------------------------------------------------
    def bearer_grant(self, request: Request) -> Grant | Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        access = self.access_tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if access is None or access.grant.revoked:
            return errors.unauthenticated()
        if access.expires_at <= self.clock.now():
            return errors.token_expired(access.expires_at)
        return access.grant

    def user_connections(self, grant: Grant) -> list[Connection]:
        """Connections belong to the user and app, whichever consent created them."""
        return [c for g in self._user_grants(grant.client_id, grant.user_id) for c in g.connections]

    def forget_tokens(self) -> None:
        self.codes.clear()
        self.access_tokens.clear()
        self.grants_by_refresh.clear()
        self.grants.clear()

    def app(self, client_id: str) -> RegisteredApp | None:
        return next((app for app in self.config.apps if app.client_id == client_id), None)

    # ---- internals ---------------------------------------------------------------------------
    def _exchange_code(self, app: RegisteredApp, form: dict[str, str]) -> JSONResponse:
        issued = self.codes.pop(form.get("code", ""), None)
        if (
            issued is None
            or issued.client_id != app.client_id
            or issued.redirect_uri != form.get("redirect_uri")
            or issued.expires_at <= self.clock.now()
            or not _verifier_matches(issued.code_challenge, form.get("code_verifier"))
        ):
            return JSONResponse(INVALID_GRANT, status_code=400)
        now = self.clock.now()
        auth_event_id = str(uuid.uuid4())
        grant = Grant(client_id=app.client_id, user_id=issued.user_id, scope=issued.scope, connections=[])
        existing = {c.tenant_id: c for c in self._all_user_connections(app.client_id, issued.user_id)}
        for tenant_id in issued.tenant_ids:
            if tenant_id in existing:  # consenting again refreshes the connection, it does not add one
                existing[tenant_id].auth_event_id, existing[tenant_id].updated_at = auth_event_id, now
                continue
            grant.connections.append(Connection(str(uuid.uuid4()), tenant_id, auth_event_id, now, now))
        self.grants.append(grant)
        return self._issue(grant, auth_event_id, with_id_token="openid" in issued.scope.split())

    def _refresh(self, app: RegisteredApp, refresh_token: str) -> JSONResponse:
        grant = self.grants_by_refresh.get(refresh_token)
        now = self.clock.now()
        if grant is None or grant.revoked or grant.client_id != app.client_id:
            return JSONResponse(INVALID_GRANT, status_code=400)
        current = refresh_token == grant.refresh_token and grant.refresh_expires_at and grant.refresh_expires_at > now
        in_grace = (
            refresh_token == grant.previous_refresh_token
            and grant.previous_valid_until is not None
            and grant.previous_valid_until > now
        )
        if not current and not in_grace:
            return JSONResponse(INVALID_GRANT, status_code=400)
        if current:
            grant.previous_refresh_token = refresh_token
            grant.previous_valid_until = now + timedelta(seconds=self.config.refresh_grace)
        else:  # the reply to the last refresh was lost: its token is dropped, the grace one goes on
            self.grants_by_refresh.pop(grant.refresh_token, None)
        auth_event_id = grant.connections[0].auth_event_id if grant.connections else str(uuid.uuid4())
        return self._issue(grant, auth_event_id, with_id_token=False)

    def _issue(self, grant: Grant, auth_event_id: str, with_id_token: bool) -> JSONResponse:
        now = self.clock.now()
        expires_at = now + timedelta(seconds=self.config.access_token_ttl)
        claims = {
            "nbf": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
            "iss": ISSUER,
            "aud": f"{ISSUER}/resources",
            "client_id": grant.client_id,
            "sub": grant.user_id,
            "auth_time": int(now.timestamp()),
            "xero_userid": grant.user_id,
            "global_session_id": uuid.uuid4().hex,
            "jti": uuid.uuid4().hex,
            "authentication_event_id": auth_event_id,
            "scope": grant.scope.split(),
        }
        access_token = jwt.encode(claims, SIGNING_KEY, algorithm="HS256")
        self.access_tokens[access_token] = AccessToken(grant=grant, expires_at=expires_at)
        body: dict[str, object] = {
            "access_token": access_token,
            "expires_in": int(self.config.access_token_ttl),
            "token_type": "Bearer",
            "scope": grant.scope,
        }
        if "offline_access" in grant.scope.split():  # no refresh token without it (providers.md 2.1)
            grant.refresh_token = secrets.token_hex(32)
            grant.refresh_expires_at = now + timedelta(seconds=self.config.refresh_token_ttl)
            self.grants_by_refresh[grant.refresh_token] = grant
            body["refresh_token"] = grant.refresh_token
        if with_id_token:
            id_claims = {"iss": ISSUER, "aud": grant.client_id, "sub": grant.user_id, "exp": claims["exp"]}
            body["id_token"] = jwt.encode(id_claims, SIGNING_KEY, algorithm="HS256")
        return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _client(self, request: Request, form: dict[str, str]) -> RegisteredApp | None:
        """HTTP Basic or form credentials (xero-python sends the form); a PKCE app sends only its id."""
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret")
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                client_id, _, client_secret = base64.b64decode(encoded).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None
        app = self.app(client_id)
        if app is None:
            return None
        if app.client_secret is None:
            return app
        if client_secret is None or not secrets.compare_digest(app.client_secret, client_secret):
            return None
        return app

    def _user_grants(self, client_id: str, user_id: str) -> list[Grant]:
        return [g for g in self.grants if g.client_id == client_id and g.user_id == user_id and not g.revoked]

    def _all_user_connections(self, client_id: str, user_id: str) -> list[Connection]:
        return [c for g in self._user_grants(client_id, user_id) for c in g.connections]

    def _render_connection(self, connection: Connection) -> dict[str, str]:
        return {
            "id": connection.id,
            "authEventId": connection.auth_event_id,
            "tenantId": connection.tenant_id,
            "tenantType": "ORGANISATION",
            "tenantName": self.name_of(connection.tenant_id),
            "createdDateUtc": connection.created_at.strftime("%Y-%m-%dT%H:%M:%S.%f0"),
            "updatedDateUtc": connection.updated_at.strftime("%Y-%m-%dT%H:%M:%S.%f0"),
        }


def _verifier_matches(challenge: str | None, verifier: str | None) -> bool:
    """S256: BASE64URL(SHA256(verifier)) without padding equals the challenge (RFC 7636 4.6)."""
    if challenge is None:
        return verifier is None
    if verifier is None or not CODE_VERIFIER.match(verifier):
        return False
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return secrets.compare_digest(digest, challenge)


def _redirect(redirect_uri: str, params: dict[str, str]) -> RedirectResponse:
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{separator}{urlencode(params)}", status_code=302)
