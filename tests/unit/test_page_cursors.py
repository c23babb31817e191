"""Page cursors are ours or a 400: signed, bound to the tenant and the query, shaped like a start key
(issue 10, A.4: a crafted key gave a 500 from DynamoDB, a string key silently restarted paging)."""

from __future__ import annotations

import base64
import json

import pytest

from fieldbooks.domain.errors import ValidationFailed
from fieldbooks.store.base import INVALID_CURSOR, PageCursors

TENANT = "t-acme"
QUERY = ("links", "quickbooks_online", "contact")
KEY_ATTRIBUTES = ("tenant_id", "link_key")
LAST_KEY = {"tenant_id": {"S": TENANT}, "link_key": {"S": "quickbooks_online#contact#con_1"}}
CURSORS = PageCursors(lambda: "the-console-token-secret")


def unsigned(payload: object) -> str:
    """What an attacker can make without the key: the old cursor format, or ours with a made-up MAC."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def signed(payload: object, cursors: PageCursors = CURSORS) -> str:
    """A cursor with a good MAC over whatever payload: what a bug of ours could hand out."""
    body = unsigned(payload)
    return f"{body}.{base64.urlsafe_b64encode(cursors._mac(body)).decode().rstrip('=')}"


def decode(cursor: str, query: tuple[str, ...] = QUERY, tenant_id: str = TENANT) -> object:
    return CURSORS.decode(tenant_id, query, cursor, KEY_ATTRIBUTES)


def test_a_cursor_we_made_names_the_same_start_key() -> None:
    cursor = CURSORS.encode(TENANT, QUERY, LAST_KEY)

    assert cursor is not None
    assert decode(cursor) == LAST_KEY
    assert CURSORS.encode(TENANT, QUERY, None) is None  # the last page has no next one
    assert decode("") is None


CRAFTED = {
    "old unsigned format": unsigned({"t": TENANT, "k": LAST_KEY}),
    "number key": unsigned({"t": TENANT, "k": 5}) + ".AAAA",
    "list key": unsigned({"t": TENANT, "k": [1, 2]}) + ".AAAA",
    "untyped key": unsigned({"t": TENANT, "q": list(QUERY), "k": {"tenant_id": TENANT, "link_key": "x"}}) + ".AAAA",
    "not base64": "%%%.???",
    "no payload": ".",
    "ten kilobytes": "A" * 10_000,
    "emoji": "🙂.🙂",
    "flipped mac": CURSORS.encode(TENANT, QUERY, LAST_KEY)[:-2] + "AA",  # type: ignore[index]
    "signed with another secret": PageCursors(lambda: "guessed").encode(TENANT, QUERY, LAST_KEY),
}


@pytest.mark.parametrize("cursor", CRAFTED.values(), ids=CRAFTED.keys())
def test_a_crafted_cursor_is_a_clear_400(cursor: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        decode(cursor)
    assert refused.value.message == INVALID_CURSOR


def test_a_cursor_continues_only_its_own_tenant_and_query() -> None:
    cursor = CURSORS.encode(TENANT, QUERY, LAST_KEY)
    assert cursor is not None

    for tenant_id, query in [
        ("t-other", QUERY),
        (TENANT, ("links", "quickbooks_online", "item")),
        (TENANT, ("plan", "r1", "")),
    ]:
        with pytest.raises(ValidationFailed, match="no longer valid"):
            decode(cursor, query=query, tenant_id=tenant_id)


SIGNED_BUT_MISSHAPEN = {
    "number key": 5,
    "list key": [LAST_KEY],
    "string key": "quickbooks_online#contact#con_1",
    "untyped values": {"tenant_id": TENANT, "link_key": "quickbooks_online#contact#con_1"},
    "number value": {"tenant_id": {"S": TENANT}, "link_key": {"N": "1"}},
    "wrong attribute": {"tenant_id": {"S": TENANT}, "log_key": {"S": "x"}},
    "extra attribute": {**LAST_KEY, "remote_key": {"S": "x"}},
    "another tenant inside": {"tenant_id": {"S": "t-other"}, "link_key": {"S": "x"}},
}


@pytest.mark.parametrize("key", SIGNED_BUT_MISSHAPEN.values(), ids=SIGNED_BUT_MISSHAPEN.keys())
def test_even_a_signed_cursor_must_hold_a_start_key_of_the_index_read(key: object) -> None:
    with pytest.raises(ValidationFailed, match="no longer valid"):
        decode(signed({"t": TENANT, "q": list(QUERY), "k": key}))
