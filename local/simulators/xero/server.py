"""`running_simulator`: the Xero simulator on 127.0.0.1 at a free port, in a background thread.

Tests and the local stack use it; `SimulatorHandle.admin` wraps the `/_sim/` endpoints.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any

from local.simulators.serving import AdminHttp, serving
from local.simulators.xero.app import API, build_app
from local.simulators.xero.config import SimulatorConfig


class AdminClient(AdminHttp):
    """The `/_sim/` endpoints as methods, for tests and the demo."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url)

    def reset(self, forget_tokens: bool = False) -> None:
        self._post("/_sim/reset", {"forget_tokens": forget_tokens})

    def add_organisation(self, tenant_id: str, name: str, country: str = "GB", timezone: str = "Europe/London") -> None:
        body = {"tenant_id": tenant_id, "name": name, "country": country, "timezone": timezone}
        self._post("/_sim/organisations", body)

    def data(self, tenant_id: str, entity: str | None = None) -> dict[str, list[dict[str, Any]]]:
        return self._get(f"/_sim/organisations/{tenant_id}/data", {"entity": entity} if entity else {})

    def count(self, tenant_id: str, entity: str) -> int:
        return self._get(f"/_sim/organisations/{tenant_id}/count/{entity}")["count"]

    def create_as_user(self, tenant_id: str, entity: str, **fields: Any) -> dict[str, Any]:
        """A record someone adds in Xero itself, e.g. a contact that exists before connecting."""
        return self._post(f"/_sim/organisations/{tenant_id}/create/{entity}", fields)[entity][0]

    def edit_as_user(self, tenant_id: str, entity: str, record_id: str, **fields: Any) -> dict[str, Any]:
        return self._post(f"/_sim/organisations/{tenant_id}/edit/{entity}/{record_id}", fields)[entity][0]

    def add_fault(self, kind: str, **rule: Any) -> None:
        """kind: error (status 500|503), delay (seconds), drop_after_commit, throttle (problem);
        `times`, `tenant_id` and `entity` ("Contacts", "Token", ...) narrow it (faults.FaultRule)."""
        super().add_fault(kind, **rule)

    def faults(self) -> list[dict[str, Any]]:
        return self._get("/_sim/faults")

    def advance_clock(self, seconds: float) -> None:
        self._post("/_sim/clock/advance", {"seconds": seconds})

    def set_consent(self, tenant_ids: list[str] | None = None, deny: bool = False, user_id: str | None = None) -> None:
        self._post("/_sim/consent", {"tenant_ids": tenant_ids, "deny": deny, "user_id": user_id})

    def webhooks(self) -> dict[str, Any]:
        return self._get("/_sim/webhooks")

    def configure_webhooks(self, **settings: Any) -> dict[str, Any]:
        return self._post("/_sim/webhooks", settings)

    def intent_to_receive(self) -> str:
        return self._post("/_sim/webhooks/intent-to-receive", {})["status"]


@dataclass
class SimulatorHandle:
    base_url: str
    admin: AdminClient
    config: SimulatorConfig

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/identity/connect/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/connect/token"

    @property
    def revoke_url(self) -> str:
        return f"{self.base_url}/connect/revocation"

    @property
    def identity_url(self) -> str:
        """Where `IdentityApi(base_url=...)` points: `/connections` lives here."""
        return self.base_url

    @property
    def accounting_url(self) -> str:
        """Where `AccountingApi(base_url=...)` points."""
        return f"{self.base_url}{API}"


@contextmanager
def running_simulator(config: SimulatorConfig | None = None, port: int | None = None) -> Iterator[SimulatorHandle]:
    """At `port` when given (a stack whose settings name the URL up front), else at a free one."""
    config = config or SimulatorConfig()
    with (
        serving(build_app(config), "Xero simulator", port, lifespan="on") as base_url,
        closing(AdminClient(base_url)) as admin,
    ):
        yield SimulatorHandle(base_url=base_url, admin=admin, config=config)
