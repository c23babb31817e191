"""Xero as a provider package: its settings, its mapper, and what it builds per connection."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import httpx
from pydantic import BaseModel

from fieldbooks.domain.models import ConnectionSettings
from fieldbooks.domain.records import Contact
from fieldbooks.providers.contract import CallContext, Descriptor, RemotePayment, Secret
from fieldbooks.providers.xero import inbound, mapping
from fieldbooks.providers.xero.client import XeroClient
from fieldbooks.providers.xero.descriptor import DESCRIPTOR
from fieldbooks.providers.xero.oauth import XeroOAuth
from fieldbooks.providers.xero.operations import XeroOperations
from fieldbooks.providers.xero.reads import XeroReader
from fieldbooks.providers.xero.webhooks import XeroWebhooks


class XeroSettings(BaseModel):
    """The package's own section of the environment (template.yaml declares each variable).

    Xero serves sign-in, tokens and the API from three hosts (login, identity, api.xero.com).
    """

    authorize_url: str  # https://login.xero.com/identity/connect/authorize
    identity_url: str  # https://identity.xero.com: /connect/token and /connect/revocation
    api_base_url: str  # https://api.xero.com: /connections and /api.xro/2.0
    client_id: str  # a PKCE app: there is no client secret
    webhook_key_parameter: str  # the webhook key Xero signs deliveries with (developer.xero.com)

    @classmethod
    def variables(cls) -> dict[str, str]:
        return {name: f"XERO_{name.upper()}" for name in cls.model_fields}

    @classmethod
    def from_environment(cls) -> XeroSettings:
        names = {name: os.environ.get(variable) for name, variable in cls.variables().items()}
        missing = sorted(cls.variables()[name] for name, value in names.items() if value is None)
        if missing:
            raise RuntimeError(f"Missing environment variables (declared in template.yaml): {', '.join(missing)}")
        return cls.model_validate(names)


class XeroMapper:
    def payment_of(self, fields: dict[str, Any]) -> RemotePayment:
        return inbound.payment_of(fields)

    def balance_of(self, fields: dict[str, Any]) -> Decimal | None:
        return inbound.balance_of(fields)

    def contact_fields(
        self, body: dict[str, Any], current: Contact | None, settings: ConnectionSettings
    ) -> dict[str, Any]:
        return inbound.contact_fields(body, current, settings)

    def property_fields(self, body: dict[str, Any], parent_display_name: str) -> dict[str, Any]:
        """Xero has no sub-records: no job site ever comes from it."""
        return {}

    def carried_fields(self, entity: str) -> tuple[str, ...]:
        return inbound.CARRIED_FIELDS.get(entity, ())

    def display_name(self, contact: Contact, settings: ConnectionSettings) -> str:
        return mapping.contact_name(contact, settings)

    def name_of(self, entity: str, body: dict[str, Any]) -> str:
        return str(
            body.get("Name") or body.get("Code") or body.get("InvoiceNumber") or body.get("CreditNoteNumber") or ""
        )

    def comparable(self, theirs: Any, like: Any) -> Any:
        """Xero adds keys (LineItemID, TaxAmount, a contact's summary) that are not changes."""
        if isinstance(like, dict) and isinstance(theirs, dict):
            return {key: self.comparable(theirs.get(key), item) for key, item in like.items()}
        if isinstance(like, list) and isinstance(theirs, list) and len(like) == len(theirs):
            return [self.comparable(one, item) for one, item in zip(theirs, like, strict=True)]
        return theirs


class XeroPackage:
    """`http` is the seam tests use for a short timeout; production shares one pool per container."""

    descriptor: Descriptor = DESCRIPTOR
    codec = None  # called now (CALL)

    def __init__(self, settings: XeroSettings | None = None, http: httpx.Client | None = None) -> None:
        self._settings = settings
        self._http = http
        self.mapper = XeroMapper()

    @property
    def settings(self) -> XeroSettings:
        if self._settings is None:
            self._settings = XeroSettings.from_environment()
        return self._settings

    def client(self, context: CallContext) -> XeroClient:
        return XeroClient(
            self.settings.api_base_url, context.company_id, context.tokens, governor=context.governor, http=self._http
        )

    def operations(self, context: CallContext) -> XeroOperations:
        return XeroOperations(self.client(context))

    def reader(self, context: CallContext) -> XeroReader:
        return XeroReader(self.client(context))

    def oauth(self, callback_url: str, secret: Secret) -> XeroOAuth:
        identity = self.settings.identity_url.rstrip("/")
        return XeroOAuth(
            authorize_url=self.settings.authorize_url,
            token_url=f"{identity}/connect/token",
            revoke_url=f"{identity}/connect/revocation",
            api_base_url=self.settings.api_base_url,
            client_id=self.settings.client_id,
            redirect_uri=callback_url,
        )

    def webhooks(self, secret: Secret) -> XeroWebhooks:
        return XeroWebhooks(lambda: secret(self.settings.webhook_key_parameter))
