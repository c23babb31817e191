"""Connecting Xero through the real handlers: tenant API authorize → the simulator's consent (with an
organisation pick) → the callback handler; and tokens straight from the simulator for client tests."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from urllib.parse import parse_qs, urlsplit

import httpx

from fieldbooks.domain.models import Connection, Provider
from fieldbooks.store.connections import ConnectionStore
from local.runtime.resources import DEV_XERO_CLIENT_ID
from local.simulators.xero import SimulatorHandle
from tests.support.oauth_flow import Reply, authorize, callback, consent

XERO = Provider.XERO
SCOPES = "openid offline_access accounting.transactions accounting.contacts accounting.settings"


def start(tenant_id: str, role: str = "admin") -> Reply:
    return authorize(tenant_id, role=role, provider=XERO.value)


def finish(params: dict[str, str], **options: object) -> Reply:
    return callback(params, provider=XERO.value, **options)  # type: ignore[arg-type]


def connect_xero(tenant_id: str, organisation: str, user: str = "sim-user") -> Connection:
    """The whole flow, picking `organisation` at consent, for tests that need a connected tenant."""
    started = start(tenant_id)
    assert started.status == 200, started.body
    finished = finish(consent(started.body["authorize_url"], sim_tenant_id=organisation, sim_user=user))
    assert finished.status == 200, finished.body
    return ConnectionStore().get(tenant_id, XERO)


class SimulatorTokens:
    """A PKCE grant for one organisation, kept in memory; refreshed (rotating) on request."""

    def __init__(self, simulator: SimulatorHandle, organisation: str, redirect_uri: str) -> None:
        self._simulator = simulator
        self._lock = threading.Lock()
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        with httpx.Client(follow_redirects=False) as http:
            consent_reply = http.get(
                simulator.authorize_url,
                params={
                    "client_id": DEV_XERO_CLIENT_ID,
                    "response_type": "code",
                    "scope": SCOPES,
                    "redirect_uri": redirect_uri,
                    "state": secrets.token_urlsafe(8),
                    "code_challenge": challenge,
                    "code_challenge_method": "S256",
                    "sim_tenant_id": organisation,
                },
            )
            assert consent_reply.status_code in (302, 303, 307), consent_reply.text
            code = parse_qs(urlsplit(consent_reply.headers["location"]).query)["code"][0]
            self._store(
                http.post(
                    simulator.token_url,
                    data={
                        "grant_type": "authorization_code",
                        "code": code,
                        "redirect_uri": redirect_uri,
                        "client_id": DEV_XERO_CLIENT_ID,
                        "code_verifier": verifier,
                    },
                )
            )

    def current(self) -> str:
        return self._access_token

    def refreshed(self, rejected: str) -> str:
        with self._lock:
            if rejected == self._access_token:
                self._store(
                    httpx.post(
                        self._simulator.token_url,
                        data={
                            "grant_type": "refresh_token",
                            "refresh_token": self._refresh_token,
                            "client_id": DEV_XERO_CLIENT_ID,
                        },
                    )
                )
            return self._access_token

    def _store(self, reply: httpx.Response) -> None:
        reply.raise_for_status()
        tokens = reply.json()
        self._access_token = tokens["access_token"]
        self._refresh_token = tokens["refresh_token"]
