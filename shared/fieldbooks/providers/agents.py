"""The seam's part for QUEUE providers whose agent polls us (the Web Connector; later an on-prem agent).

The package speaks the agent's wire and knows its company files; the engine (sync/agent_session.py)
runs the session. Kept beside contract.py so the seam's main module stays short.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SendAgain:
    """A look-up's answer: the item goes back to the queue and is sent afresh. `version` is the
    record's current one when an update re-read it (a stale version); None after a create's look-up
    found nothing (so nothing was made and the create goes again)."""

    version: str | None = None


# ---------------------------------------------------------------- agents that poll us (QUEUE)
@dataclass(frozen=True)
class CompanyFile:
    """The company a polling agent has open, as its first message of a session reports it."""

    path: str
    file_id: str | None = None  # the id we stamped into the company on the first session, if any


class AgentSession(Protocol):
    """What the engine does for each call of a polling agent's session (the package speaks the wire)."""

    def server_version(self) -> str: ...

    def client_version(self, version: str) -> str:
        """ "" to go on, or the agent's warn / refuse answer."""

    def authenticate(self, user: str, password: str) -> list[str]: ...

    def next_request(self, ticket: str, hello: str, company_path: str) -> str:
        """The next request message, or "" (then the agent asks `last_error`)."""

    def take_response(self, ticket: str, response: str, hresult: str, message: str) -> int:
        """Percent done (100: the session ends), or -1 (then the agent asks `last_error`)."""

    def connection_error(self, ticket: str, hresult: str, message: str) -> str: ...

    def last_error(self, ticket: str) -> str: ...

    def close(self, ticket: str) -> str: ...


class AgentProtocol(Protocol):
    """A polling agent's wire: reads one call, runs it against an `AgentSession`, writes the reply.
    Never raises: a call it cannot read or that fails is answered with the wire's own fault."""

    content_type: str

    def handle(self, body: bytes, headers: Mapping[str, str], session: AgentSession) -> tuple[int, bytes]: ...

    def company_file(self, hello: str, path: str, owner_id: str) -> CompanyFile:
        """The company the session's first message reports (its path, and the id we stamped, if any)."""

    def failure_sentence(self, hresult: str, message: str) -> str:
        """What a bookkeeper is told when the agent could not open the company."""


class ServesAgents(Protocol):
    """A QUEUE package whose agent polls us also has this (ProviderPackage's optional part)."""

    owner_id: str  # the application's id the agent stamps next to our file id in the company

    def agent_protocol(self) -> AgentProtocol: ...

    def setup_file(self, app_url: str, user_name: str, file_id: str, every_minutes: int, company: str) -> str:
        """The file a bookkeeper adds to the agent (its address, user name, file id and schedule)."""
