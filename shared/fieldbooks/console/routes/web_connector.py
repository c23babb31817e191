"""The polling agent's setup: the file a bookkeeper adds to it (.qwc) and its password.

Only providers whose agent polls us have these routes (404 for the others, as for any unknown path).
Setting the password connects the provider: there is no OAuth, the password is the grant.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel, Field, ValidationError

from fieldbooks import registry
from fieldbooks.connections import web_connector
from fieldbooks.console.routes.context import caller, services
from fieldbooks.domain.errors import ValidationFailed
from fieldbooks.domain.models import ConnectionSettings, ConnectionStatus, Provider

router = Router()
AGENT_PATH = "/qbwc"  # the agent endpoint's route in template.yaml


class PasswordBody(BaseModel):
    password: Annotated[str, Field(min_length=1, max_length=256)]


class PasswordReply(BaseModel):
    message: str
    status: ConnectionStatus
    user_name: str


@router.get("/connections/<provider>/qwc")
def download_agent_file(provider: Annotated[Provider, Path()]) -> Response[str]:
    """The .qwc for this tenant: its own user name and file id, the schedule from the pull interval."""
    who, stack = caller(router), services(router)
    who.require_admin()
    package = registry.agent(provider)
    credentials = web_connector.credentials(who.tenant_id, provider, stack)
    connection = stack.connections.find(who.tenant_id, provider)
    minutes = (connection.settings if connection else ConnectionSettings()).pull_interval_minutes
    app_url = stack.settings.public_api_base_url.rstrip("/") + AGENT_PATH
    text = package.setup_file(app_url, credentials.user_name, credentials.file_id, minutes, who.tenant_id)
    return Response(
        status_code=200,
        content_type="application/xml",
        body=text,
        headers={"Content-Disposition": 'attachment; filename="fieldbooks.qwc"'},
    )


@router.post("/connections/<provider>/password")
def set_agent_password(provider: Annotated[Provider, Path()]) -> PasswordReply:
    """Body `{"password": "..."}`. Stores a slow hash of the password (never the password) and connects
    the provider. The body is read after the role check, so a member learns nothing from its shape."""
    who, stack = caller(router), services(router)
    who.require_admin()
    registry.agent(provider)
    try:
        body = PasswordBody.model_validate(router.current_event.json_body or {})
    except (ValidationError, ValueError, TypeError) as error:
        raise ValidationFailed('Send {"password": "..."} with the Web Connector password.') from error
    connection = web_connector.set_password(who, provider, body.password, stack)
    return PasswordReply(
        message="Password set. Add the .qwc file to the Web Connector and type this password there.",
        status=connection.status,
        user_name=web_connector.user_name(who.tenant_id),
    )
