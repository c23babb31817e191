"""One request at a time where moto server is not safe between threads, as the services are.

The runtime runs invocations side by side, so moto server gets concurrent requests that touch the
same queue or table. moto's backends take no lock of their own there:

- DynamoDB checks a condition and writes as one step; moto does not (two racing conditional puts can
  both pass, two ADDs to one counter can lose one, a query can meet a table changing under it). So
  DynamoDB requests take turns: the token lease, the rate governor, exactly-once intents and run
  counters hold locally as they do on AWS.
- SQS: moto's delete rebuilds a queue's message list from a copy, so a message sent or deleted at the
  same moment can be lost or come back, and two overlapping receives can hand out one message
  twice. So SQS requests take turns, and so does EventBridge's PutEvents, which moto delivers to
  the rule targets' queues (the bus taps) inside the call. A long poll would hold the turn for its
  whole wait, so a `ReceiveMessage` here polls without waiting, again every 50 ms while its
  `WaitTimeSeconds` last, taking the turn only for each look (long polling's answer, within 50 ms).

Written here because moto offers no switch for it; it sits in front of moto as WSGI middleware.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_DYNAMODB = "DynamoDB_20120810."
_SQS = "AmazonSQS."
_PUT_EVENTS = "AWSEvents.PutEvents"
_RECEIVE = f"{_SQS}ReceiveMessage"
POLL_INTERVAL_SECONDS = 0.05


def taking_turns(app: WsgiApp) -> WsgiApp:
    tables, queues = threading.Lock(), threading.Lock()

    def serialised(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith(_DYNAMODB):
            return _in_turn(app, environ, start_response, tables)
        if target == _RECEIVE:
            return _receive_polling(app, environ, start_response, queues)
        if target.startswith(_SQS) or target == _PUT_EVENTS:
            return _in_turn(app, environ, start_response, queues)
        return app(environ, start_response)

    return serialised


def _in_turn(
    app: WsgiApp, environ: dict[str, Any], start_response: Callable[..., Any], turn: threading.Lock
) -> list[bytes]:
    with turn:
        return list(app(environ, start_response))  # the backend acts while the reply is made


def _receive_polling(
    app: WsgiApp, environ: dict[str, Any], start_response: Callable[..., Any], turn: threading.Lock
) -> list[bytes]:
    request = _json(_read_body(environ))
    deadline = time.monotonic() + float(request.get("WaitTimeSeconds") or 0)
    body = json.dumps(request | {"WaitTimeSeconds": 0}).encode()
    reply: list[Any] = []  # status and headers of the latest look

    def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        reply[:] = [status, headers]

    while True:
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        with turn:
            chunks = list(app(environ, keep))
        found = _json(b"".join(chunks)).get("Messages")
        if found or not reply[0].startswith("200") or time.monotonic() >= deadline:
            start_response(*reply)
            return chunks
        time.sleep(POLL_INTERVAL_SECONDS)


def _read_body(environ: dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length else b""


def _json(body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
