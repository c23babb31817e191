"""`updated_since` and the opaque cursor of the platform API's change listings.

The cursor is the (updated_at, record_id) of the last record served: keyset paging stays correct
while records change between pages (a record edited meanwhile simply reappears later).
"""

import base64
import datetime as dt
import json

from fieldbooks.domain.records import SaasRecord
from local.saas.errors import MalformedRequest
from local.saas.store import sortable_time

BEGINNING = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
DEFAULT_LIMIT = 100
MAX_LIMIT = 500


def parse_updated_since(text: str | None) -> dt.datetime:
    if not text:
        return BEGINNING
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as error:
        raise MalformedRequest(f"updated_since must be an ISO 8601 time, not {text!r}") from error
    if moment.tzinfo is None:
        raise MalformedRequest("updated_since needs a time zone, e.g. 2026-11-21T10:00:00Z")
    return moment


def parse_limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_LIMIT
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise MalformedRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(text)


def encode_cursor(last: SaasRecord) -> str:
    position = json.dumps([sortable_time(last.updated_at), last.id])
    return base64.urlsafe_b64encode(position.encode()).decode()


def decode_cursor(text: str | None) -> tuple[str, str] | None:
    if not text:
        return None
    try:
        updated_at, record_id = json.loads(base64.urlsafe_b64decode(text.encode()))
    except (ValueError, TypeError) as error:
        raise MalformedRequest("cursor is not one this API handed out") from error
    return str(updated_at), str(record_id)
