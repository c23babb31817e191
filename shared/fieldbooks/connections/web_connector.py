"""Web Connector credentials and tickets: the user name and slow-hashed password a tenant's agent signs
in with, the file id it stamps in the company, and the random, tenant-bound tickets of its sessions.

The user name carries the tenant (`fieldbooks.<tenant id>`: unique per tenant, as the .qwc needs),
but only the password, checked against the tenant's own scrypt hash, makes it that tenant's session.
A ticket is `<tenant id>.<random>`: the row is found under that tenant only and holds the random
part's hash, so a ticket never opens another tenant's session. Passwords are never stored or logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, datetime

from fieldbooks.domain.errors import ValidationFailed
from fieldbooks.domain.models import Connection, ConnectionStatus, Provider
from fieldbooks.security.tenant_tokens import TenantCaller
from fieldbooks.services import Services
from fieldbooks.store.agent_sessions import AgentCredentials, AgentTicket

USER_PREFIX = "fieldbooks."
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1  # ~16 MB and tens of ms per check: slow to guess offline
PASSWORD_MIN, PASSWORD_MAX = 10, 128
# Checked when the user is unknown, so a wrong user name takes as long as a wrong password.
_DECOY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


def user_name(tenant_id: str) -> str:
    return f"{USER_PREFIX}{tenant_id}"


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    encoded = (base64.b64encode(salt).decode(), base64.b64encode(digest).decode())
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encoded[0]}${encoded[1]}"


def password_matches(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def credentials(tenant_id: str, provider: Provider, services: Services) -> AgentCredentials:
    """The tenant's credentials row, made on first use (a file id per tenant, the user name)."""
    found = services.agent_sessions.credentials(tenant_id, provider)
    if found is not None:
        return found
    made = AgentCredentials(
        tenant_id=tenant_id,
        provider=provider,
        user_name=user_name(tenant_id),
        file_id="{" + str(uuid.uuid4()).upper() + "}",
    )
    return services.agent_sessions.save_credentials(made)


def set_password(caller: TenantCaller, provider: Provider, password: str, services: Services) -> Connection:
    """Sets the agent's password and connects the provider (no OAuth: the password is the grant)."""
    caller.require_admin()
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX or not password.strip():
        raise ValidationFailed(f"Choose a password of {PASSWORD_MIN} to {PASSWORD_MAX} characters.")
    current = credentials(caller.tenant_id, provider, services)
    services.agent_sessions.save_credentials(current.model_copy(update={"password_hash": hash_password(password)}))
    connection = services.connections.find(caller.tenant_id, provider)
    changes = {"status": ConnectionStatus.CONNECTED, "connected_by": caller.user_id, "connected_at": datetime.now(UTC)}
    if connection is not None:
        return services.connections.save(connection.model_copy(update=changes))
    return services.connections.save(
        Connection(
            tenant_id=caller.tenant_id,
            provider=provider,
            remote_company_id=current.file_id,
            company_name=f"{provider.label} company file",
            **changes,  # type: ignore[arg-type]
        )
    )


def tenant_signing_in(provider: Provider, name: str, password: str, services: Services) -> str | None:
    """The tenant whose agent this is, or None (wrong user or password: the same answer, the same time)."""
    tenant_id = name.removeprefix(USER_PREFIX) if name.startswith(USER_PREFIX) else ""
    found = services.agent_sessions.credentials(tenant_id, provider) if tenant_id else None
    stored = found.password_hash if found is not None and found.user_name == name else None
    matches = password_matches(password, stored or _DECOY)
    return tenant_id if matches and stored else None


def _ticket_hash(secret_part: str) -> str:
    return hashlib.sha256(secret_part.encode()).hexdigest()


def issue_ticket(tenant_id: str, provider: Provider, services: Services) -> tuple[str, AgentTicket]:
    secret_part = secrets.token_urlsafe(32)  # no "." in URL-safe base64: the tenant part splits off cleanly
    row = services.agent_sessions.open_ticket(tenant_id, provider, _ticket_hash(secret_part))
    return f"{tenant_id}.{secret_part}", row


def ticket_session(ticket: str, provider: Provider, services: Services) -> AgentTicket | None:
    """The open session a ticket names, or None (unknown, expired, closed, another provider's)."""
    tenant_id, _, secret_part = ticket.rpartition(".")
    if not tenant_id or not secret_part or len(ticket) > 200:
        return None
    found = services.agent_sessions.ticket(tenant_id, _ticket_hash(secret_part))
    return found if found is not None and found.provider is provider else None
