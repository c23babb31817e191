"""Fixtures for the SaaS contract, the reference SaaS app and Fieldbooks' platform client.

Everything is in-process and loopback: the app serves on 127.0.0.1 at a free port, EventBridge and
SQS are moto's in-process mocks, the database is a file under the test's tmp_path.
"""

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from fieldbooks.saas.client import SaasPlatformClient
from fieldbooks.saas.events import DEFAULT_BUS_NAME, SOURCE, SaasBusEvent
from local.saas.client import SaasAppClient
from local.saas.config import SaasAppConfig
from local.saas.publisher import RecordingSink
from local.saas.server import SaasAppHandle, running_saas_app

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "events" / "saas"
TENANT = "t-acme"
# Long enough that PyJWT does not warn about the key; the dev default is for humans only.
TEST_JWT_SECRET = "test-tenant-jwt-secret-0123456789abcdef"


@dataclass
class BusQueue:
    """An SQS queue subscribed to the SaaS bus, so a test reads what EventBridge delivered."""

    sqs: Any
    queue_url: str

    def receive(self, count: int, timeout: float = 10.0) -> list[SaasBusEvent]:
        events: list[SaasBusEvent] = []
        deadline = time.monotonic() + timeout
        while len(events) < count and time.monotonic() < deadline:
            reply = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            for message in reply.get("Messages", []):
                events.append(SaasBusEvent.model_validate_json(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
            if len(events) < count:
                time.sleep(0.02)
        return events

    def receive_all(self) -> list[SaasBusEvent]:
        return self.receive(count=10_000, timeout=0.3)


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def saas_bus(aws_credentials: None) -> Iterator[BusQueue]:
    """The `fsm-saas` bus with a rule on `source: fsm.saas` feeding an SQS queue."""
    with mock_aws():
        events = boto3.client("events")
        sqs = boto3.client("sqs")
        events.create_event_bus(Name=DEFAULT_BUS_NAME)
        queue_url = sqs.create_queue(QueueName="saas-events")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(
            Name="saas-changes", EventBusName=DEFAULT_BUS_NAME, EventPattern=json.dumps({"source": [SOURCE]})
        )
        events.put_targets(
            Rule="saas-changes", EventBusName=DEFAULT_BUS_NAME, Targets=[{"Id": "queue", "Arn": queue_arn}]
        )
        yield BusQueue(sqs=sqs, queue_url=queue_url)


@pytest.fixture
def app_config(tmp_path: Path) -> SaasAppConfig:
    return SaasAppConfig(db_path=str(tmp_path / "saas.sqlite3"), console_jwt_secret=TEST_JWT_SECRET)


@pytest.fixture
def saas_on_bus(saas_bus: BusQueue, app_config: SaasAppConfig) -> Iterator[SaasAppHandle]:
    """The app publishing to (moto's) EventBridge, with tenant `t-acme`."""
    with running_saas_app(app_config) as app:
        app.app_client.create_tenant(TENANT, "Acme Plumbing")
        yield app


@pytest.fixture
def recording_sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def saas(app_config: SaasAppConfig, recording_sink: RecordingSink) -> Iterator[SaasAppHandle]:
    """The app publishing to an in-memory sink (no AWS), with tenant `t-acme`."""
    with running_saas_app(app_config, sink=recording_sink) as app:
        app.app_client.create_tenant(TENANT, "Acme Plumbing")
        yield app


@pytest.fixture
def user(saas: SaasAppHandle) -> SaasAppClient:
    """Makes edits the way a user of the product does."""
    return saas.app_client


@pytest.fixture
def platform(saas: SaasAppHandle) -> Iterator[SaasPlatformClient]:
    with SaasPlatformClient(saas.base_url, saas.platform_api_key) as client:
        yield client
