"""Connect, reconnect, disconnect, settings, and the needs-reauth transition, for OAuth providers.

The tenant in every step comes from a verified console token (start, disconnect, settings) or from
the consumed state row (callback), never from the browser's query string. A callback that fails for
any reason writes nothing: the connection row is saved last, after the provider has confirmed the
company the redirect names and the company has been claimed for this tenant (one tenant per company,
store/company_claims.py), and a grant obtained for a refused callback is revoked. Only the browser that
started the flow can finish it (connections/browser_binding.py).
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from fieldbooks.connections import browser_binding
from fieldbooks.connections.browser_binding import BrowserBinding
from fieldbooks.connections.settings_changes import log_settings_change
from fieldbooks.domain.actors import Actor
from fieldbooks.domain.credentials import OAuthTokens
from fieldbooks.domain.errors import AuthExpired, Conflict, StaleVersion, Transient, ValidationFailed
from fieldbooks.domain.models import (
    Connection,
    ConnectionSettings,
    ConnectionStatus,
    Direction,
    Provider,
    RunKind,
    SyncStatus,
)
from fieldbooks.observability import logger
from fieldbooks.providers.contract import AsksForCompany, OAuthEndpoints
from fieldbooks.queues.pull_jobs import PullJob
from fieldbooks.security.token_vault import seal, token_context, unseal
from fieldbooks.services import Services
from fieldbooks.store.company_claims import CompanyClaimStore, CompanyTaken
from fieldbooks.store.oauth_states import ConsumedState, OAuthStateStore

if TYPE_CHECKING:
    from fieldbooks.security.tenant_tokens import TenantCaller  # jwt: only the console verifies tokens

EVENT_SOURCE = "fieldbooks"
NEEDS_REAUTH_EVENT = "connection.needs_reauth"
NEEDS_REAUTH_DETAIL = "Authentication expired — reconnect"
SAVE_ATTEMPTS = 5  # other writers (scheduler claims, token refreshes) only ever bump the version briefly
MAX_COMPANY_NAME = 200
# The callback errors OAuth 2.0 defines (RFC 6749 4.1.2.1); providers send access_denied and invalid_scope
# (providers.md 1.1). Each gets our own sentence; the provider's description is never shown.
CONSENT_ERROR_CODE = re.compile(r"[a-z_]{1,40}")
CONSENT_ERRORS = {
    "access_denied": "Access to {label} was not granted, so nothing was connected. Connect again to retry.",
    "invalid_scope": (
        "{label} did not grant the access Fieldbooks needs, so nothing was connected. "
        "Connect again and allow access to the company's accounting data."
    ),
    "server_error": "{label} could not finish the sign-in just now, so nothing was connected. Try again in a minute.",
    "temporarily_unavailable": (
        "{label} could not finish the sign-in just now, so nothing was connected. Try again in a minute."
    ),
}
# PKCE's code verifier (RFC 7636 4.1: 43-128 unreserved characters); 64 random bytes make 86.
CODE_VERIFIER_BYTES = 64
GENERIC_CONSENT_ERROR = (
    "{label} could not finish the sign-in, so nothing was connected. Start again from the Integrations page."
)


@dataclass(frozen=True)
class CallbackParams:
    """What the provider appends to the redirect URI (providers.md 1.1), and the starting browser's cookie."""

    state: str | None = None
    code: str | None = None
    company_id: str | None = None  # the redirect parameter its descriptor names
    # The descriptor names no such parameter: the provider is asked which company the grant covers.
    company_from_provider: bool = False
    error: str | None = None
    error_description: str | None = None  # logged, never shown: it is the provider's text, not ours
    browser_secret: str | None = None  # the cookie `start_connect` set (connections/browser_binding.py)


@dataclass(frozen=True)
class ConnectStart:
    authorize_url: str
    browser: BrowserBinding  # the cookie the authorize reply sets


def start_connect(
    caller: TenantCaller, provider: Provider, oauth: OAuthEndpoints, callback_url: str, services: Services
) -> ConnectStart:
    """The consent URL, bound to the caller's browser; a reconnect (needs re-authorisation or
    disconnected) starts here too."""
    caller.require_admin()
    existing = services.connections.find(caller.tenant_id, provider)
    if existing is not None and existing.status is ConnectionStatus.CONNECTED:
        raise Conflict(
            f"{provider.label} is already connected to {existing.company_name}. Disconnect it before connecting again."
        )
    secret = browser_binding.new_secret()
    # Every flow gets a PKCE verifier (kept with the state); a provider without PKCE ignores it.
    verifier = secrets.token_urlsafe(CODE_VERIFIER_BYTES)
    state = OAuthStateStore().issue(
        caller.tenant_id, provider, caller.user_id, browser_binding.digest(secret), code_verifier=verifier
    )
    return ConnectStart(
        oauth.authorize_url(state, code_verifier=verifier), browser_binding.binding(state, secret, callback_url)
    )


