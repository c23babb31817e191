"""Settings are a closed schema (issue 10, A.5): 9,000 made-up `directions` keys were once stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from fieldbooks.domain.models import SYNCED_ENTITIES, ConnectionSettings, EntityDirection, Provider
from fieldbooks.store.connections import ConnectionRow, ConnectionStore


def test_directions_for_the_entities_that_sync_are_kept() -> None:
    settings = ConnectionSettings.model_validate({"directions": {"invoice": "off", "contact": "to_accounting"}})

    assert settings.direction("invoice") is EntityDirection.OFF
    assert settings.direction("payment") is EntityDirection.BOTH  # left out: its default


def test_thousands_of_made_up_entities_are_refused_in_one_short_sentence() -> None:
    made_up = {f"entity_{n}": "both" for n in range(9_000)}

    with pytest.raises(ValidationError) as refused:
        ConnectionSettings.model_validate({"directions": {"contact": "both", **made_up}})

    (problem,) = refused.value.errors()
    assert problem["loc"] == ("directions",)
    assert problem["msg"] == (
        "Value error, 'entity_0', 'entity_1', 'entity_2' and 8997 more are not a kind of record that syncs; "
        f"use {', '.join(SYNCED_ENTITIES)}"
    )


@pytest.mark.parametrize(
    "body",
    [
        {"directions": {"job": "both"}},
        {"directions": {"contact": "sideways"}},
        {"directions": ["contact"]},
        {"colour": "blue"},
        {"pull_interval_minutes": 1},
        {"default_tax_code_id": "x" * 51},
    ],
)
def test_unknown_entities_fields_and_values_are_refused(body: dict) -> None:
    with pytest.raises(ValidationError):
        ConnectionSettings.model_validate(body)


def test_a_row_stored_before_the_closed_schema_still_reads_without_its_made_up_keys(aws) -> None:  # noqa: ANN001
    row = ConnectionRow(
        "t-old",
        "quickbooks_online",
        status="connected",
        remote_company_id="1",
        remote_company_key="quickbooks_online#1",
        company_name="Old Books",
        connected_by="u-1",
        connected_at=datetime(2026, 1, 1, tzinfo=UTC),
        settings={"directions": {"invoice": "off", "entity_0": "both"}},
    )
    row.save()

    assert ConnectionStore().get("t-old", Provider.QUICKBOOKS_ONLINE).settings.directions == {"invoice": "off"}
