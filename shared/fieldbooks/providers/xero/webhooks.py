"""Xero change notifications (providers.md 2.7): the signature, the intent-to-receive handshake, and
the event batch.

Xero signs each delivery with `x-xero-signature` = base64(HMAC-SHA256(webhook key, raw body)). Before
a subscription goes live Xero sends intent-to-receive deliveries (no events), some signed right and
some wrong: the right ones must get a 200 and the wrong ones a 401, or the subscription is refused.
A delivery is `{"events":[{"resourceId","eventCategory","eventType","tenantId",…}], "entropy"…}`;
events carry no record data, so all we keep is which record changed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fieldbooks.domain.errors import Unauthorized, ValidationFailed
from fieldbooks.observability import logger
from fieldbooks.providers.notifications import Notification
from fieldbooks.providers.xero.client import ID_PATTERN

SIGNATURE_HEADER = "x-xero-signature"
# Xero's event categories → the endpoint a pull reads back (only what the descriptor pulls).
CATEGORIES = {"CONTACT": "Contacts", "INVOICE": "Invoices", "CREDITNOTE": "CreditNotes"}
REFUSED = "This notification's signature does not match, so it was not accepted."
UNREADABLE = "This notification could not be read as a Xero change notification."


class XeroEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    resourceId: str = Field(pattern=f"^{ID_PATTERN}$")  # noqa: N815 - Xero's spelling
    eventCategory: str = Field(max_length=32)  # noqa: N815
    eventType: str = Field(max_length=32)  # noqa: N815
    tenantId: str = Field(pattern=f"^{ID_PATTERN}$")  # noqa: N815
    eventDateUtc: str = Field(default="", max_length=64)  # noqa: N815


class XeroWebhooks:
    """`webhook_key` reads the key from its secret when asked, so a rotated one is picked up."""

    acknowledges_with_empty_body = True  # intent-to-receive fails a 200 that carries a body

    def __init__(self, webhook_key: Callable[[], str]) -> None:
        self._webhook_key = webhook_key

    def verify(self, body: bytes, headers: Mapping[str, str]) -> None:
        """A wrong signature is a 401, which is also what the intent-to-receive handshake checks."""
        given = headers.get(SIGNATURE_HEADER)
        if not given:
            raise Unauthorized(REFUSED)
        digest = hmac.new(self._webhook_key().encode(), body, hashlib.sha256).digest()
        if not hmac.compare_digest(base64.b64encode(digest), given.strip().encode("utf-8", "replace")):
            raise Unauthorized(REFUSED)

    def notifications(self, body: bytes) -> list[Notification]:
        """Every record the batch names; an intent-to-receive delivery names none (and gets its 200)."""
        try:
            payload = json.loads(body)
        except ValueError as error:
            raise ValidationFailed(UNREADABLE) from error
        if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
            raise ValidationFailed(UNREADABLE)
        return [n for event in payload["events"] if (n := _notification(event)) is not None]


def _notification(raw: Any) -> Notification | None:
    """An event that is not one of ours is skipped, not a failed delivery (Xero would retry the batch)."""
    try:
        event = XeroEvent.model_validate(raw)
    except ValidationError:
        logger.warning("Skipped an unreadable event in a Xero delivery")
        return None
    endpoint = CATEGORIES.get(event.eventCategory.upper())
    if endpoint is None:
        return None
    # Xero's events have no id of their own; a redelivery repeats the same fields, so they make one.
    fields = "\n".join((event.tenantId, event.eventCategory, event.resourceId, event.eventType, event.eventDateUtc))
    return Notification(
        company_id=event.tenantId.lower(),
        remote_entity=endpoint,
        remote_id=event.resourceId,
        deleted=False,  # Xero archives and voids; it sends UPDATE, and the record is read again
        event_id=f"xero:{hashlib.sha256(fields.encode()).hexdigest()[:40]}",
    )
