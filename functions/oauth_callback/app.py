"""OAuth callback: where the provider sends the browser back after consent.

No console token arrives here (it is a top-level browser navigation from the provider), so the
tenant comes only from the consumed state row, and only for the browser holding the cookie the
authorize call set. The browser is sent back to the Integrations page with the outcome in the query
string; a caller asking for JSON gets the same outcome as JSON. Every message is one of our own
sentences (the provider's `error_description` and other query text are never shown), and the
binding cookie is cleared whatever the outcome.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode, urlsplit

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.shared.cookies import Cookie
from aws_lambda_powertools.utilities.typing import LambdaContext

from fieldbooks import registry
from fieldbooks.connections import browser_binding
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
            state=state,
            code=code,
            company_id=_bounded(company_id),
            company_from_provider=name is None,
            error=error,
            error_description=error_description,
            browser_secret=browser_binding.secret_from(app.current_event.cookies, state),
        )
        connection = complete_connect(provider, params, registry.oauth(provider, services), services)
    except FieldbooksError as failure:
        status = status_for(failure)
        if status == 500:  # the provider failed us (Transient): our message says so, in our words
            logger.exception("OAuth callback could not finish")
            status = 502
        else:
            logger.info("OAuth callback refused", extra={"provider": provider.value, "reason": failure.message})
        return _outcome(provider, status, "error", failure.message, state=state)
    message = f"Connected to {connection.company_name}."
    return _outcome(provider, 200, "connected", message, state=state, company_name=connection.company_name)


@app.exception_handler(RequestValidationError)
def unreadable_reply(error: RequestValidationError) -> Response:
    """A query that fails validation (an oversized parameter) is still the browser coming back: it
    gets the Integrations page with our sentence, never the validator's text about its input."""
    provider = _provider_in_path()
    if provider is None:
        return Response(status_code=404, content_type=content_types.APPLICATION_JSON, body={"message": "Not Found"})
    logger.info("OAuth callback unreadable", extra={"provider": provider.value, "errors": len(error.errors())})
    message = f"The reply from {provider.label} could not be read, so nothing was connected. Connect again."
    return _outcome(provider, 400, "error", message, state=app.current_event.get_query_string_value("state"))


def _bounded(company_id: str | None) -> str | None:
    """Company ids are short; anything longer than any provider's is not one."""
    if company_id is not None and len(company_id) > MAX_COMPANY_ID:
        raise ValidationFailed("The sign-in reply named no valid company. Connect again.")
    return company_id


def _provider_in_path() -> Provider | None:
    """The provider segment of ".../oauth/<provider>/callback" (a stage prefix may come before it)."""
    segments = app.current_event.path.rstrip("/").split("/")
    try:
        return Provider(segments[-2]) if len(segments) >= 2 else None
    except ValueError:
        return None


def _outcome(provider: Provider, status: int, outcome: str, message: str, state: str | None, **extra: str) -> Outcome:
    cookies = [_expired_binding(provider, state)] if state else []
    if "application/json" in (app.current_event.headers.get("accept") or ""):
        body = {"provider": provider.value, "status": outcome, "message": message, **extra}
        return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body, cookies=cookies)
    query = urlencode({"provider": provider.value, "status": outcome, "message": message})
    location = f"{services.settings.console_return_url}?{query}"
    return Response(status_code=302, headers={"Location": location}, cookies=cookies)


def _expired_binding(provider: Provider, state: str) -> Cookie:
    """The flow is over (or refused): its cookie has nothing left to prove."""
    path = urlsplit(registry.callback_url(services, provider)).path
    return Cookie(name=browser_binding.cookie_name(state), value="", path=path, http_only=True, max_age=0)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
