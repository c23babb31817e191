"""QuickBooks Desktop as a provider package: a QUEUE provider whose Web Connector polls our SOAP endpoint.

Nothing here calls QuickBooks: `operations` only builds bodies (the engine queues them, the codec
writes them into qbXML when the Web Connector asks), and the SOAP layer answers the Web Connector.
"""

from __future__ import annotations

from typing import Any

from fieldbooks.domain.errors import FieldbooksError, ValidationFailed
from fieldbooks.domain.models import ConnectionSettings
from fieldbooks.domain.records import Contact, Property, SaasRecord
from fieldbooks.providers.contract import (
    CallContext,
    CreditApplication,
    Descriptor,
    NewRecord,
    OAuthEndpoints,
    Parents,
    RemoteRecord,
    RemoteSide,
    Secret,
    Written,
)
from fieldbooks.providers.quickbooks_desktop import mapping
from fieldbooks.providers.quickbooks_desktop.codec import QbxmlCodec
from fieldbooks.providers.quickbooks_desktop.descriptor import DESCRIPTOR
from fieldbooks.providers.quickbooks_desktop.qwc import OWNER_ID, qwc_text
from fieldbooks.providers.quickbooks_desktop.soap import WebConnectorSoap

ASKS = "QuickBooks Desktop is reached only when its Web Connector asks for work."


class QbdMapper:
    def display_name(self, contact: Contact, settings: ConnectionSettings) -> str:
        return mapping.customer_display_name(contact, settings)

    def name_of(self, entity: str, body: dict[str, Any]) -> str:
        return str(body.get("Name") or "")

    def comparable(self, theirs: Any, like: Any) -> Any:
        if isinstance(like, dict) and isinstance(theirs, dict):
            return {key: self.comparable(theirs.get(key), item) for key, item in like.items()}
        return theirs


class QbdOperations:
    """Bodies only: every write travels in a qbXML message the Web Connector fetches."""

    def body(self, entity: str, record: SaasRecord, parents: Parents, settings: ConnectionSettings) -> dict[str, Any]:
        if isinstance(record, Contact):
            return mapping.customer(record, settings)
        if isinstance(record, Property):
            assert parents.customer_id is not None
            return mapping.job(record, parents.customer_id)
        raise ValidationFailed(f"{entity} records do not sync to QuickBooks Desktop yet.")

    def create(self, entity: str, body: dict[str, Any], key: str) -> Written:
        raise ValidationFailed(ASKS)

    def create_many(self, records: list[NewRecord], key: str) -> list[Written | FieldbooksError]:
        raise ValidationFailed(ASKS)

    def update(self, entity: str, remote_id: str, version: str | None, fields: dict[str, Any], key: str) -> Written:
        raise ValidationFailed(ASKS)

    def void(self, entity: str, remote_id: str, version: str | None, key: str) -> Written:
        raise ValidationFailed(ASKS)

    def delete(self, entity: str, remote_id: str, version: str | None, key: str) -> None:
        raise ValidationFailed(ASKS)

    def apply_credit(self, application: CreditApplication, key: str) -> Written:
        raise ValidationFailed(ASKS)

    def read(self, entity: str, remote_id: str) -> RemoteRecord:
        raise ValidationFailed(ASKS)

    def find_by_name(self, entity: str, name: str) -> list[RemoteRecord]:
        return []  # no call can be made now; a duplicate name becomes a conflict a person decides


class QbdReader:
    """Reads wait for the pull engine's QUEUE side (issue 14, pulls): runs compare with nothing yet."""

    def side(self) -> RemoteSide:
        return RemoteSide()

    def one(self, entity: str, remote_id: str) -> RemoteRecord:
        raise ValidationFailed(ASKS)

    def changes(self, since: Any) -> list[RemoteRecord]:
        return []


class QuickBooksDesktopPackage:
    descriptor: Descriptor = DESCRIPTOR
    owner_id = OWNER_ID

    def __init__(self) -> None:
        self.mapper = QbdMapper()
        self.codec = QbxmlCodec()

    def operations(self, context: CallContext) -> QbdOperations:
        return QbdOperations()

    def reader(self, context: CallContext) -> QbdReader:
        return QbdReader()

    def oauth(self, callback_url: str, secret: Secret) -> OAuthEndpoints:
        raise ValidationFailed("QuickBooks Desktop connects through the Web Connector: download the .qwc file.")

    def agent_protocol(self) -> WebConnectorSoap:
        return WebConnectorSoap()

    def setup_file(self, app_url: str, user_name: str, file_id: str, every_minutes: int, company: str) -> str:
        return qwc_text(app_url, user_name, file_id, every_minutes, company)
