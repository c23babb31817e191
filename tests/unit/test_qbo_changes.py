"""QboReader.changes over CDC: `>=` cursors, delete stubs and voids, and the 1000-object cap (providers.md 1.6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fieldbooks.providers.quickbooks_online.reads import CDC_MAX_OBJECTS, QboReader

T0 = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)


def customer(number: int, at: datetime, **fields: Any) -> dict[str, Any]:
    stamp = at.isoformat(timespec="seconds")
    return {
        "Id": str(number),
        "DisplayName": f"C{number}",
        "SyncToken": "0",
        "MetaData": {"LastUpdatedTime": stamp},
    } | fields


class StubClient:
    """Answers CDC calls from a list of pages and full queries from `every`; records what was asked."""

    def __init__(self, pages: list[dict[str, list[dict[str, Any]]]], every: list[dict[str, Any]] | None = None) -> None:
        self.pages, self.every = pages, every or []
        self.asked: list[tuple[list[str], str]] = []
        self.queries: list[str] = []

    def cdc(self, entities: list[str], changed_since: str) -> dict[str, list[dict[str, Any]]]:
        self.asked.append((entities, changed_since))
        return self.pages.pop(0)

    def query(self, statement: str) -> list[dict[str, Any]]:
        self.queries.append(statement)
        return self.every


def test_a_cursor_is_asked_a_second_early_and_changes_come_oldest_first_with_tombstones_and_voids() -> None:
    voided = {"Id": "9", "DocNumber": "1001", "TotalAmt": 0, "PrivateNote": "Voided", "SyncToken": "2"}
    voided["MetaData"] = {"LastUpdatedTime": (T0 + timedelta(seconds=3)).isoformat()}
    gone = {"status": "Deleted", "Id": "4", "MetaData": {"LastUpdatedTime": (T0 + timedelta(seconds=2)).isoformat()}}
    stub = StubClient([{"Customer": [customer(2, T0 + timedelta(seconds=1)), gone], "Invoice": [voided]}])

    changes = QboReader(stub).changes({"Customer": T0, "Invoice": T0})  # type: ignore[arg-type]

    assert stub.asked == [(["Customer", "Invoice"], (T0 - timedelta(seconds=1)).isoformat())]
    assert [(r.remote_entity, r.remote_id, r.deleted, r.voided) for r in changes] == [
        ("Customer", "2", False, False),
        ("Customer", "4", True, False),
        ("Invoice", "9", False, True),
    ]


def test_a_capped_answer_is_asked_again_from_its_newest_change_and_nothing_is_lost() -> None:
    first = [customer(n, T0 + timedelta(seconds=n)) for n in range(CDC_MAX_OBJECTS)]
    newest = T0 + timedelta(seconds=CDC_MAX_OBJECTS - 1)
    second = [customer(CDC_MAX_OBJECTS - 1, newest), *(customer(n, newest) for n in range(2000, 2005))]
    stub = StubClient([{"Customer": first}, {"Customer": second}])

    changes = QboReader(stub).changes({"Customer": T0})  # type: ignore[arg-type]

    assert stub.asked[1] == (["Customer"], (newest - timedelta(seconds=1)).isoformat())
    assert len(changes) == CDC_MAX_OBJECTS + 5  # the repeat of the newest one is kept once


def test_a_cap_within_one_second_falls_back_to_reading_every_record() -> None:
    crowded = [customer(n, T0) for n in range(CDC_MAX_OBJECTS)]
    stub = StubClient([{"Customer": crowded}], every=[customer(n, T0) for n in range(CDC_MAX_OBJECTS + 7)])

    changes = QboReader(stub).changes({"Customer": T0})  # type: ignore[arg-type]

    assert stub.queries == ["SELECT * FROM Customer WHERE Active IN (true, false)"]
    assert len(changes) == CDC_MAX_OBJECTS + 7


def test_no_moment_asks_for_every_record_inactive_names_included() -> None:
    stub = StubClient([], every=[customer(1, T0, Active=False)])

    (only,) = QboReader(stub).changes({"Customer": None})  # type: ignore[arg-type]

    assert (only.remote_id, only.active) == ("1", False)
    assert stub.asked == []
