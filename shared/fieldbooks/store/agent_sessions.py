"""Credentials and session tickets of agents that poll us (the Web Connector), tenant first in every key.

One table, two kinds of row under the tenant:
- `credentials#<provider>`: the user name, the password's slow hash (never the password), the file id
  we hand out, and the company the first session pinned;
- `ticket#<sha256 of the ticket>`: one session's state, kept in the table (an agent's calls may land
  on different containers) and gone by TTL. Only the ticket's hash is stored, so the table cannot
  be replayed into a session.
"""

from __future__ import annotations

import os
import time

from pydantic import BaseModel
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.exceptions import DeleteError
from pynamodb.models import Model

from fieldbooks.domain.models import Provider
from fieldbooks.store.base import TableSettings

TICKET_TTL_SECONDS = 3600  # a Web Connector session lasts minutes; an hour outlives a slow one


class AgentCredentials(BaseModel):
    tenant_id: str
    provider: Provider
    user_name: str
    file_id: str
    password_hash: str | None = None
    pinned_path: str | None = None
    pinned_file_id: str | None = None
    version: int = 0


class AgentTicket(BaseModel):
    tenant_id: str
    provider: Provider
    ticket_hash: str
    last_error: str = ""
    settled: int = 0  # items settled in this session
    messages: int = 0  # request messages handed out in this session
    awaiting_response: bool = False
    refused: bool = False  # the wrong company file: nothing is sent in this session
    expires_at: int = 0
    version: int = 0


class AgentSessionRow(Model):
    class Meta(TableSettings):
        table_name = os.environ.get("AGENT_SESSIONS_TABLE", "fieldbooks-dev-agent-sessions")

    tenant_id = UnicodeAttribute(hash_key=True)
    entry = UnicodeAttribute(range_key=True)
    provider = UnicodeAttribute()
    user_name = UnicodeAttribute(null=True)
    file_id = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute(null=True)
    pinned_path = UnicodeAttribute(null=True)
    pinned_file_id = UnicodeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    settled = NumberAttribute(default=0)
    messages = NumberAttribute(default=0)
    awaiting_response = NumberAttribute(default=0)
    refused = NumberAttribute(default=0)
    expires_at = NumberAttribute(null=True)  # TTL (tickets only)
    version = VersionAttribute()


def _credentials_key(provider: Provider) -> str:
    return f"credentials#{provider.value}"


def _ticket_key(ticket_hash: str) -> str:
    return f"ticket#{ticket_hash}"


class AgentSessionStore:
    def credentials(self, tenant_id: str, provider: Provider) -> AgentCredentials | None:
        try:
            row = AgentSessionRow.get(tenant_id, _credentials_key(provider), consistent_read=True)
        except AgentSessionRow.DoesNotExist:
            return None
        return AgentCredentials(
            tenant_id=row.tenant_id,
            provider=Provider(row.provider),
            user_name=row.user_name or "",
            file_id=row.file_id or "",
            password_hash=row.password_hash,
            pinned_path=row.pinned_path,
            pinned_file_id=row.pinned_file_id,
            version=int(row.version or 0),
        )

    def save_credentials(self, credentials: AgentCredentials) -> AgentCredentials:
        row = AgentSessionRow(
            credentials.tenant_id,
            _credentials_key(credentials.provider),
            provider=credentials.provider.value,
            user_name=credentials.user_name,
            file_id=credentials.file_id,
            password_hash=credentials.password_hash,
            pinned_path=credentials.pinned_path,
            pinned_file_id=credentials.pinned_file_id,
        )
        if credentials.version:
            row.version = credentials.version
        row.save()
        return credentials.model_copy(update={"version": int(row.version)})

    def open_ticket(self, tenant_id: str, provider: Provider, ticket_hash: str) -> AgentTicket:
        ticket = AgentTicket(
            tenant_id=tenant_id,
            provider=provider,
            ticket_hash=ticket_hash,
            expires_at=int(time.time()) + TICKET_TTL_SECONDS,
        )
        return self.save_ticket(ticket)

    def ticket(self, tenant_id: str, ticket_hash: str) -> AgentTicket | None:
        try:
            row = AgentSessionRow.get(tenant_id, _ticket_key(ticket_hash), consistent_read=True)
        except AgentSessionRow.DoesNotExist:
            return None
        if (row.expires_at or 0) < time.time():
            return None  # TTL deletion lags by hours; an expired ticket is refused now
        return AgentTicket(
            tenant_id=row.tenant_id,
            provider=Provider(row.provider),
            ticket_hash=ticket_hash,
            last_error=row.last_error or "",
            settled=int(row.settled or 0),
            messages=int(row.messages or 0),
            awaiting_response=bool(row.awaiting_response),
            refused=bool(row.refused),
            expires_at=int(row.expires_at or 0),
            version=int(row.version or 0),
        )

    def save_ticket(self, ticket: AgentTicket) -> AgentTicket:
        row = AgentSessionRow(
            ticket.tenant_id,
            _ticket_key(ticket.ticket_hash),
            provider=ticket.provider.value,
            last_error=ticket.last_error or None,
            settled=ticket.settled,
            messages=ticket.messages,
            awaiting_response=int(ticket.awaiting_response),
            refused=int(ticket.refused),
            expires_at=ticket.expires_at,
        )
        if ticket.version:
            row.version = ticket.version
        row.save()
        return ticket.model_copy(update={"version": int(row.version)})

    def close_ticket(self, ticket: AgentTicket) -> None:
        row = AgentSessionRow(ticket.tenant_id, _ticket_key(ticket.ticket_hash))
        row.version = ticket.version
        try:
            row.delete()
        except DeleteError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise  # else a later call of the session saved it meanwhile; its TTL ends it