def complete_connect(
    provider: Provider, params: CallbackParams, oauth: OAuthEndpoints, services: Services
) -> Connection:
    # The state is consumed first, whatever the outcome, so a callback URL works at most once; only
    # from the browser that started the flow (another browser's attempt leaves it for the owner).
    consumed = OAuthStateStore().consume(params.state, provider, browser_binding.digest(params.browser_secret))
    if params.error:
        raise ValidationFailed(_consent_error(provider, params.error, params.error_description))
    if not params.code or not (params.company_id or params.company_from_provider):
        raise ValidationFailed(f"{provider.label} did not send the sign-in details back. Connect again.")
    existing = services.connections.find(consumed.tenant_id, provider)
    tokens = oauth.exchange_code(params.code, code_verifier=consumed.code_verifier)
    try:
        company_id = params.company_id or _chosen_company(provider, oauth, tokens)
        connection = _connect(consumed, provider, company_id, tokens, existing, oauth, services)
    except CompanyTaken:
        # Not revoked: the grant is our app's connection to a company another tenant syncs, and
        # revoking either token of a connection disconnects it (providers.md 1.1), which would cut
        # that tenant off. These tokens were never stored, so nobody can use them.
        raise
    except Exception:
        _revoke_quietly(oauth, tokens.refresh_token)  # refused or failed: leave no grant behind
        raise
    _queue_initial_run(connection, services)
    return connection


def disconnect(caller: TenantCaller, provider: Provider, oauth: OAuthEndpoints, services: Services) -> Connection:
    """Revokes at the provider and forgets the tokens; links and the sync log stay for a reconnect."""
    caller.require_admin()
    connection = services.connections.get(caller.tenant_id, provider)
    if connection.sealed_tokens:
        try:
            tokens = unseal(connection.sealed_tokens, token_context(caller.tenant_id, provider.value), services.kms)
            # Revoking the refresh token ends the whole grant (providers.md 1.1).
            _revoke_quietly(oauth, tokens.refresh_token)
        except AuthExpired:
            logger.warning("Stored tokens unreadable at disconnect; nothing to revoke")
    disconnected = _save_with_retries(
        caller.tenant_id,
        provider,
        services,
        status=ConnectionStatus.DISCONNECTED,
        sealed_tokens=None,
        refresh_lease_until=None,
    )
    # Only once nothing syncs with it: another tenant may connect the company from now on.
    CompanyClaimStore().release(provider, disconnected.remote_company_id, caller.tenant_id)
    return disconnected


def get_settings(tenant_id: str, provider: Provider, services: Services) -> ConnectionSettings:
    return services.connections.get(tenant_id, provider).settings


def put_settings(
    caller: TenantCaller, provider: Provider, settings: ConnectionSettings, services: Services
) -> ConnectionSettings:
    """A full replacement, so re-applying it to a fresher row after a version race is safe."""
    caller.require_admin()
    before = services.connections.get(caller.tenant_id, provider).settings
    saved = _save_with_retries(caller.tenant_id, provider, services, settings=settings)
    log_settings_change(saved, before, services)  # by the request's user (domain/actors.py)
    return saved.settings


def mark_needs_reauth(tenant_id: str, provider: Provider, services: Services) -> None:
    """Pauses the connection's work (nothing is dropped: a reconnect queues a run that catches up) and
    tells the SaaS once, on the transition, so the Integrations page can ask for a reconnect."""
    for _ in range(SAVE_ATTEMPTS):
        connection = services.connections.get(tenant_id, provider)
        if connection.status is not ConnectionStatus.CONNECTED:
            return  # already paused (or disconnected): whoever made that change told the SaaS
        try:
            connection = services.connections.save(
                connection.model_copy(update={"status": ConnectionStatus.NEEDS_REAUTH, "refresh_lease_until": None})
            )
            break
        except StaleVersion:
            continue
    else:
        raise Transient("The connection is busy; its re-authorisation will be recorded on the next try.")
    services.sync_log.write(
        tenant_id,
        provider=provider,
        entity="connection",
        direction=Direction.TO_ACCOUNTING,
        status=SyncStatus.ERROR,
        action="authenticate",
        detail=NEEDS_REAUTH_DETAIL,
        remote_id=connection.remote_company_id,
    )
    services.events.put_events(
        Entries=[
            {
                "EventBusName": services.settings.saas_event_bus_name,
                "Source": EVENT_SOURCE,
                "DetailType": NEEDS_REAUTH_EVENT,
                "Detail": json.dumps(
                    {
                        "tenant_id": tenant_id,
                        "provider": provider.value,
                        "company_name": connection.company_name,
                        "message": f"{provider.label} needs you to reconnect: {NEEDS_REAUTH_DETAIL}.",
                    }
                ),
            }
        ]
    )


# ---- internals
def _chosen_company(provider: Provider, oauth: OAuthEndpoints, tokens: OAuthTokens) -> str:
    """The company the new grant covers, as the provider says (its redirect does not name it)."""
    if not isinstance(oauth, AsksForCompany):
        raise ValidationFailed(f"{provider.label} did not say which company was chosen. Connect again.")
    return oauth.chosen_company(tokens.access_token)


