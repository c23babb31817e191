"""What never goes to accounting: one list, for a run's plan and a real-time push alike.

A plan adds what only a comparison can know (a record deleted or voided before it ever synced);
a push adds what only its own delivery can know (an unlinked record, a void of a record never sent).
"""

from __future__ import annotations

from fieldbooks.domain.models import ConnectionSettings
from fieldbooks.domain.records import Invoice, SaasRecord
from fieldbooks.domain.wording import DRAFT_INVOICE, NEVER_SYNCED, PLURAL, noun
from fieldbooks.providers.contract import Descriptor


def skip_reason(
    entity: str, record: SaasRecord, descriptor: Descriptor, settings: ConnectionSettings, label: str
) -> str | None:
    """Why `record` does not go to this connection, in a sentence naming the provider as `label`; None
    when it goes."""
    if entity in NEVER_SYNCED:
        return NEVER_SYNCED[entity]
    plural = PLURAL.get(entity, f"{noun(entity)}s")
    if not descriptor.syncs(entity):
        return f"{plural} do not sync to {label}."
    if not settings.direction(entity).pushes:
        return f"Sending {plural.lower()} to {label} is switched off in settings."
    if isinstance(record, Invoice) and record.status == "draft":
        return DRAFT_INVOICE
    return None
