"""Serves the template's `HttpApi` routes by invoking the real handlers with API Gateway v2 events.

Event and reply follow the HTTP API Lambda proxy integration, payload format 2.0:
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
A named stage (ours is `Stage`) is part of the URL and of `rawPath`, as on AWS; Powertools strips it.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from local.runtime.aws import LOOPBACK
from local.runtime.invocation import FunctionHost
from local.runtime.resources import ACCOUNT_ID
from local.runtime.template import HttpRoute, Template

API_ID = "local"
DEFAULT_STAGE = "$default"  # what SAM's implicit HTTP API uses when no HttpApi declares a stage

# Bodies API Gateway passes as text; anything else reaches the handler base64-encoded.
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript", "+json", "+xml")
_TEXT_TYPES += ("application/x-www-form-urlencoded",)
# Starlette sees every method, so an undeclared one reaches our 404 rather than Starlette's 405.
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def api_stage(template: Template, resolve: Callable[[Any], Any]) -> str:
    apis = template.of_type("AWS::Serverless::HttpApi")
    if len(apis) > 1:
        raise ValueError("Only one HttpApi runs locally; the template declares several")
    for api in apis.values():
        if "StageName" in api.get("Properties", {}):
            return str(resolve(api["Properties"]["StageName"]))
    return DEFAULT_STAGE


def gateway_app(template: Template, host: FunctionHost, stage: str) -> Starlette:
    """One Starlette route per template path, most specific first as API Gateway chooses."""
    prefix = "" if stage == DEFAULT_STAGE else f"/{stage}"
    by_path: dict[str, dict[str, HttpRoute]] = {}
    for route in template.http_routes():
        by_path.setdefault(route.path, {})[route.method] = route
    routes = [
        Route(prefix + _starlette_path(path), _endpoint(methods, host, stage), methods=_ALL_METHODS)
        for path, methods in sorted(by_path.items(), key=lambda item: _specificity(item[0]))
    ]
    return Starlette(
        routes=routes,
        middleware=_cors(template),
        exception_handlers={404: _not_found, 405: _not_found},
    )


def _starlette_path(path: str) -> str:
    """API Gateway `{name}` is Starlette's too; greedy `{proxy+}` becomes `{proxy:path}`."""
    return "/".join(f"{{{segment[1:-2]}:path}}" if segment.endswith("+}") else segment for segment in path.split("/"))


def _specificity(path: str) -> tuple[int, ...]:
    """Literal segments beat `{param}`, which beats greedy `{proxy+}`."""
    return tuple(2 if segment.endswith("+}") else 1 if segment.startswith("{") else 0 for segment in path.split("/"))


def _endpoint(
    methods: dict[str, HttpRoute], host: FunctionHost, stage: str
) -> Callable[[Request], Awaitable[Response]]:
    async def invoke_route(request: Request) -> Response:
        route = methods.get(request.method) or methods.get("ANY")
        if route is None:
            return await _not_found(request, None)
        try:
            event = await http_api_event(request, route, stage)
        except UnicodeDecodeError:
            return _bad_request()
        invocation = await run_in_threadpool(
            host.invoke,
            route.function_id,
            event,
            f"http {request.method} {request.url.path}",
            lambda result: f"{result.get('statusCode', 200) if isinstance(result, dict) else 200}",
        )
        if invocation.failed:
            return _internal_error(event)
        return http_reply(invocation.result, event)

    return invoke_route


async def http_api_event(request: Request, route: HttpRoute, stage: str) -> dict[str, Any]:
    """The payload format 2.0 request event; empty optional fields are left out, as AWS does."""
    now = datetime.now(UTC)
    headers = {key: ",".join(request.headers.getlist(key)) for key in request.headers}
    cookies = headers.pop("cookie", None)
    query: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        query[key] = f"{query[key]},{value}" if key in query else value
    raw_path = request.scope["path"]
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": raw_path,
        "rawQueryString": request.scope["query_string"].decode("latin-1"),
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": headers.get("host", ""),
            "domainPrefix": headers.get("host", "").split(".")[0],
            "http": {
                "method": request.method,
                "path": raw_path,
                "protocol": f"HTTP/{request.scope.get('http_version', '1.1')}",
                "sourceIp": request.client.host if request.client else "127.0.0.1",
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route.route_key,
            "stage": stage,
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = [cookie.strip() for cookie in cookies.split(";")]
    if query:
        event["queryStringParameters"] = query
    if request.path_params:
        event["pathParameters"] = {key: str(value) for key, value in request.path_params.items()}
    body = await request.body()
    if body:
        if _is_text(headers.get("content-type", ""), body):
            event["body"] = body.decode("utf-8")  # not UTF-8 despite a text type: the caller gets a 400
        else:
            event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode("ascii"), True
    return event


def http_reply(result: Any, event: dict[str, Any]) -> Response:
    """Maps the handler's answer as API Gateway does, including its guess for a bare JSON value."""
    request_id = {"apigw-requestid": event["requestContext"]["requestId"]}
    if not (isinstance(result, dict) and "statusCode" in result):
        # "If your Lambda function returns valid JSON and doesn't return a statusCode, API Gateway
        # assumes 200, content-type application/json, and the response as the body."
        return Response(json.dumps(result), 200, {**request_id, "content-type": "application/json"})
    try:
        body = result.get("body") or ""
        content = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
        response = Response(content, int(result["statusCode"]), {**request_id, **result.get("headers", {})})
    except (TypeError, ValueError, AttributeError):
        return _internal_error(event)
    for cookie in result.get("cookies", []):
        response.headers.append("set-cookie", cookie)
    return response


def _is_text(content_type: str, body: bytes) -> bool:
    if content_type:
        return any(marker in content_type.lower() for marker in _TEXT_TYPES)
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _internal_error(event: dict[str, Any]) -> Response:
    """What API Gateway answers when the function fails or returns something it cannot map."""
    return JSONResponse(
        {"message": "Internal Server Error"},
        500,
        {"apigw-requestid": event["requestContext"]["requestId"]},
    )


def _bad_request() -> Response:
    """A body declared as text (JSON, XML, a form) that is not UTF-8 never reaches the function: the
    event carries text bodies as JSON strings, which cannot hold it. The caller is at fault, so 400."""
    return JSONResponse({"message": "Bad Request"}, 400)


async def _not_found(_request: Request, _exc: Exception | None) -> Response:
    """API Gateway answers an unknown route (or method) with 404 and this body."""
    return JSONResponse({"message": "Not Found"}, 404)


def _cors(template: Template) -> list[Middleware]:
    """The HttpApi's CorsConfiguration: API Gateway answers preflights itself, before any handler."""
    for api in template.of_type("AWS::Serverless::HttpApi").values():
        cors = api.get("Properties", {}).get("CorsConfiguration")
        if isinstance(cors, dict):
            return [
                Middleware(
                    CORSMiddleware,
                    allow_origins=cors.get("AllowOrigins", []),
                    allow_methods=cors.get("AllowMethods", []),
                    allow_headers=cors.get("AllowHeaders", []),
                    expose_headers=cors.get("ExposeHeaders", []),
                    allow_credentials=bool(cors.get("AllowCredentials", False)),
                    max_age=int(cors.get("MaxAge", 600)),
                )
            ]
    return []


class GatewayServer:
    """uvicorn in a thread on a socket bound up front, so port 0 yields a known free port."""

    def __init__(self, app: Starlette, port: int = 0) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((LOOPBACK, port))
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="gateway", daemon=True
        )

    def start(self, timeout: float = 10) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"The local API did not start on {LOOPBACK}:{self.port}")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join()
        self._socket.close()
