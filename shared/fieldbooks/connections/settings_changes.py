"""A settings change as a sync-log row: what changed, from what to what, and (from the request) by whom.

Settings decide what syncs and who wins a conflict, so a bookkeeper asking "why did this stop
syncing?" finds the change in the same log as its effects. Generic over the settings' fields, so a
setting added later is described without an edit here.
"""

from __future__ import annotations

from enum import Enum

from fieldbooks.domain.models import Connection, ConnectionSettings, Direction, SyncStatus
from fieldbooks.domain.wording import ENTITY_WORDS
from fieldbooks.services import Services

MAX_CHANGES_NAMED = 8  # a full replacement can change every field; the row stays one readable sentence


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None:
        return "none"
    if isinstance(value, Enum):
        value = value.value
    return str(value).replace("_", " ")


def describe_changes(before: ConnectionSettings, after: ConnectionSettings) -> list[str]:
    """One phrase per changed setting, in the settings' own order: "approve plan: off → on"."""
    changes: list[str] = []
    old, new = before.model_dump(), after.model_dump()
    for field in type(after).model_fields:
        if old[field] == new[field]:
            continue
        if isinstance(new[field], dict) and isinstance(old[field], dict):  # per-entity settings
            for key in sorted(set(old[field]) | set(new[field])):
                if old[field].get(key) != new[field].get(key):
                    where = f"{_shown(field)} for {ENTITY_WORDS.get(key, key)}s"
                    changes.append(f"{where}: {_shown(old[field].get(key))} → {_shown(new[field].get(key))}")
            continue
        changes.append(f"{_shown(field)}: {_shown(old[field])} → {_shown(new[field])}")
    return changes


def log_settings_change(connection: Connection, before: ConnectionSettings, services: Services) -> None:
    """Nothing is written for a save that changed nothing (the page saves the whole form)."""
    changes = describe_changes(before, connection.settings)
    if not changes:
        return
    named = "; ".join(changes[:MAX_CHANGES_NAMED])
    more = f"; and {len(changes) - MAX_CHANGES_NAMED} more" if len(changes) > MAX_CHANGES_NAMED else ""
    services.sync_log.write(
        connection.tenant_id,
        provider=connection.provider,
        entity="connection",
        direction=Direction.TO_ACCOUNTING,
        status=SyncStatus.SYNCED,
        action="settings",
        detail=f"Settings for {connection.provider.label} changed: {named}{more}.",
        remote_id=connection.remote_company_id,
    )
