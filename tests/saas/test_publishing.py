"""Every committed change leaves as exactly one event, in version order per record, even across outages."""

import threading
from collections.abc import Sequence

import boto3
import pytest
from botocore.config import Config

from fieldbooks.domain.records import Contact
from fieldbooks.saas.events import SaasBusEvent, SaasChangeEvent
from local.saas.client import SaasAppError
from local.saas.config import SaasAppConfig
from local.saas.publisher import EventBridgeSink, OutboxEntry, RecordingSink, next_batch
from local.saas.server import SaasAppHandle, running_saas_app
from tests.saas.conftest import SAMPLES_DIR, TENANT, BusQueue


class OutageSink(RecordingSink):
    """A bus that is down for its first `failing_calls` calls, then accepts everything."""

    def __init__(self, failing_calls: int) -> None:
        super().__init__()
        self.failing_calls = failing_calls
        self.calls = 0
        self.down = threading.Event()

    def publish(self, events: Sequence[SaasChangeEvent]) -> list[bool]:
        self.calls += 1
        if self.calls <= self.failing_calls:
            self.down.set()
            return [False] * len(events)
        return super().publish(events)


def test_an_edit_publishes_exactly_one_event_with_the_next_version(
    saas_on_bus: SaasAppHandle, saas_bus: BusQueue
) -> None:
    user = saas_on_bus.app_client
    ann = user.create_contact(TENANT, first_name="Ann", last_name="Lee")
    saas_on_bus.wait_until_published()
    assert [event.detail_type for event in saas_bus.receive(1)] == ["contact.created"]

    user.update_contact(TENANT, ann.id, email="ann@example.com")
    saas_on_bus.wait_until_published()
    delivered = saas_bus.receive_all()

    assert len(delivered) == 1
    edit = delivered[0].detail
    assert (edit.detail_type, edit.record_id, edit.record_version, edit.origin) == (
        "contact.updated",
        ann.id,
        2,
        "user",
    )
    assert isinstance(edit.record, Contact)
    assert edit.record.email == "ann@example.com"


def test_a_record_s_events_are_published_in_version_order(saas: SaasAppHandle, recording_sink: RecordingSink) -> None:
    ann = saas.app_client.create_contact(TENANT, first_name="Ann")
    for phone in ("1", "2", "3", "4"):
        saas.app_client.update_contact(TENANT, ann.id, phone=phone)
    saas.wait_until_published()

    assert [event.record_version for event in recording_sink.events] == [1, 2, 3, 4, 5]


def test_events_wait_out_a_bus_outage_and_none_is_lost(app_config: SaasAppConfig) -> None:
    sink = OutageSink(failing_calls=3)
    with running_saas_app(app_config, sink=sink) as saas:
        saas.app_client.create_tenant(TENANT, "Acme")
        ann = saas.app_client.create_contact(TENANT, first_name="Ann")
        bob = saas.app_client.create_contact(TENANT, first_name="Bob")
        saas.app_client.update_contact(TENANT, ann.id, phone="555")
        saas.wait_until_published()

    assert sink.down.is_set()
    assert [(event.record_id, event.record_version) for event in sink.events if event.record_id == ann.id] == [
        (ann.id, 1),
        (ann.id, 2),
    ]
    assert [event.record_id for event in sink.events].count(bob.id) == 1


def test_a_refused_change_publishes_nothing_and_a_no_op_edit_neither(
    saas: SaasAppHandle, recording_sink: RecordingSink
) -> None:
    ann = saas.app_client.create_contact(TENANT, first_name="Ann", phone="555")
    with pytest.raises(SaasAppError, match="company contact needs a company_name"):
        saas.app_client.update_contact(TENANT, ann.id, kind="company")
    saas.app_client.update_contact(TENANT, ann.id, phone="555")
    saas.wait_until_published()

    assert [event.detail_type for event in recording_sink.events] == ["contact.created"]


def test_a_batch_holds_one_event_per_record_oldest_first(saas: SaasAppHandle, recording_sink: RecordingSink) -> None:
    first = saas.app_client.create_contact(TENANT, first_name="Ann")
    saas.app_client.update_contact(TENANT, first.id, phone="1")
    second = saas.app_client.create_contact(TENANT, first_name="Bob")
    saas.wait_until_published()
    a1, a2, b1 = recording_sink.events
    pending = [OutboxEntry(seq, (TENANT, "contact", event.record_id), event) for seq, event in enumerate((a1, a2, b1))]

    batch = next_batch(pending)

    assert [(entry.event.record_id, entry.event.record_version) for entry in batch] == [
        (first.id, 1),
        (second.id, 1),
    ]


def test_an_unreachable_eventbridge_reports_every_event_unsent(aws_credentials: None) -> None:
    client = boto3.client(
        "events",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        config=Config(retries={"max_attempts": 1}),
    )
    sample = SaasBusEvent.model_validate_json((SAMPLES_DIR / "contact.created.v1.json").read_text()).detail

    assert EventBridgeSink("fsm-saas", client=client).publish([sample, sample]) == [False, False]
