"""One polling agent's session (the Web Connector's send/receive cycle) on the engine's QUEUE transport.

The package speaks the wire (SOAP); this module decides. `authenticate` checks the password and opens
a ticket bound to the tenant; the first `next_request` pins the company file (later sessions with
another file are refused: a sentence in `last_error` and the sync log, nothing sent); each request is
`outbox.next_message` and each response `outbox.receive`, with the percent done from what is left.
Session state lives in the table (calls of one session may land on different containers).
"""

from __future__ import annotations

import secrets

from fieldbooks import registry
from fieldbooks.connections import web_connector
from fieldbooks.domain.errors import FieldbooksError
from fieldbooks.domain.models import Direction, Provider, SyncStatus
from fieldbooks.observability import logger
from fieldbooks.providers.agents import AgentProtocol, CompanyFile
from fieldbooks.services import Services
from fieldbooks.store.agent_sessions import AgentTicket
from fieldbooks.sync import outbox
from fieldbooks.sync.push import Push

SERVER_VERSION = "Fieldbooks 1.0"
MAX_MESSAGES = 50  # request messages per session: a session that cannot finish still ends
INVALID_USER = "nvu"
ENDED = "This session has ended; the Web Connector starts a new one on its next run."


class QueueSession:
    def __init__(self, provider: Provider, services: Services) -> None:
        self.provider = provider
        self.services = services
        self.package = registry.agent(provider)
        self.protocol: AgentProtocol = self.package.agent_protocol()

    def server_version(self) -> str:
        return SERVER_VERSION

    def client_version(self, version: str) -> str:
        return ""  # every Web Connector 2.x speaks the operations we use

    def authenticate(self, user: str, password: str) -> list[str]:
        tenant_id = web_connector.tenant_signing_in(self.provider, user, password, self.services)
        connection = self.services.connections.find(tenant_id, self.provider) if tenant_id else None
        if tenant_id is None or connection is None or not connection.is_active:
            return [secrets.token_urlsafe(32), INVALID_USER]  # a ticket that opens nothing
        ticket, _ = web_connector.issue_ticket(tenant_id, self.provider, self.services)
        logger.info("Web Connector session opened", extra={"tenant_id": tenant_id})
        return [ticket, ""]  # "": work with the company file that is open (checked on the first request)

    def next_request(self, ticket: str, hello: str, company_path: str) -> str:
        session = self._session(ticket)
        if session is None or session.refused or session.messages >= MAX_MESSAGES:
            return ""
        connection = self.services.connections.get(session.tenant_id, self.provider)
        if not connection.is_active:
            return self._refuse(session, "The connection to Fieldbooks is switched off; reconnect it first.")
        company = self.protocol.company_file(hello, company_path, self.package.owner_id)
        if (refusal := self._company_refusal(session.tenant_id, company)) is not None:
            self._log(session.tenant_id, refusal)
            return self._refuse(session, refusal)
        message = outbox.next_message(Push(connection, self.services))
        if message is None:
            self._save(session, last_error="", awaiting_response=False)
            return ""
        self._save(session, messages=session.messages + 1, awaiting_response=True, last_error="")
        return message

    def take_response(self, ticket: str, response: str, hresult: str, message: str) -> int:
        session = self._session(ticket)
        if session is None:
            return -1
        if hresult:
            label = registry.descriptor(self.provider).label
            sentence = f"{label} could not run the request ({hresult}); it is sent again on the next run."
            self._save(session, last_error=sentence, awaiting_response=False)
            return -1
        connection = self.services.connections.get(session.tenant_id, self.provider)
        try:
            settled = outbox.receive(Push(connection, self.services), response)
        except FieldbooksError as error:
            self._save(session, last_error=f"The response could not be read: {error.message}", awaiting_response=False)
            return -1
        session = self._save(session, settled=session.settled + len(settled), awaiting_response=False)
        left = len(self.services.work_items.waiting(session.tenant_id, self.provider, outbox.OUTBOX_READ))
        if left == 0 or session.messages >= MAX_MESSAGES:
            return 100
        return max(1, min(99, 100 * session.settled // (session.settled + left)))

    def connection_error(self, ticket: str, hresult: str, message: str) -> str:
        session = self._session(ticket)
        sentence = self.protocol.failure_sentence(hresult, message)
        if session is not None:
            self._log(session.tenant_id, sentence)
            self._save(session, last_error=sentence)
        return "done"  # never guess another file: the bookkeeper opens the right one

    def last_error(self, ticket: str) -> str:
        session = self._session(ticket)
        return ENDED if session is None else session.last_error

    def close(self, ticket: str) -> str:
        session = self._session(ticket)
        if session is None:
            return ENDED
        self.services.agent_sessions.close_ticket(session)
        return f"Done: {session.settled} record(s) settled." if not session.refused else session.last_error

    # ---------------------------------------------------------------- internals
    def _session(self, ticket: str) -> AgentTicket | None:
        return web_connector.ticket_session(ticket or "", self.provider, self.services)

    def _save(self, session: AgentTicket, **changes: object) -> AgentTicket:
        return self.services.agent_sessions.save_ticket(session.model_copy(update=changes))

    def _refuse(self, session: AgentTicket, sentence: str) -> str:
        self._save(session, refused=True, last_error=sentence, awaiting_response=False)
        return ""

    def _company_refusal(self, tenant_id: str, company: CompanyFile) -> str | None:
        """None when the open file is the tenant's (pinned now on the first session), else the sentence."""
        credentials = web_connector.credentials(tenant_id, self.provider, self.services)
        stamped_other = company.file_id is not None and company.file_id.lower() != credentials.file_id.lower()
        if credentials.pinned_path is None and not stamped_other:
            pinned = {"pinned_path": company.path, "pinned_file_id": company.file_id or credentials.file_id}
            self.services.agent_sessions.save_credentials(credentials.model_copy(update=pinned))
            return None
        if not stamped_other and (credentials.pinned_path or "").lower() == company.path.lower():
            return None
        label = registry.descriptor(self.provider).label.removesuffix(" Desktop")
        return (
            f"{label} is open with a different company file than the one linked to Fieldbooks: "
            f'"{company.path}" is open, Fieldbooks is linked to "{credentials.pinned_path or "another file"}". '
            "Nothing was sent. Open the linked company file, then run the Web Connector again."
        )

    def _log(self, tenant_id: str, sentence: str) -> None:
        self.services.sync_log.write(
            tenant_id,
            provider=self.provider,
            entity="connection",
            direction=Direction.TO_ACCOUNTING,
            status=SyncStatus.ERROR,
            action="connect",
            detail=sentence,
        )
