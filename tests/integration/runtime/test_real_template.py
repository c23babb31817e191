"""The real `template.yaml` runs: its routes, queues, bus rule and schedule all reach a function.

Until `functions/` exists the functions are stand-ins, written next to a copy of the template, so the
wiring is proven now; once it exists the routes are checked against the real handlers instead.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest

from local.runtime.stack import RunningStack, running_stack
from local.runtime.template import TEMPLATE_PATH, Template
from tests.integration.runtime.fixtures.stub_calls import CALLS

REAL_FUNCTIONS_EXIST = (TEMPLATE_PATH.parent / "functions").is_dir()

STAND_IN = """
from tests.integration.runtime.fixtures.stub_calls import CALLS


def lambda_handler(event, context):
    CALLS.append(({function_id!r}, event))
    return {{"statusCode": 200, "body": "{{}}"}} if "routeKey" in event else {{"batchItemFailures": []}}
"""


def called(function_id: str) -> list[dict]:
    return [event for name, event in CALLS if name == function_id]


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x-1", path)


@pytest.fixture(scope="module")
def template_with_stand_ins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("real-template")
    shutil.copy(TEMPLATE_PATH, root / "template.yaml")
    for spec in Template(TEMPLATE_PATH).functions():
        code = root / spec.code_uri.relative_to(TEMPLATE_PATH.parent)
        code.mkdir(parents=True)
        (code / "app.py").write_text(STAND_IN.format(function_id=spec.logical_id))
    return root / "template.yaml"


@pytest.fixture(scope="module")
def stand_in_stack(template_with_stand_ins: Path) -> Iterator[RunningStack]:
    with running_stack(template_with_stand_ins, visibility_scale=0, schedule_scale=None) as running:
        yield running


@pytest.mark.skipif(REAL_FUNCTIONS_EXIST, reason="the real functions exist; see the test below")
def test_every_trigger_of_the_real_template_reaches_its_function(stand_in_stack: RunningStack) -> None:
    stack, template = stand_in_stack, stand_in_stack.template
    sqs = boto3.client("sqs")

    for route in template.http_routes():
        reply = httpx.request(route.method, stack.api_url + concrete(route.path))
        assert reply.status_code == 200, route
    sqs.send_message(
        QueueUrl=stack.queue_url("PushQueue"),
        MessageBody=json.dumps({"record": "contact/c-1", "version": 3}),
        MessageGroupId="t-acme#contact#c-1",
        MessageDeduplicationId="t-acme#contact#c-1#3",
    )
    sqs.send_message(QueueUrl=stack.queue_url("PullQueue"), MessageBody=json.dumps({"tenant": "t-acme"}))
    boto3.client("events").put_events(
        Entries=[
            {
                "EventBusName": "fsm-saas",
                "Source": "fsm.saas",
                "DetailType": "contact.updated",
                "Detail": "{}",
            }
        ]
    )
    stack.wait_until_idle()
    stack.fire_schedule("SchedulerFunction")

    assert {e["routeKey"] for e in called("TenantApiFunction")} == {
        r.route_key for r in template.http_routes()
    }
    assert (
        called("PushWorkerFunction")[0]["Records"][0]["attributes"]["MessageGroupId"] == "t-acme#contact#c-1"
    )
    assert called("PushWorkerFunction")[0]["Records"][0]["eventSourceARN"].endswith(
        ":fieldbooks-local-push.fifo"
    )
    assert called("PullWorkerFunction")[0]["Records"][0]["body"] == '{"tenant": "t-acme"}'
    assert called("SaasEventsFunction")[0]["detail-type"] == "contact.updated"
    assert called("SchedulerFunction")[0]["detail-type"] == "Scheduled Event"
    assert stack.api_url.endswith("/local")


@pytest.mark.skipif(not REAL_FUNCTIONS_EXIST, reason="functions/ is not written yet")
def test_every_route_of_the_real_template_is_served_by_its_real_handler() -> None:
    with running_stack(schedule_scale=None) as stack:
        for route in stack.template.http_routes():
            _, started_before = stack.host.activity()
            httpx.request(route.method, stack.api_url + concrete(route.path))
            _, started_after = stack.host.activity()
            assert started_after == started_before + 1, f"{route.route_key} did not reach its handler"
