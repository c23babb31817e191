"""moto server's requests take turns where its backends are not thread-safe (moto_turns.py), and a
long poll waits without holding the turn. A stand-in WSGI app plays moto, so the tests see exactly
what reaches it and when."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from local.runtime.moto_turns import taking_turns


class StandInMoto:
    """Answers every request after a short while, counting how many it serves at once; a receive
    finds a message only once a send has arrived."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.serving = self.most_at_once = 0
        self.sent = threading.Event()
        self.receive_waits: list[Any] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) or b"{}")
        with self.lock:
            self.serving += 1
            self.most_at_once = max(self.most_at_once, self.serving)
        time.sleep(0.02)
        with self.lock:
            self.serving -= 1
        reply: dict[str, Any] = {}
        if target == "AmazonSQS.SendMessage":
            self.sent.set()
        if target == "AmazonSQS.ReceiveMessage":
            self.receive_waits.append(body.get("WaitTimeSeconds"))
            reply = {"Messages": [{"Body": "hello"}]} if self.sent.is_set() else {}
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0")])
        return [json.dumps(reply).encode()]


def call(app: Callable[..., Iterable[bytes]], target: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    raw = json.dumps(body or {}).encode()
    environ = {"HTTP_X_AMZ_TARGET": target, "CONTENT_LENGTH": str(len(raw)), "wsgi.input": io.BytesIO(raw)}
    return dict(json.loads(b"".join(app(environ, lambda status, headers, exc_info=None: None))))


def test_dynamodb_requests_take_turns_and_other_services_do_not() -> None:
    most_at_once = {}
    for target in ("DynamoDB_20120810.UpdateItem", "TrentService.Decrypt"):
        moto = StandInMoto()
        app = taking_turns(moto)
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _n, app=app, target=target: call(app, target), range(8)))
        most_at_once[target] = moto.most_at_once

    assert most_at_once["DynamoDB_20120810.UpdateItem"] == 1
    assert most_at_once["TrentService.Decrypt"] > 1  # KMS is left alone


def test_a_long_poll_waits_without_its_turn_and_answers_once_a_message_arrives() -> None:
    moto = StandInMoto()
    app = taking_turns(moto)
    with ThreadPoolExecutor(2) as pool:
        receive = pool.submit(call, app, "AmazonSQS.ReceiveMessage", {"QueueUrl": "q", "WaitTimeSeconds": 5})
        time.sleep(0.2)  # the receive is waiting now
        began = time.monotonic()
        call(app, "AmazonSQS.SendMessage", {"QueueUrl": "q", "MessageBody": "hello"})
        send_took = time.monotonic() - began
        answer = receive.result(timeout=2)  # well before its five seconds were up

    assert send_took < 0.5  # not held up behind the receive's wait
    assert answer == {"Messages": [{"Body": "hello"}]}
    assert set(moto.receive_waits) == {0}  # moto itself never waits with the turn held
    assert moto.most_at_once == 1
