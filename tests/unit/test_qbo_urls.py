"""Ids are values, never path segments: what reaches QuickBooks' URL is a QuickBooks id or nothing (issue 10, A.3)."""

from __future__ import annotations

import httpx
import pytest

from fieldbooks.domain.errors import ValidationFailed
from fieldbooks.providers.quickbooks_online.client import QboClient
from fieldbooks.providers.quickbooks_online.descriptor import DESCRIPTOR

REALM = "9130350000000001"
HOSTILE_IDS = ["2?x=1", "../item/1", "../../9130350000000002/customer/1", "1\x00", "1/2", "%2F", ".", "..", "", "058"]


class FixedToken:
    def current(self) -> str:
        return "access-token"

    def refreshed(self, rejected: str) -> str:
        raise AssertionError("no call here is refused")


def recording_client(sent: list[httpx.Request], realm: str = REALM) -> QboClient:
    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"Customer": {"Id": "58", "SyncToken": "0"}})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    return QboClient("https://quickbooks.example", realm, FixedToken(), http=http)


def test_a_read_puts_the_id_in_its_own_segment_and_nothing_else() -> None:
    sent: list[httpx.Request] = []

    recording_client(sent).read("Customer", "58")

    (request,) = sent
    assert request.url.path == f"/v3/company/{REALM}/customer/58"
    assert dict(request.url.params) == {"minorversion": "75"}


@pytest.mark.parametrize("remote_id", HOSTILE_IDS)
def test_an_id_that_is_not_a_quickbooks_id_is_refused_before_anything_is_sent(remote_id: str) -> None:
    sent: list[httpx.Request] = []

    with pytest.raises(ValidationFailed, match="is not a QuickBooks id"):
        recording_client(sent).read("Customer", remote_id)

    assert sent == []


@pytest.mark.parametrize("realm", ["../other", "1?x=1", "realm-1"])
def test_a_company_id_that_is_not_a_realm_id_never_becomes_a_url(realm: str) -> None:
    with pytest.raises(ValidationFailed, match="is not a QuickBooks id"):
        recording_client([], realm=realm)


@pytest.mark.parametrize(("remote_id", "valid"), [("58", True), ("1", True), ("0", False), ("058", False)])
def test_the_descriptor_says_what_a_quickbooks_id_looks_like(remote_id: str, valid: bool) -> None:
    assert DESCRIPTOR.is_remote_id(remote_id) is valid


def test_no_hostile_id_passes_the_descriptors_grammar() -> None:
    assert [hostile for hostile in HOSTILE_IDS if DESCRIPTOR.is_remote_id(hostile)] == []
