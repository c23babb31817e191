"""Real tokens from the simulator's OAuth endpoints, for testing the API client on its own.

The connection's token source (qbo/tokens.py) keeps its tokens sealed in DynamoDB; this one keeps them
in memory but obtains and refreshes them the same way Intuit issues them (providers.md 1.1).
"""

from __future__ import annotations

import secrets
import threading
from urllib.parse import parse_qs, urlsplit

import httpx

from local.runtime.resources import DEV_QUICKBOOKS_CLIENT_ID, DEV_QUICKBOOKS_CLIENT_SECRET
from local.simulators.quickbooks_online import SimulatorHandle

SCOPE = "com.intuit.quickbooks.accounting"


class SimulatorTokens:
    """Authorises once (authorize redirect → code → token endpoint), then refreshes on request."""

    def __init__(self, simulator: SimulatorHandle, realm_id: str, redirect_uri: str) -> None:
        self._simulator = simulator
        self._auth = (DEV_QUICKBOOKS_CLIENT_ID, DEV_QUICKBOOKS_CLIENT_SECRET)
        self._lock = threading.Lock()
        self.refreshes = 0
        with httpx.Client(follow_redirects=False) as http:
            consent = http.get(
                simulator.authorize_url,
                params={
                    "client_id": DEV_QUICKBOOKS_CLIENT_ID,
                    "response_type": "code",
                    "scope": SCOPE,
                    "redirect_uri": redirect_uri,
                    "state": secrets.token_urlsafe(8),
                    "sim_realm_id": realm_id,
                },
            )
            assert consent.status_code == 302, consent.text
            code = parse_qs(urlsplit(consent.headers["location"]).query)["code"][0]
            self._store(
                http.post(
                    simulator.token_url,
                    auth=self._auth,
                    data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
                )
            )

    def current(self) -> str:
        return self._access_token

    def refreshed(self, rejected: str) -> str:
        with self._lock:
            if rejected == self._access_token:
                with httpx.Client() as http:
                    self._store(
                        http.post(
                            self._simulator.token_url,
                            auth=self._auth,
                            data={"grant_type": "refresh_token", "refresh_token": self._refresh_token},
                        )
                    )
                self.refreshes += 1
            return self._access_token

    def spoil(self) -> None:
        """Replace the access token with one QuickBooks never issued (right length, unknown value)."""
        self._access_token = "x" * len(self._access_token)

    def _store(self, reply: httpx.Response) -> None:
        reply.raise_for_status()
        tokens = reply.json()
        self.issued = tokens  # the token endpoint's last answer, for tests that store it like the connect flow
        self._access_token = tokens["access_token"]
        self._refresh_token = tokens["refresh_token"]
