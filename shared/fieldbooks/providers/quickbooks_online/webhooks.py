"""QuickBooks Online change notifications (providers.md 1.7): the signature, and both payload formats.

Intuit signs each delivery with `intuit-signature` = base64(HMAC-SHA256(verifier token, raw body)).
The body is either CloudEvents (Intuit's default since 2026: a JSON array of events, one realm each,
realms mixed in one delivery) or the legacy `eventNotifications` object (one realm per notification,
`dataChangeEvent.entities[]`). Events carry no record data, so all we keep is which record changed.
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
from fieldbooks.providers.quickbooks_online.client import ID_PATTERN
from fieldbooks.providers.quickbooks_online.descriptor import DESCRIPTOR

SIGNATURE_HEADER = "intuit-signature"
# The entities pulls read back (the descriptor's `pulled`), by the lower-case name CloudEvents types use.
PULLED = {DESCRIPTOR.remote_entity(entity).lower(): DESCRIPTOR.remote_entity(entity) for entity in DESCRIPTOR.pulled}
# After these the record is gone (legacy operation, CloudEvents verb): nothing to read, the link is marked.
GONE_OPERATIONS = {"delete", "merge"}
GONE_VERBS = {"deleted", "merged"}
# "Emailed" changes no field we sync (only the email status): reading the invoice again would be waste.
IGNORED = {"emailed"}
REFUSED = "This notification's signature does not match, so it was not accepted."
UNREADABLE = "This notification could not be read as a QuickBooks Online change notification."


class CloudEvent(BaseModel):
    """`{"specversion":"1.0","id":"88cd…","type":"qbo.customer.updated.v1","intuitentityid":"1234",
    "intuitaccountid":"310687",…}`; extra attributes (source, time, data) are not ours to check."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=128)
    type: str = Field(max_length=128)
    intuitentityid: str = Field(pattern=f"^{ID_PATTERN}$")
    intuitaccountid: str = Field(min_length=1, max_length=64)


class LegacyEntity(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(max_length=64)
    id: str = Field(pattern=f"^{ID_PATTERN}$")
    operation: str = Field(max_length=32)
    lastUpdated: str = Field(default="", max_length=64)  # noqa: N815 - Intuit's spelling


class LegacyChange(BaseModel):
    model_config = ConfigDict(extra="ignore")

    entities: list[LegacyEntity] = Field(default_factory=list)


class LegacyNotification(BaseModel):
    model_config = ConfigDict(extra="ignore")

    realmId: str = Field(min_length=1, max_length=64)  # noqa: N815 - Intuit's spelling
    dataChangeEvent: LegacyChange  # noqa: N815


class QboWebhooks:
    """`verifier_token` reads the token from its secret when asked, so a rotated one is picked up."""

    def __init__(self, verifier_token: Callable[[], str]) -> None:
        self._verifier_token = verifier_token

    def verify(self, body: bytes, headers: Mapping[str, str]) -> None:
        given = headers.get(SIGNATURE_HEADER)
        if not given:
            raise Unauthorized(REFUSED)
        digest = hmac.new(self._verifier_token().encode(), body, hashlib.sha256).digest()
        if not hmac.compare_digest(base64.b64encode(digest), given.strip().encode("utf-8", "replace")):
            raise Unauthorized(REFUSED)

    def notifications(self, body: bytes) -> list[Notification]:
        try:
            payload = json.loads(body)
        except ValueError as error:
            raise ValidationFailed(UNREADABLE) from error
        if isinstance(payload, list):
            return [n for event in payload if (n := _from_cloud_event(event)) is not None]
        if isinstance(payload, dict) and isinstance(payload.get("eventNotifications"), list):
            return [n for item in payload["eventNotifications"] for n in _from_legacy(item)]
        raise ValidationFailed(UNREADABLE)


def _from_cloud_event(raw: Any) -> Notification | None:
    """`qbo.<entity>.<verb>.v<n>`; an event that is not one of ours is skipped, not a failed delivery
    (Intuit would redeliver the whole array, good events included, for as long as it keeps failing)."""
    try:
        event = CloudEvent.model_validate(raw)
    except ValidationError:
        logger.warning("Skipped an unreadable CloudEvent in a QuickBooks Online delivery")
        return None
    parts = event.type.lower().split(".")
    if len(parts) != 4 or parts[0] != "qbo" or parts[1] not in PULLED or parts[2] in IGNORED:
        return None
    return Notification(
        company_id=event.intuitaccountid,
        remote_entity=PULLED[parts[1]],
        remote_id=event.intuitentityid,
        deleted=parts[2] in GONE_VERBS,
        event_id=f"ce:{event.id}",
    )


def _from_legacy(raw: Any) -> list[Notification]:
    try:
        item = LegacyNotification.model_validate(raw)
    except ValidationError:
        logger.warning("Skipped an unreadable notification in a legacy QuickBooks Online delivery")
        return []
    found = []
    for entity in item.dataChangeEvent.entities:
        name, operation = entity.name.lower(), entity.operation.lower()
        if name not in PULLED or operation in IGNORED:
            continue
        # Legacy events have no id; a redelivery repeats the same fields, so they make one.
        fields = "\n".join((item.realmId, entity.name, entity.id, entity.operation, entity.lastUpdated))
        found.append(
            Notification(
                company_id=item.realmId,
                remote_entity=PULLED[name],
                remote_id=entity.id,
                deleted=operation in GONE_OPERATIONS,
                event_id=f"legacy:{hashlib.sha256(fields.encode()).hexdigest()[:40]}",
            )
        )
    return found
