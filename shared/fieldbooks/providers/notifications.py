"""The webhook part of the seam: a provider's change notifications, verified and read in neutral terms.

Kept beside `contract.py` (which a package imports for everything else) so the seam stays readable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from fieldbooks.providers.contract import Secret


@dataclass(frozen=True)
class Notification:
    """One record a provider's change notification names, in neutral terms: it carries no data (the
    record is read again), only which company, which record, and whether it is gone."""

    company_id: str
    remote_entity: str
    remote_id: str
    deleted: bool  # deleted, or merged into another record: there is nothing left to read
    event_id: str  # the same change delivered again carries the same id: what duplicates are dropped by


class WebhookReceiver(Protocol):
    """A provider's change notifications: checked as the provider signs them, read in its formats.
    Optional `acknowledges_with_empty_body = True`: the provider wants its 200 without a body."""

    def verify(self, body: bytes, headers: Mapping[str, str]) -> None:
        """Raises Unauthorized unless the provider signed exactly these bytes (header names lower-case)."""

    def notifications(self, body: bytes) -> list[Notification]:
        """Every record the delivery names, in delivery order; ValidationFailed when it cannot be read.
        Records of entities that do not sync are left out."""


class ReceivesWebhooks(Protocol):
    """A package whose provider sends change notifications also has this (ProviderPackage's optional part)."""

    def webhooks(self, secret: Secret) -> WebhookReceiver: ...
