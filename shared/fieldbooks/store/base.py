"""What every table model shares: region, short timeouts for Lambda, and sortable ids.

PynamoDB's defaults (60 s timeouts) outlast a 30 s function, so a slow call would be killed
mid-retry instead of failing cleanly (pynamodb/PynamoDB:docs/settings.rst).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from fieldbooks.domain.errors import ValidationFailed


class TableSettings:
    region = os.environ.get("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    connect_timeout_seconds = 2
    read_timeout_seconds = 5
    max_retry_attempts = 3


def now() -> datetime:
    return datetime.now(UTC)


def sortable_id() -> str:
    """Millisecond time first, then randomness: ids sort by creation and never collide in practice."""
    return f"{int(time.time() * 1000):013d}{secrets.token_hex(5)}"


def expiry_epoch(days: int) -> int:
    return int(time.time()) + days * 86400


def encode_cursor(tenant_id: str, last_key: dict[str, Any] | None) -> str | None:
    """An opaque cursor that names its tenant, so it cannot be replayed against another one."""
    if not last_key:
        return None
    raw = json.dumps({"t": tenant_id, "k": last_key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(tenant_id: str, cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        key = raw["k"]
        owner = raw["t"]
    except (ValueError, KeyError, TypeError) as error:
        raise ValidationFailed("The paging cursor is not valid; start again from the first page.") from error
    if owner != tenant_id:
        raise ValidationFailed("The paging cursor is not valid; start again from the first page.")
    return key
