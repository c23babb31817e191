"""The Integrations page: one HTML page and its static assets, served from this function's folder.

The page holds no tenant data. It is a light client of the tenant console API on the same HttpApi,
so the browser calls the API same-origin with the SaaS-issued bearer token the page was handed once
(in the URL fragment, which never reaches a server). Anyone may fetch the page; only the API decides
what a token may see.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Annotated
from urllib.parse import urlsplit

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from fieldbooks.console.http_errors import register_error_responses
from fieldbooks.observability import logger
from fieldbooks.settings import Settings

STATIC = FilePath(__file__).parent / "static"
PAGE = "console.html"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True)
class Asset:
    content_type: str
    body: str
    etag: str


def load_assets(folder: FilePath) -> dict[str, Asset]:
    """Read once per cold start: the files ship with the function and never change while it runs.

    The dictionary is also the allow-list: a name not in it is a 404, so no path ever reaches the disk.
    """
    assets = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix in CONTENT_TYPES:
            body = path.read_text(encoding="utf-8")
            etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:20] + '"'
            assets[path.name] = Asset(CONTENT_TYPES[path.suffix], body, etag)
    return assets


def content_security_policy(console_return_url: str) -> str:
    """No inline script or style, nothing from elsewhere: a record name can never become code.

    The page may be framed only by itself and by the SaaS app whose Integrations page the OAuth
    callback returns to (ConsoleReturnUrl), which is where the SaaS embeds it.
    """
    saas = urlsplit(console_return_url)
    saas_origin = f"{saas.scheme}://{saas.netloc}" if saas.scheme in ("http", "https") and saas.netloc else ""
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            f"frame-ancestors 'self' {saas_origin}".rstrip(),
        ]
    )


app = APIGatewayHttpResolver(enable_validation=True)
register_error_responses(app)  # a bad asset name is a 400 or 404 with a message, as on the API
ASSETS = load_assets(STATIC)
SECURITY_HEADERS = {
    "Content-Security-Policy": content_security_policy(Settings.from_environment().console_return_url),
    "X-Content-Type-Options": "nosniff",
    # The token arrives in the fragment, which browsers never send; no-referrer keeps the rest private too.
    "Referrer-Policy": "no-referrer",
    # No Cross-Origin-Opener-Policy on purpose: the OAuth pop-up ends on this page, and any COOP value
    # other than the provider's (none) would cut it off from the page that opened it.
}


def _serve(name: str) -> Response[str]:
    asset = ASSETS.get(name)
    if asset is None:
        return Response(404, "application/json", '{"message": "No such file on the Integrations page."}')
    headers = {**SECURITY_HEADERS, "ETag": asset.etag, "Cache-Control": "no-cache"}
    if app.current_event.headers.get("if-none-match") == asset.etag:
        return Response(304, asset.content_type, "", headers=headers)
    return Response(200, asset.content_type, asset.body, headers=headers)


@app.get("/console")
def console_page() -> Response[str]:
    return _serve(PAGE)


@app.get("/console/assets/<name>")
def console_asset(name: Annotated[str, Path(min_length=1, max_length=64)]) -> Response[str]:
    return _serve(name) if name != PAGE else _serve("")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
