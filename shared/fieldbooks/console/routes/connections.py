"""Connect, reconnect, disconnect, settings and reference lists of the tenant's accounting connections."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.shared.cookies import Cookie, SameSite
from pydantic import BaseModel

from fieldbooks import registry
from fieldbooks.connections import lifecycle
from fieldbooks.console import conflicts, reference_lists
from fieldbooks.console.reference_lists import ReferenceListsView
from fieldbooks.console.routes.context import caller, services
from fieldbooks.console.status import ConnectionStatusView, connection_status
from fieldbooks.domain.models import Connection, ConnectionSettings, ConnectionStatus, Provider

router = Router()


class ConnectionSummary(BaseModel):
    provider: Provider
    provider_name: str
    status: ConnectionStatus
    company_name: str
    remote_company_id: str
    connected_at: datetime
    pull_interval_minutes: int

    @classmethod
    def of(cls, connection: Connection) -> ConnectionSummary:
        return cls(
            provider=connection.provider,
            provider_name=connection.provider.label,
            status=connection.status,
            company_name=connection.company_name,
            remote_company_id=connection.remote_company_id,
            connected_at=connection.connected_at,
            pull_interval_minutes=connection.pull_interval_minutes,
        )


class ConnectionList(BaseModel):
    items: list[ConnectionSummary]


class AuthorizeReply(BaseModel):
    authorize_url: str


@router.get("/connections")
def list_connections() -> ConnectionList:
    found = services(router).connections.list_for_tenant(caller(router).tenant_id)
    return ConnectionList(items=[ConnectionSummary.of(c) for c in found])


@router.get("/connections/<provider>")
def get_connection_status(provider: Annotated[Provider, Path()]) -> ConnectionStatusView:
    """The integrations card: state, last pull and push, next scheduled pull, the run under way."""
    return connection_status(caller(router).tenant_id, provider, services(router))


@router.post("/connections/<provider>/authorize")
def authorize_connection(provider: Annotated[Provider, Path()]) -> Response[AuthorizeReply]:
    """Also sets the cookie that binds the flow to this browser: the callback refuses a consent link
    finished anywhere else (connections/browser_binding.py)."""
    oauth = registry.oauth(provider, services(router))
    callback_url = registry.callback_url(services(router), provider)
    started = lifecycle.start_connect(caller(router), provider, oauth, callback_url, services(router))
    browser = started.browser
    cookie = Cookie(
        name=browser.name,
        value=browser.value,
        path=browser.path,
        secure=browser.secure,
        http_only=True,
        same_site=SameSite.LAX_MODE,
        max_age=browser.max_age,
    )
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=AuthorizeReply(authorize_url=started.authorize_url),
        cookies=[cookie],
        # The reply carries a secret in its cookie: no shared cache may keep it.
        headers={"Cache-Control": "no-store"},
    )


@router.delete("/connections/<provider>")
def disconnect_connection(provider: Annotated[Provider, Path()]) -> ConnectionSummary:
    oauth = registry.oauth(provider, services(router))
    return ConnectionSummary.of(lifecycle.disconnect(caller(router), provider, oauth, services(router)))


@router.get("/connections/<provider>/settings")
def get_connection_settings(provider: Annotated[Provider, Path()]) -> ConnectionSettings:
    return lifecycle.get_settings(caller(router).tenant_id, provider, services(router))


@router.put("/connections/<provider>/settings")
def put_connection_settings(provider: Annotated[Provider, Path()], settings: ConnectionSettings) -> ConnectionSettings:
    tenant_id = caller(router).tenant_id
    before = lifecycle.get_settings(tenant_id, provider, services(router))
    caller(router).require_admin()  # before the check: a member learns nothing of the company's lists
    reference_lists.check_settings(tenant_id, provider, before, settings, services(router))
    saved = lifecycle.put_settings(caller(router), provider, settings, services(router))
    if saved.name_individuals_with_company and not before.name_individuals_with_company:
        # The rule can settle duplicate names among individuals: push the contacts stuck on one again.
        conflicts.retry_after_naming_rule(services(router).connections.get(tenant_id, provider), services(router))
    return saved


@router.get("/connections/<provider>/reference-lists")
def get_reference_lists(provider: Annotated[Provider, Path()]) -> ReferenceListsView:
    """The tax codes, tax rates and income accounts the settings' pick lists offer, as last pulled."""
    return reference_lists.view(caller(router).tenant_id, provider, services(router))


@router.post("/connections/<provider>/reference-lists/refresh")
def refresh_reference_lists(provider: Annotated[Provider, Path()]) -> ReferenceListsView:
    """Admin/owner: reads the lists from accounting now and hands them to the SaaS."""
    return reference_lists.refresh(caller(router), provider, services(router))
