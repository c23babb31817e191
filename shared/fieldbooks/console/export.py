"""The sync log as CSV, for a bookkeeper's spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from fieldbooks.domain.models import SyncLogEntry

COLUMNS = (
    "time",
    "provider",
    "entity",
    "direction",
    "status",
    "action",
    "detail",
    "saas_id",
    "remote_id",
    "run_id",
    "acted_by",  # the user's id, or "Fieldbooks (scheduled sync)" and the like for its own work
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """Text that a spreadsheet would run as a formula is quoted (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def to_csv(entries: Iterable[SyncLogEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for e in entries:
        writer.writerow(
            _cell(v)
            for v in (
                e.created_at.isoformat(),
                e.provider.label if e.provider else "",
                e.entity,
                e.direction.value,
                e.status.value,
                e.action,
                e.detail,
                e.saas_id,
                e.remote_id,
                e.run_id,
                e.acted_by.name if e.acted_by else "",
            )
        )
    return out.getvalue()
