"""QuickBooks Online as a provider package: its settings, its mapper, and what it builds per connection."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import BaseModel

from fieldbooks.domain.models import ConnectionSettings
from fieldbooks.domain.records import Contact
from fieldbooks.providers.contract import CallContext, Descriptor, RemotePayment, Secret
from fieldbooks.providers.quickbooks_online import inbound_mapping, mapping, transactions
from fieldbooks.providers.quickbooks_online.client import QboClient
from fieldbooks.providers.quickbooks_online.descriptor import DESCRIPTOR
from fieldbooks.providers.quickbooks_online.operations import QboOperations
from fieldbooks.providers.quickbooks_online.reads import QboReader
from fieldbooks.providers.quickbooks_online.webhooks import QboWebhooks

if TYPE_CHECKING:
    from fieldbooks.providers.quickbooks_online.oauth import IntuitOAuth


class QboSettings(BaseModel):
    """The package's own section of the environment (template.yaml declares each variable)."""

    api_base_url: str
    discovery_url: str
    client_id: str
    client_secret_parameter: str
    webhook_verifier_token_parameter: str  # the app's webhook verifier token (Intuit's developer portal)

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Field → environment variable: QBO_API_BASE_URL and so on."""
        return {name: f"QBO_{name.upper()}" for name in cls.model_fields}

    @classmethod
    def from_environment(cls) -> QboSettings:
        names = {name: os.environ.get(variable) for name, variable in cls.variables().items()}
        missing = sorted(cls.variables()[name] for name, value in names.items() if value is None)
        if missing:
            raise RuntimeError(f"Missing environment variables (declared in template.yaml): {', '.join(missing)}")
        return cls.model_validate(names)


class QboMapper:
    def display_name(self, contact: Contact, settings: ConnectionSettings) -> str:
        return mapping.customer_display_name(contact, settings)

    def name_of(self, entity: str, body: dict[str, Any]) -> str:
        return str(body.get("DisplayName") or body.get("Name") or "")

    def contact_fields(
        self, body: dict[str, Any], current: Contact | None, settings: ConnectionSettings
    ) -> dict[str, Any]:
        return inbound_mapping.contact_fields(body, current, settings)

    def property_fields(self, body: dict[str, Any], parent_display_name: str) -> dict[str, Any]:
        return inbound_mapping.property_fields(body, parent_display_name)

    def carried_fields(self, entity: str) -> tuple[str, ...]:
        return inbound_mapping.CARRIED_FIELDS.get(entity, ())

    def comparable(self, theirs: Any, like: Any) -> Any:
        """QuickBooks adds keys (a ref's "name", a line's "Id") and a SubTotalLineDetail line that are
        not changes and must not look like one."""
        if isinstance(like, dict) and isinstance(theirs, dict):
            reduced = {key: self.comparable(theirs.get(key), item) for key, item in like.items()}
            if set(like) <= inbound_mapping.ADDRESS_PARTS:
                # An address part set only in QuickBooks (a city added there) is a change, unlike its "Id".
                reduced |= {key: value for key, value in theirs.items() if key in inbound_mapping.ADDRESS_PARTS}
            return reduced
        if isinstance(like, list) and isinstance(theirs, list):
            lines = [
                line
                for line in theirs
                if not (isinstance(line, dict) and line.get("DetailType") == "SubTotalLineDetail")
            ]
            if len(lines) == len(like):
                return [self.comparable(line, item) for line, item in zip(lines, like, strict=True)]
            return lines
        return theirs

    def payment_of(self, fields: dict[str, Any]) -> RemotePayment:
        total, applied, credits = transactions.payment_parts(fields)
        reference = fields.get("PaymentRefNum")
        txn_date = fields.get("TxnDate")
        return RemotePayment(
            total=total,
            applied=applied,
            credits=credits,
            sent_from=transactions.sent_from(fields),
            date=date.fromisoformat(txn_date) if txn_date else None,
            reference=str(reference) if reference else None,
        )

    def balance_of(self, fields: dict[str, Any]) -> Decimal | None:
        balance = fields.get("Balance")
        return mapping.money(balance) if balance is not None else None


class QuickBooksOnlinePackage:
    """`http` is the seam tests use for a short timeout; production shares one pool per container."""

    descriptor: Descriptor = DESCRIPTOR
    codec = None  # called now (CALL): nothing waits for QuickBooks Online to ask

    def __init__(self, settings: QboSettings | None = None, http: httpx.Client | None = None) -> None:
        self._settings = settings
        self._http = http
        self.mapper = QboMapper()

    @property
    def settings(self) -> QboSettings:
        if self._settings is None:
            self._settings = QboSettings.from_environment()
        return self._settings

    def client(self, context: CallContext) -> QboClient:
        return QboClient(
            self.settings.api_base_url, context.company_id, context.tokens, governor=context.governor, http=self._http
        )

    def operations(self, context: CallContext) -> QboOperations:
        return QboOperations(self.client(context))

    def reader(self, context: CallContext) -> QboReader:
        return QboReader(self.client(context))

    def oauth(self, callback_url: str, secret: Secret) -> IntuitOAuth:
        # authlib and its JOSE stack cost a cold start ~40 ms: loaded by the first connect or refresh only.
        from fieldbooks.providers.quickbooks_online.oauth import IntuitOAuth

        return IntuitOAuth(
            discovery_url=self.settings.discovery_url,
            client_id=self.settings.client_id,
            client_secret=secret(self.settings.client_secret_parameter),
            redirect_uri=callback_url,
            api_base_url=self.settings.api_base_url,
        )

    def webhooks(self, secret: Secret) -> QboWebhooks:
        return QboWebhooks(lambda: secret(self.settings.webhook_verifier_token_parameter))