def _connect(
    consumed: ConsumedState,
    provider: Provider,
    company_id: str,
    tokens: OAuthTokens,
    existing: Connection | None,
    oauth: OAuthEndpoints,
    services: Services,
) -> Connection:
    """Everything after the code exchange; any failure here leaves nothing connected."""
    if existing is not None and existing.remote_company_id != company_id:
        # One company per tenant: the links Fieldbooks keeps name the first company's records.
        raise Conflict(
            f"This account is already linked to the {provider.label} company {existing.company_name}, "
            f"so another company was not connected. Choose {existing.company_name} when {provider.label} "
            "asks, or contact support to move the account to another company."
        )
    # The provider's own answer proves the grant covers the company the redirect names: a company id
    # changed on the way back (consent for one company, callback naming another) is refused here.
    company_name = _printable(oauth.company_name(company_id, tokens.access_token), provider)
    # Before the connection row: a company that another tenant's live connection holds is refused by
    # a conditional write, so two tenants finishing at once cannot both get it.
    claims = CompanyClaimStore()
    claims.claim(provider, company_id, consumed.tenant_id)
    fresh_claim = existing is None or existing.status is ConnectionStatus.DISCONNECTED
    try:
        return _save_connected(consumed, provider, company_id, company_name, tokens, existing, services)
    except Exception:
        if fresh_claim:  # give back only what this attempt took, never a live connection's claim
            claims.release(provider, company_id, consumed.tenant_id)
        raise


def _save_connected(
    consumed: ConsumedState,
    provider: Provider,
    company_id: str,
    company_name: str,
    tokens: OAuthTokens,
    existing: Connection | None,
    services: Services,
) -> Connection:
    sealed = _seal(consumed.tenant_id, provider, tokens, services)
    now = datetime.now(UTC)
    if existing is None:
        return services.connections.save(
            Connection(
                tenant_id=consumed.tenant_id,
                provider=provider,
                status=ConnectionStatus.CONNECTED,
                remote_company_id=company_id,
                company_name=company_name,
                connected_by=consumed.user_id,
                connected_at=now,
                sealed_tokens=sealed,
            )
        )
    # A reconnect of the same company: settings, links and the log carry on.
    return _save_with_retries(
        consumed.tenant_id,
        provider,
        services,
        status=ConnectionStatus.CONNECTED,
        company_name=company_name,
        connected_by=consumed.user_id,
        connected_at=now,
        sealed_tokens=sealed,
        refresh_lease_until=None,
        paused_until=None,
    )


def _printable(company_name: str, provider: Provider) -> str:
    """The company's name is the provider's text: shown as data, so without control characters and
    bounded; our messages carry it, nothing else the provider says."""
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in company_name).split())
    return cleaned[:MAX_COMPANY_NAME] or f"your {provider.label} company"


def _seal(tenant_id: str, provider: Provider, tokens: OAuthTokens, services: Services) -> str:
    return seal(tokens, services.settings.tokens_kms_key_id, token_context(tenant_id, provider.value), services.kms)


def _save_with_retries(tenant_id: str, provider: Provider, services: Services, **changes: object) -> Connection:
    for _ in range(SAVE_ATTEMPTS):
        current = services.connections.get(tenant_id, provider)
        try:
            return services.connections.save(current.model_copy(update=changes))
        except StaleVersion:
            continue
    raise Transient("The connection is busy; try again in a moment.")


def _queue_initial_run(connection: Connection, services: Services) -> None:
    """A reconnect also gets an initial run: it re-matches and catches up what waited meanwhile."""
    connector = Actor.user(connection.connected_by)  # the callback has no token: the state row named them
    run = services.runs.create(connection.tenant_id, connection.provider, RunKind.INITIAL, started_by=connector)
    job = PullJob(tenant_id=connection.tenant_id, provider=connection.provider, run_id=run.run_id, acted_by=connector)
    services.sqs.send_message(QueueUrl=services.settings.pull_queue_url, MessageBody=job.model_dump_json())


def _revoke_quietly(oauth: OAuthEndpoints, token: str) -> None:
    try:
        oauth.revoke(token)
    except Transient:
        logger.warning("Could not revoke a token at the provider; it lapses on its own")


def _consent_error(provider: Provider, error: str, description: str | None) -> str:
    """Our sentence for the provider's error code; its `error_description` (and anything else the
    query carried) is logged for us and never shown: it is text anyone can put in a link."""
    code = error if CONSENT_ERROR_CODE.fullmatch(error) else "unrecognised"
    logger.info(
        "Consent refused at the provider",
        extra={"provider": provider.value, "error": code, "description": (description or "")[:200]},
    )
    sentence = CONSENT_ERRORS.get(code, GENERIC_CONSENT_ERROR)
    return sentence.format(label=provider.label)
