"""The template's HttpApi routes, served with API Gateway payload format 2.0 events and replies."""

from __future__ import annotations

import base64
import json

import httpx

from local.runtime.stack import RunningStack


def echoed_event(reply: httpx.Response) -> dict:
    assert reply.status_code == 201, reply.text
    return reply.json()["event"]


def test_a_route_gets_a_v2_event_with_path_query_headers_and_cookies(stack: RunningStack) -> None:
    reply = httpx.get(
        f"{stack.api_url}/things/42?colour=red&size=s&size=m",
        headers={"X-Trace": "abc", "Cookie": "session=1; theme=dark"},
    )
    event = echoed_event(reply)

    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /things/{thing_id}"
    assert event["rawPath"] == "/local/things/42"  # a named stage is part of the path on AWS too
    assert event["rawQueryString"] == "colour=red&size=s&size=m"
    assert event["queryStringParameters"] == {"colour": "red", "size": "s,m"}
    assert event["pathParameters"] == {"thing_id": "42"}
    assert event["headers"]["x-trace"] == "abc"
    assert all(name == name.lower() for name in event["headers"])
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["session=1", "theme=dark"]
    assert event["isBase64Encoded"] is False
    assert "body" not in event
    context = event["requestContext"]
    assert context["http"] == {
        "method": "GET",
        "path": "/local/things/42",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": reply.request.headers["user-agent"],
    }
    assert context["stage"] == "local"
    assert context["routeKey"] == "GET /things/{thing_id}"
    assert context["accountId"] == "123456789012"
    assert isinstance(context["timeEpoch"], int)
    assert context["requestId"] == reply.headers["apigw-requestid"]
    assert reply.json()["function_name"] == "fixture-local-echo-api"  # context from the template


def test_a_json_body_arrives_as_text_and_a_binary_body_as_base64(stack: RunningStack) -> None:
    text = echoed_event(httpx.post(f"{stack.api_url}/things", json={"name": "Ada"}))
    binary = echoed_event(
        httpx.post(f"{stack.api_url}/things", content=b"\x00\xffPNG", headers={"content-type": "image/png"})
    )

    assert text["routeKey"] == "POST /things"
    assert json.loads(text["body"]) == {"name": "Ada"}
    assert text["isBase64Encoded"] is False
    assert binary["isBase64Encoded"] is True
    assert base64.b64decode(binary["body"]) == b"\x00\xffPNG"


def test_a_body_sent_as_json_that_is_not_utf8_is_a_400_bad_request_not_a_500(stack: RunningStack) -> None:
    reply = httpx.post(
        f"{stack.api_url}/things", content=b'{"name": "\xff\xfe"}', headers={"content-type": "application/json"}
    )

    assert reply.status_code == 400
    assert reply.json() == {"message": "Bad Request"}


def test_a_literal_route_wins_over_a_parameter_and_a_greedy_path_takes_the_rest(
    stack: RunningStack,
) -> None:
    export = echoed_event(httpx.get(f"{stack.api_url}/things/export"))
    file = echoed_event(httpx.get(f"{stack.api_url}/files/2024/05/report.csv"))

    assert export["routeKey"] == "GET /things/export"
    assert "pathParameters" not in export
    assert file["routeKey"] == "GET /files/{proxy+}"
    assert file["pathParameters"] == {"proxy": "2024/05/report.csv"}


def test_replies_keep_status_headers_cookies_and_binary_bodies(stack: RunningStack) -> None:
    cookies = httpx.get(f"{stack.api_url}/reply/cookies")
    binary = httpx.get(f"{stack.api_url}/reply/binary")

    assert cookies.status_code == 204
    assert cookies.headers["x-kind"] == "cookies"
    assert cookies.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; HttpOnly"]
    assert binary.headers["content-type"] == "image/png"
    assert binary.content == b"\x89PNG\x00\xff"


def test_a_reply_without_status_code_becomes_a_200_json_body(stack: RunningStack) -> None:
    reply = httpx.get(f"{stack.api_url}/reply/bare")

    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/json"
    assert reply.json() == {"bare": True}


def test_a_handler_exception_is_a_500_internal_server_error(stack: RunningStack) -> None:
    reply = httpx.get(f"{stack.api_url}/reply/boom")

    assert reply.status_code == 500
    assert reply.json() == {"message": "Internal Server Error"}


def test_unknown_routes_and_methods_are_404_not_found_like_api_gateway(stack: RunningStack) -> None:
    for method, path in (("GET", "/nowhere"), ("DELETE", "/things/42"), ("GET", "/things")):
        reply = httpx.request(method, f"{stack.api_url}{path}")
        assert (reply.status_code, reply.json()) == (404, {"message": "Not Found"}), (method, path)
    # Without the stage prefix nothing matches either, as on AWS.
    assert httpx.get(stack.api_url.removesuffix("/local") + "/things/42").status_code == 404


def test_cors_preflight_is_answered_from_the_templates_cors_configuration(stack: RunningStack) -> None:
    reply = httpx.options(
        f"{stack.api_url}/things",
        headers={
            "Origin": "https://app.example-fsm.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )

    assert reply.status_code == 200
    assert reply.headers["access-control-allow-origin"] == "*"
    assert "POST" in reply.headers["access-control-allow-methods"]
