"""Settings are a closed schema (issue 10, A.5): 9,000 made-up `directions` keys were once stored."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from fieldbooks.domain.models import SYNCED_ENTITIES, ConnectionSettings, EntityDirection


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
