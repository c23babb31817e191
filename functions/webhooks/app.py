"""Provider change notifications: `POST /webhooks/{provider}`.

No console token arrives here: the provider's signature over the raw body is the only credential,
and the tenant comes from the company the signed body names. The reply is quick (the provider wants
it within seconds and may hold later events back until it comes): the records are queued for the
pull worker, never read here. A 200 also answers what we take but cannot route (an unknown
company); a 401 answers a body that is not the provider's; anything else failing is a 500, which the
provider retries.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from fieldbooks import registry
from fieldbooks.console.http_errors import register_error_responses
from fieldbooks.domain.errors import NotFound, ValidationFailed
from fieldbooks.domain.models import Provider
from fieldbooks.observability import logger
from fieldbooks.queues.webhook_intake import take_delivery
from fieldbooks.services import Services

MAX_BODY = 1_048_576  # deliveries are a few kB; a megabyte is thousands of events

app = APIGatewayHttpResolver(enable_validation=True)
register_error_responses(app)
services = Services.from_environment()


class Acknowledged(BaseModel):
    message: str


@app.post("/webhooks/<provider>")
def receive_webhook(provider: Annotated[str, Path()]) -> Response[Acknowledged | None]:
    receiver = registry.webhooks(_provider_named(provider), services)
    body = _raw_body()
    receiver.verify(body, {name.lower(): value for name, value in app.current_event.headers.items()})
    taken = take_delivery(Provider(provider), receiver.notifications(body), services)
    if getattr(receiver, "acknowledges_with_empty_body", False):
        # Some providers check that the 200 carries no body (a subscription handshake may).
        return Response(status_code=200)
    acknowledged = Acknowledged(message=f"Received; {len(taken.run_ids)} pull(s) queued.")
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=acknowledged)


def _provider_named(name: str) -> Provider:
    try:
        return Provider(name)
    except ValueError as error:
        raise NotFound("There is no webhook here.") from error


def _raw_body() -> bytes:
    """The bytes the provider signed: API Gateway passes a JSON body as text, anything else base64."""
    event = app.current_event
    text = event.get("body") or ""
    if len(text) > MAX_BODY * 4 // 3 + 4:
        raise ValidationFailed("The notification is too large.")
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(text, validate=True)
        except binascii.Error as error:
            raise ValidationFailed("The notification could not be read.") from error
    return text.encode()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
