"""The polling agent's endpoint, where the Web Connector on a customer's PC asks for work.

No console token arrives here: the agent signs in with its user name and password (`authenticate`)
and carries the ticket it got on every later call. The wire (SOAP) is the provider package's; the
session is the engine's (sync/agent_session.py). Every answer is the wire's envelope, a fault
included; a body too large is refused before it is parsed.
"""

from __future__ import annotations

import base64
import binascii
import os

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from fieldbooks import registry
from fieldbooks.domain.models import Provider
from fieldbooks.observability import logger
from fieldbooks.services import Services
from fieldbooks.sync.agent_session import QueueSession

MAX_BODY = 4_000_000  # the largest response message is tens of kB; a 10 MB body is refused unread

app = APIGatewayHttpResolver()
services = Services.from_environment()
provider = Provider(os.environ["AGENT_PROVIDER"])
session = QueueSession(provider, services)
protocol = registry.agent(provider).agent_protocol()


def _body(event: dict) -> bytes | None:
    text = event.get("body") or ""
    if len(text) > MAX_BODY * 4 // 3 + 4:
        return None
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(text, validate=True)
        except binascii.Error:
            return b""
    return text.encode()


@app.post("/qbwc")
def agent_call() -> Response[str]:
    event = app.current_event.raw_event
    body = _body(event)
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    # A body over the limit is handed on as an oversized stand-in: the wire answers its own fault.
    status, reply = protocol.handle(body if body is not None else b" " * (MAX_BODY + 1), headers, session)
    return Response(status_code=status, content_type=protocol.content_type, body=reply.decode())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
