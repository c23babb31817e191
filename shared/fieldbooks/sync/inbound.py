"""What a pull brings in: the shared context and the shape of the per-entity steps.

The pull driver (webhook, scheduled and Sync now runs) hands each changed accounting record to the
step for its SaaS entity. A step decides on its own record: skip an echo of our own write, merge it
into the SaaS record, create it there, or raise a pending action a person decides. It says what it did
with a `Taken`, so the run's progress counts the same way for every step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from fieldbooks.domain.models import Connection
from fieldbooks.providers.contract import Descriptor, Mapper, Operations, Reader, RemoteRecord
from fieldbooks.services import Services


class Taken(StrEnum):
    APPLIED = "applied"  # the SaaS (or both sides, after a merge) changed
    UNCHANGED = "unchanged"  # already in step: an echo of our own write, or a repeat delivery
    SKIPPED = "skipped"  # deliberately not brought over (setting off, not ours to sync); logged once
    PENDING = "pending"  # a person decides (a void or deletion in accounting)
    FAILED = "failed"  # logged as an error row; a later pull retries it


@dataclass(frozen=True)
class Inbound:
    """One connection's pull: what every step needs, built once per job."""

    connection: Connection
    services: Services
    run_id: str
    descriptor: Descriptor
    mapper: Mapper
    operations: Operations
    reader: Reader

    @property
    def tenant_id(self) -> str:
        return self.connection.tenant_id


# A step for one SaaS entity: `entity` is which of the provider's records it is ("contact" or "property"
# for one kind of provider record that holds both), decided by the driver from the descriptor and the record's parent.
Step = Callable[[Inbound, str, RemoteRecord], Taken]
