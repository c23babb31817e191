"""Schema v1 of the SaaS change events: the samples, the model, and what the app really publishes."""

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from fieldbooks.domain.records import RECORD_MODELS, Invoice
from fieldbooks.saas.events import EVENT_TYPES, SaasBusEvent, SaasChangeEvent, eventbridge_entry
from local.saas.samples import write_samples
from local.saas.server import SaasAppHandle
from tests.saas.conftest import SAMPLES_DIR, TENANT, BusQueue

SAMPLES = sorted(SAMPLES_DIR.glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def test_there_is_one_sample_per_event_type_the_product_emits() -> None:
    assert {path.name for path in SAMPLES} == {f"{entity}.{action}.v1.json" for entity, action in EVENT_TYPES}


@pytest.mark.parametrize("sample", SAMPLES, ids=[path.stem for path in SAMPLES])
def test_every_sample_loads_into_the_contract_model(sample: Path) -> None:
    event = SaasBusEvent.model_validate(load(sample))

    assert sample.name == f"{event.detail_type}.v{event.detail.schema_version}.json"
    assert isinstance(event.detail.record, RECORD_MODELS[event.detail.entity])


@pytest.mark.parametrize("sample", SAMPLES, ids=[path.stem for path in SAMPLES])
def test_sample_totals_are_the_ones_the_contract_computes(sample: Path) -> None:
    raw_record = load(sample)["detail"]["record"]
    record = SaasBusEvent.model_validate(load(sample)).detail.record

    assert json.loads(record.model_dump_json()) == raw_record


def test_a_future_schema_version_is_refused_not_misread() -> None:
    detail = load(SAMPLES_DIR / "contact.created.v1.json")["detail"]

    with pytest.raises(ValidationError, match="schema_version"):
        SaasChangeEvent.model_validate({**detail, "schema_version": 2})


def test_a_record_is_read_as_its_entity() -> None:
    detail = load(SAMPLES_DIR / "contact.created.v1.json")["detail"]

    with pytest.raises(ValidationError, match="record"):
        SaasChangeEvent.model_validate({**detail, "entity": "invoice"})


def test_an_event_type_outside_the_contract_is_refused() -> None:
    detail = load(SAMPLES_DIR / "quote.created.v1.json")["detail"]

    with pytest.raises(ValidationError, match="schema v1 has no quote.finalized event"):
        SaasChangeEvent.model_validate({**detail, "action": "finalized"})


def test_the_envelope_must_match_its_detail() -> None:
    sample = load(SAMPLES_DIR / "contact.created.v1.json")

    with pytest.raises(ValidationError, match="does not match"):
        SaasBusEvent.model_validate({**sample, "detail-type": "contact.updated"})


def test_the_eventbridge_entry_carries_the_detail_exactly() -> None:
    event = SaasBusEvent.model_validate(load(SAMPLES_DIR / "invoice.finalized.v1.json")).detail

    entry = eventbridge_entry(event, "fsm-saas")

    assert (entry["EventBusName"], entry["Source"], entry["DetailType"]) == (
        "fsm-saas",
        "fsm.saas",
        "invoice.finalized",
    )
    assert SaasChangeEvent.model_validate_json(entry["Detail"]) == event
    assert (
        json.loads(entry["Detail"])["record"]["total"]
        == load(SAMPLES_DIR / "invoice.finalized.v1.json")["detail"]["record"]["total"]
    )


def test_events_the_app_publishes_through_eventbridge_validate_against_the_contract(
    saas_on_bus: SaasAppHandle, saas_bus: BusQueue
) -> None:
    user = saas_on_bus.app_client
    ann = user.create_contact(TENANT, first_name="Ann", last_name="Lee")
    draft = user.create_invoice(
        TENANT,
        contact_id=ann.id,
        issue_date="2026-11-20",
        due_date="2026-12-20",
        lines=[{"description": "Boiler service", "unit_price": "149.99", "taxable": True, "tax_rate": "8.25"}],
    )
    user.finalize_invoice(TENANT, draft.id)
    saas_on_bus.wait_until_published()

    delivered = saas_bus.receive(3)

    assert sorted(event.detail_type for event in delivered) == [
        "contact.created",
        "invoice.created",
        "invoice.finalized",
    ]
    finalized = next(event.detail for event in delivered if event.detail_type == "invoice.finalized")
    assert isinstance(finalized.record, Invoice)
    assert str(finalized.record.total) == "162.36"


def test_the_sample_generator_still_covers_every_event_type(tmp_path: Path) -> None:
    written = write_samples(tmp_path)

    assert sorted(path.name for path in written) == [path.name for path in SAMPLES]
    for path in written:
        SaasBusEvent.model_validate(load(path))
