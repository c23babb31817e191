"""The page's own function, called as API Gateway calls it: what it serves, and what it refuses."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import TEMPLATE

STATIC = TEMPLATE.function("ConsolePageFunction").code_uri / "static"


@pytest.fixture
def get(handler, context, load_event):  # noqa: ANN001, ANN201 - fixtures
    console_page = handler("ConsolePageFunction")

    def call(path: str, route: str, headers: dict[str, str] | None = None, **path_params: str) -> dict[str, Any]:
        event = load_event(
            "tenant_api/get_sync_log.json",
            rawPath=path,
            routeKey=f"GET {route}",
            rawQueryString="",
            queryStringParameters=None,
            headers={"host": "api.fieldbooks.example", **(headers or {})},
            requestContext__http__path=path,
            requestContext__http__method="GET",
        )
        event["pathParameters"] = path_params or None
        return console_page(event, context)

    return call


def test_the_page_is_served_with_a_policy_that_allows_no_inline_script(get) -> None:  # noqa: ANN001
    reply = get("/console", "/console")
    assert reply["statusCode"] == 200
    assert reply["headers"]["Content-Type"].startswith("text/html")
    policy = reply["headers"]["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'self' http://127.0.0.1:9" in policy  # the SaaS app of ConsoleReturnUrl
    assert reply["headers"]["Referrer-Policy"] == "no-referrer"
    assert '<script type="module" src="console/assets/main.js">' in reply["body"]


def test_an_asset_comes_with_its_type_and_an_etag_that_answers_not_modified(get) -> None:  # noqa: ANN001
    first = get("/console/assets/main.js", "/console/assets/{name}", name="main.js")
    assert first["statusCode"] == 200
    assert first["headers"]["Content-Type"].startswith("text/javascript")
    again = get(
        "/console/assets/main.js",
        "/console/assets/{name}",
        headers={"if-none-match": first["headers"]["ETag"]},
        name="main.js",
    )
    assert again["statusCode"] == 304 and not again.get("body")


@pytest.mark.parametrize("name", ["nope.js", "..%2Fapp.py", "app.py", "console.html"])
def test_a_file_that_is_not_one_of_the_page_assets_is_a_404_with_a_message(get, name: str) -> None:  # noqa: ANN001
    reply = get(f"/console/assets/{name}", "/console/assets/{name}", name=name)
    assert reply["statusCode"] == 404
    assert "message" in reply["body"]


def test_an_asset_name_too_long_to_be_one_is_a_400_not_a_500(get) -> None:  # noqa: ANN001
    name = "a" * 65 + ".js"
    reply = get(f"/console/assets/{name}", "/console/assets/{name}", name=name)
    assert reply["statusCode"] == 400
    assert "not valid" in reply["body"]


def test_no_file_of_the_page_carries_inline_script_or_builds_html_from_text() -> None:
    html = (STATIC / "console.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script> in console.html"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler attribute in console.html"
    assert not re.search(r"\sstyle\s*=", html), "inline style attribute in console.html"
    for script in STATIC.glob("*.js"):
        source = script.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in source, f"{script.name} uses {sink}"
