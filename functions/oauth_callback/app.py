"""OAuth callback: where the provider sends the browser back after consent.

No console token arrives here (it is a top-level browser navigation from the provider), so the
tenant comes only from the consumed state row. The browser is sent back to the Integrations page
with the outcome in the query string; a caller asking for JSON gets the same outcome as JSON.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from fieldbooks import registry
from fieldbooks.connections.lifecycle import CallbackParams, complete_connect
from fieldbooks.console.http_errors import register_error_responses, status_for
from fieldbooks.domain.errors import FieldbooksError, ValidationFailed
from fieldbooks.domain.models import Provider
from fieldbooks.observability import logger
from fieldbooks.services import Services

# A redirect has no body; the JSON answer is a flat object of strings.
Outcome = Response[dict[str, str] | None]
MAX_COMPANY_ID = 64

app = APIGatewayHttpResolver(enable_validation=True)
register_error_responses(app)
services = Services.from_environment()


@app.get("/oauth/<provider>/callback")
def oauth_callback(
    provider: Annotated[Provider, Path()],
    state: Annotated[str | None, Query(max_length=512)] = None,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    error: Annotated[str | None, Query(max_length=100)] = None,
    error_description: Annotated[str | None, Query(max_length=500)] = None,
) -> Outcome:
    try:
        # The company chosen at consent arrives under the provider's own parameter name (its descriptor's).
        name = registry.descriptor(provider).company_id_parameter
        company_id = app.current_event.get_query_string_value(name) if name else None
        params = CallbackParams(
            state=state, code=code, company_id=_bounded(company_id), error=error, error_description=error_description
        )
        connection = complete_connect(provider, params, registry.oauth(provider, services), services)
    except FieldbooksError as failure:
        status = status_for(failure)
        if status == 500:  # the provider failed us (Transient): its message is still a sentence for people
            logger.exception("OAuth callback could not finish")
            status = 502
        else:
            logger.info("OAuth callback refused", extra={"provider": provider.value, "reason": failure.message})
        return _outcome(provider, status, "error", failure.message)
    message = f"Connected to {connection.company_name}."
    return _outcome(provider, 200, "connected", message, company_name=connection.company_name)


def _bounded(company_id: str | None) -> str | None:
    """Company ids are short; anything longer than any provider's is not one."""
    if company_id is not None and len(company_id) > MAX_COMPANY_ID:
        raise ValidationFailed("The sign-in reply named no valid company. Connect again.")
    return company_id


def _outcome(provider: Provider, status: int, outcome: str, message: str, **extra: str) -> Outcome:
    if "application/json" in (app.current_event.headers.get("accept") or ""):
        body = {"provider": provider.value, "status": outcome, "message": message, **extra}
        return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)
    query = urlencode({"provider": provider.value, "status": outcome, "message": message})
    return Response(status_code=302, headers={"Location": f"{services.settings.console_return_url}?{query}"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
