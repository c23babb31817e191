"""A stand-in accounting provider for the provider-independent pipeline tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from fieldbooks.domain.errors import FieldbooksError
from fieldbooks.domain.models import Connection, ConnectionStatus, Provider, Run
from fieldbooks.saas.events import SaasChangeEvent
from fieldbooks.services import Services
from fieldbooks.store.connections import ConnectionStore


@dataclass
class FakeProvider:
    pushed: list[tuple[str, str, int]] = field(default_factory=list)
    pulled: list[str] = field(default_factory=list)
    failures: dict[str, FieldbooksError] = field(default_factory=dict)  # record id or run id -> error

    def push_change(self, connection: Connection, change: SaasChangeEvent, services: Services) -> None:
        if error := self.failures.get(change.record_id):
            raise error
        self.pushed.append((change.tenant_id, change.record_id, change.record_version))

    def pull_changes(self, connection: Connection, run: Run, services: Services) -> None:
        if error := self.failures.get(run.run_id):
            raise error
        services.runs.set_total(run.tenant_id, run.run_id, "customers", 1)
        services.runs.count(run.tenant_id, run.run_id, "customers")
        self.pulled.append(run.run_id)


def connect(tenant_id: str, provider: Provider = Provider.QUICKBOOKS_ONLINE, **fields: object) -> Connection:
    values = {
        "tenant_id": tenant_id,
        "provider": provider,
        "status": ConnectionStatus.CONNECTED,
        "remote_company_id": f"realm-{tenant_id}",
        "company_name": f"{tenant_id} Plumbing LLC",
        "connected_by": "u-1",
        "connected_at": datetime(2026, 11, 1, tzinfo=UTC),
    } | fields
    return ConnectionStore().save(Connection.model_validate(values))
