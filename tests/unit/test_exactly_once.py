"""The create protocol on the real links table (moto): intent before the call, one key per intent."""

from __future__ import annotations

import pytest

from fieldbooks.domain.errors import StaleVersion, Transient, ValidationFailed
from fieldbooks.domain.models import LinkState, Provider
from fieldbooks.providers.contract import Written
from fieldbooks.store.links import LinkStore
from fieldbooks.sync.exactly_once import create_exactly_once, request_id

QBO = Provider.QUICKBOOKS_ONLINE


def test_request_ids_are_short_deterministic_and_differ_per_version_and_generation() -> None:
    def key_of(*parts: object) -> str:
        return request_id(*parts, length=36)  # type: ignore[arg-type]  # the length a descriptor gives

    key = key_of("t-acme", "contact", "con_1", 3, 0)
    assert len(key) == 36
    assert key == key_of("t-acme", "contact", "con_1", 3, 0)
    others = {key_of("t-acme", "contact", "con_1", 4, 0), key_of("t-acme", "contact", "con_1", 3, 1)}
    others |= {key_of("t-other", "contact", "con_1", 3, 0), key_of("t-acme", "item", "con_1", 3, 0)}
    assert key not in others and len(others) == 4


def create(links: LinkStore, version: int, call: object) -> tuple:
    return create_exactly_once(
        links,
        links.get("t-acme", QBO, "contact", "con_1"),
        tenant_id="t-acme",
        provider=QBO,
        entity="contact",
        saas_id="con_1",
        version=version,
        remote_entity="Customer",
        create=call,  # type: ignore[arg-type]
        snapshot={"DisplayName": "Jane Doe"},
    )


def test_a_retry_after_a_failed_call_repeats_the_same_key_even_for_a_newer_version(aws) -> None:  # noqa: ANN001
    links = LinkStore()
    keys: list[str] = []

    def lost(key: str) -> Written:
        keys.append(key)
        raise Transient("QuickBooks did not answer in time")

    with pytest.raises(Transient):
        create(links, 1, lost)
    pending = links.get("t-acme", QBO, "contact", "con_1")
    assert pending is not None
    assert (pending.state, pending.intent_request_id, pending.intent_version) == (LinkState.PENDING, keys[0], 1)

    def made(key: str) -> Written:
        keys.append(key)
        return Written(remote_id="58", version="0")

    link, _ = create(links, 2, made)
    assert keys[0] == keys[1]
    assert (link.state, link.remote_id, link.synced_version, link.intent_request_id) == (
        LinkState.LINKED,
        "58",
        1,
        None,
    )
    assert link.snapshot == {"DisplayName": "Jane Doe"}


def test_a_refusal_abandons_the_intent_so_the_next_try_gets_a_new_key(aws) -> None:  # noqa: ANN001
    links = LinkStore()
    keys: list[str] = []

    def refused(key: str) -> Written:
        keys.append(key)
        raise ValidationFailed("Duplicate Name Exists Error")

    with pytest.raises(ValidationFailed):
        create(links, 1, refused)
    abandoned = links.get("t-acme", QBO, "contact", "con_1")
    assert abandoned is not None
    assert (abandoned.intent_request_id, abandoned.generation) == (None, 1)
    with pytest.raises(ValidationFailed):
        create(links, 1, refused)
    assert keys[0] != keys[1]


def test_two_workers_cannot_both_start_a_create(aws) -> None:  # noqa: ANN001
    links = LinkStore()
    stale_view = links.get("t-acme", QBO, "contact", "con_1")  # both read "no link yet"
    create(links, 1, lambda key: Written(remote_id="58", version="0"))
    with pytest.raises(StaleVersion):
        create_exactly_once(
            links,
            stale_view,
            tenant_id="t-acme",
            provider=QBO,
            entity="contact",
            saas_id="con_1",
            version=1,
            remote_entity="Customer",
            create=lambda key: Written(remote_id="59", version="0"),
            snapshot={},
        )
