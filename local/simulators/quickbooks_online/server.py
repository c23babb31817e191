"""`running_simulator`: the simulator on 127.0.0.1 at a free port, in a background thread.

Tests and the local stack use it; `SimulatorHandle.admin` wraps the `/_sim/` endpoints.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any

from local.simulators.quickbooks_online.app import build_app
from local.simulators.quickbooks_online.config import SimulatorConfig
from local.simulators.serving import AdminHttp, serving


class AdminClient(AdminHttp):
    """The `/_sim/` endpoints as methods, for tests and the demo."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url)

    def reset(self, forget_tokens: bool = False) -> None:
        self._post("/_sim/reset", {"forget_tokens": forget_tokens})

    def add_company(self, realm_id: str, name: str, country: str = "US") -> None:
        self._post("/_sim/realms", {"realm_id": realm_id, "name": name, "country": country})

    def data(self, realm_id: str, entity: str | None = None) -> dict[str, list[dict[str, Any]]]:
        params = {"entity": entity} if entity else {}
        return self._get(f"/_sim/realms/{realm_id}/data", params)

    def count(self, realm_id: str, entity: str) -> int:
        return self._get(f"/_sim/realms/{realm_id}/count/{entity}")["count"]

    def create_as_user(self, realm_id: str, entity: str, **fields: Any) -> dict[str, Any]:
        """A record someone adds in QuickBooks itself, e.g. a customer that exists before connecting."""
        return self._post(f"/_sim/realms/{realm_id}/create/{entity}", fields)[entity]

    def edit_as_user(self, realm_id: str, entity: str, record_id: str, **fields: Any) -> dict[str, Any]:
        return self._post(f"/_sim/realms/{realm_id}/edit/{entity}/{record_id}", fields)[entity]

    def void_as_user(self, realm_id: str, entity: str, record_id: str) -> dict[str, Any]:
        """A bookkeeper voids a transaction in QuickBooks (a payment that bounced, an invoice sent in error)."""
        return self._post(f"/_sim/realms/{realm_id}/void/{entity}/{record_id}", {})[entity]

    def delete_as_user(self, realm_id: str, entity: str, record_id: str) -> dict[str, Any]:
        """A bookkeeper deletes a transaction in QuickBooks; reads answer 610 and CDC reports a tombstone."""
        return self._post(f"/_sim/realms/{realm_id}/delete/{entity}/{record_id}", {})[entity]

    def add_fault(self, kind: str, **rule: Any) -> None:
        """kind: error (status 500|503), delay (seconds), drop_after_commit, throttle; `times`,
        `realm_id` and `entity` narrow it (see faults.FaultRule); `entity="OAuth"` is the token endpoint."""
        super().add_fault(kind, **rule)

    def faults(self) -> list[dict[str, Any]]:
        """Rules not used up yet."""
        return self._get("/_sim/faults")

    def advance_clock(self, seconds: float) -> None:
        self._post("/_sim/clock/advance", {"seconds": seconds})

    def set_consent(self, realm_id: str | None = None, deny: bool = False) -> None:
        self._post("/_sim/consent", {"realm_id": realm_id, "deny": deny})

    def webhooks(self) -> dict[str, Any]:
        return self._get("/_sim/webhooks")

    def configure_webhooks(self, **settings: Any) -> None:
        self._post("/_sim/webhooks", settings)


@dataclass
class SimulatorHandle:
    base_url: str
    admin: AdminClient
    config: SimulatorConfig

    @property
    def discovery_url(self) -> str:
        return f"{self.base_url}/.well-known/openid_configuration"

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/connect/oauth2"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/oauth2/v1/tokens/bearer"

    @property
    def revoke_url(self) -> str:
        return f"{self.base_url}/v2/oauth2/tokens/revoke"

    def company_url(self, realm_id: str) -> str:
        return f"{self.base_url}/v3/company/{realm_id}"


@contextmanager
def running_simulator(config: SimulatorConfig | None = None, port: int | None = None) -> Iterator[SimulatorHandle]:
    """At `port` when given (a stack whose settings name the URL up front), else at a free one."""
    config = config or SimulatorConfig()
    with (
        serving(build_app(config), "QuickBooks Online simulator", port, lifespan="on") as base_url,
        closing(AdminClient(base_url)) as admin,
    ):
        yield SimulatorHandle(base_url=base_url, admin=admin, config=config)
