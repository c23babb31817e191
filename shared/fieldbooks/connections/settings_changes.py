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
        return str(value.value).replace("_", " ")
    if isinstance(value, dict):  # a setting made of parts, e.g. a window's start and end
        return ", ".join(f"{_named(key)} {_shown(part)}" for key, part in value.items())
    return str(value)  # free text as typed: a time zone keeps its "New_York"


def _named(field: str) -> str:
    return field.replace("_", " ")


def describe_changes(before: ConnectionSettings, after: ConnectionSettings) -> list[str]:
    """One phrase per changed setting, in the settings' own order: "approve plan: off → on"."""
    changes: list[str] = []
    old, new = before.model_dump(), after.model_dump()
    for field in type(after).model_fields:
        was, now = old[field], new[field]
        if was == now:
            continue
        if isinstance(was, dict) and isinstance(now, dict) and set(was) | set(now) <= ENTITY_WORDS.keys():
            for entity in sorted(set(was) | set(now)):  # one setting per kind of record
                if was.get(entity) != now.get(entity):
                    where = f"{_named(field)} for {ENTITY_WORDS[entity]}s"
                    changes.append(f"{where}: {_shown(was.get(entity))} → {_shown(now.get(entity))}")
            continue
        changes.append(f"{_named(field)}: {_shown(was)} → {_shown(now)}")
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
