"""What every table model shares: region, short timeouts for Lambda, sortable ids, and signed page cursors.

PynamoDB's defaults (60 s timeouts) outlast a 30 s function, so a slow call would be killed
mid-retry instead of failing cleanly (pynamodb/PynamoDB:docs/settings.rst).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from fieldbooks.domain.errors import ValidationFailed

INVALID_CURSOR = "This page link is no longer valid; start again from the first page."
CURSOR_KEY_CONTEXT = b"fieldbooks paging cursor v1"  # the MAC key is for cursors only, never a token key
SECRET_MAX_AGE_SECONDS = 300  # as Services reads secrets: a rotated one is picked up within minutes


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


class PageCursors:
    """The paging cursors the console hands out, signed, so that only ours come back.

    A cursor carries DynamoDB's LastEvaluatedKey, which the next query takes as its ExclusiveStartKey.
    Taken as sent, a crafted one (a number, a list, an untyped or a wrong-attribute key) made DynamoDB
    fail (a 500) or paging restart silently (issue 10, A.4). So each cursor carries an HMAC-SHA256 over
    its tenant, the query it continues and the key; anything else is a 400. The MAC key is derived from
    the console-token secret the tenant API already reads from SSM (no new secret to provision), for
    this use only; rotating that secret ends the page links handed out before, which then answer 400.
    """

    def __init__(self, secret: Callable[[], str]) -> None:
        self._secret = secret

    @classmethod
    def from_environment(cls) -> PageCursors:
        """Keyed by the secret parameter template.yaml names in TENANT_JWT_SECRET_PARAMETER, read when
        a cursor is first made or checked (cached per container, as `Services.secret` does)."""

        def secret() -> str:
            from aws_lambda_powertools.utilities import parameters  # loads boto3: only when needed

            name = os.environ["TENANT_JWT_SECRET_PARAMETER"]
            return str(parameters.get_parameter(name, decrypt=True, max_age=SECRET_MAX_AGE_SECONDS))

        return cls(secret)

    def encode(self, tenant_id: str, query: Sequence[object], last_key: dict[str, Any] | None) -> str | None:
        """An opaque cursor for the page after `last_key` of `query` (None: that was the last page)."""
        if not last_key:
            return None
        payload = _b64(json.dumps({"t": tenant_id, "q": _query(query), "k": last_key}, separators=(",", ":")).encode())
        return f"{payload}.{_b64(self._mac(payload))}"

    def decode(
        self, tenant_id: str, query: Sequence[object], cursor: str | None, key_attributes: Iterable[str]
    ) -> dict[str, Any] | None:
        """The start key `cursor` names, if it is one we made for this tenant and this very query."""
        if not cursor:
            return None
        payload, _, mac = cursor.partition(".")
        try:
            genuine = hmac.compare_digest(_unb64(mac), self._mac(payload))
            raw = json.loads(_unb64(payload)) if genuine else None
        except (ValueError, UnicodeError):
            raw = None
        if not isinstance(raw, dict) or raw.get("t") != tenant_id or raw.get("q") != _query(query):
            raise ValidationFailed(INVALID_CURSOR)
        key = raw.get("k")
        if not _is_start_key(key, tenant_id, set(key_attributes)):
            raise ValidationFailed(INVALID_CURSOR)
        return key

    def _mac(self, payload: str) -> bytes:
        key = hmac.new(self._secret().encode(), CURSOR_KEY_CONTEXT, hashlib.sha256).digest()
        return hmac.new(key, payload.encode(), hashlib.sha256).digest()


def _query(query: Sequence[object]) -> list[str]:
    return ["" if part is None else str(part) for part in query]


def _is_start_key(key: object, tenant_id: str, attributes: set[str]) -> bool:
    """Exactly the key attributes of the table or index read, each a string, the tenant's own first.

    The MAC already proves we made it; this is what a start key must look like in any case."""
    if not isinstance(key, dict) or set(key) != attributes:
        return False
    for value in key.values():
        if not isinstance(value, dict) or set(value) != {"S"} or not isinstance(value["S"], str):
            return False
    return key["tenant_id"]["S"] == tenant_id


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
