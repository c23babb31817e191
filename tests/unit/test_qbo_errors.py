"""Each shape of QuickBooks error reply (providers.md 1.2, 1.5) becomes the right domain error."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from fieldbooks.domain.errors import (
    AuthExpired,
    DuplicateName,
    RateLimited,
    RemoteNotFound,
    StaleVersion,
    Transient,
    ValidationFailed,
)
from fieldbooks.providers.quickbooks_online.errors import (
    TokenRejected,
    batch_item_result,
    domain_error_for,
    parse_json,
)

THROTTLE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><IntuitResponse time="2026-01-01T00:00:00-08:00">'
    '<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; '
    "statusCode=429</Message><Detail>The request limit was reached.  Try again later</Detail></Error></Fault>"
    "</IntuitResponse>"
)
DUPLICATE_NAME = {
    "Fault": {
        "Error": [
            {
                "Message": "Duplicate Name Exists Error",
                "Detail": "The name supplied already exists. : Another customer, vendor or employee is already "
                "using this name. Please use a different name.",
                "code": "6240",
                "element": "",
            }
        ],
        "type": "ValidationFault",
    },
    "time": "2015-11-05T08:52:58.683-08:00",
}
MALFORMED_TOKEN = {
    "fault": {
        "error": [
            {
                "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                "detail": "Malformed bearer token: too short or too long",
                "code": "3200",
            }
        ],
        "type": "AUTHENTICATION",
    }
}


def fault(code: str, detail: str = "Something is wrong") -> dict:
    return {"Fault": {"Error": [{"Message": "m", "Detail": detail, "code": code}], "type": "ValidationFault"}}


def reply(status: int, body: object = None, headers: dict[str, str] | None = None) -> httpx.Response:
    content = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
    return httpx.Response(status, content=content.encode(), headers=headers or {})


def test_a_429_is_read_by_status_although_its_body_is_xml() -> None:
    error = domain_error_for(reply(429, THROTTLE_XML, {"Content-Type": "application/xml"}))

    assert isinstance(error, RateLimited)
    assert error.retry_after == 60.0


def test_retry_after_is_honoured_when_sent() -> None:
    error = domain_error_for(reply(429, THROTTLE_XML, {"Retry-After": "17"}))

    assert isinstance(error, RateLimited)
    assert error.retry_after == 17.0


def test_the_old_403_throttle_is_still_a_rate_limit() -> None:
    assert isinstance(domain_error_for(reply(403, THROTTLE_XML)), RateLimited)


def test_the_lower_case_authentication_fault_means_refresh_then_retry() -> None:
    assert isinstance(domain_error_for(reply(401, MALFORMED_TOKEN)), TokenRejected)


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (400, DUPLICATE_NAME, DuplicateName),
        (400, fault("5010"), StaleVersion),
        (400, fault("610"), RemoteNotFound),
        (404, fault("610"), RemoteNotFound),
        (400, fault("2500"), RemoteNotFound),
        (403, fault("3100"), AuthExpired),
        (401, fault("100"), TokenRejected),
        (503, fault("10000"), Transient),
        (500, "<html>Bad gateway</html>", Transient),
        (400, fault("6000", "The amount must be positive"), ValidationFailed),
        (400, fault("2020", "Required parameter Line is missing"), ValidationFailed),
    ],
)
def test_each_documented_code_maps_to_its_domain_error(status: int, body: object, kind: type) -> None:
    assert isinstance(domain_error_for(reply(status, body)), kind)


def test_a_fault_inside_a_200_is_an_error() -> None:
    error = domain_error_for(reply(200, DUPLICATE_NAME))

    assert isinstance(error, DuplicateName)
    assert "already using this name" in error.message


def test_validation_errors_carry_quickbooks_own_words() -> None:
    error = domain_error_for(reply(400, fault("6000", "You cannot enter more than 50 characters")))

    assert error is not None
    assert error.message == "You cannot enter more than 50 characters"


def test_a_success_is_not_an_error_and_keeps_money_exact() -> None:
    ok = reply(200, {"Invoice": {"TotalAmt": 0.1}})

    assert domain_error_for(ok) is None
    assert parse_json(ok.content)["Invoice"]["TotalAmt"] == Decimal("0.1")


def test_a_batch_item_is_its_record_or_its_own_fault() -> None:
    assert batch_item_result({"bId": "b0", "Customer": {"Id": "1"}}, "Customer") == {"Id": "1"}
    assert isinstance(batch_item_result({"bId": "b1", **fault("6240")}, "Customer"), DuplicateName)
