"""The codec's reading of QuickBooks' answers: hardened, lenient, one result per request it names."""

from __future__ import annotations

import pytest

from fieldbooks.domain.errors import DuplicateName, RemoteNotFound, StaleVersion, Transient, ValidationFailed
from fieldbooks.providers.contract import SendAgain, Written
from fieldbooks.providers.quickbooks_desktop.codec import QbxmlCodec
from fieldbooks.providers.quickbooks_desktop.hello import company_file
from fieldbooks.providers.quickbooks_desktop.qwc import OWNER_ID

CODEC = QbxmlCodec()


def response(*answers: str) -> str:
    return f'<?xml version="1.0"?><QBXML><QBXMLMsgsRs>{"".join(answers)}</QBXMLMsgsRs></QBXML>'


def rs(request_id: str, code: int, ret: str = "", kind: str = "CustomerAddRs") -> str:
    return f'<{kind} requestID="{request_id}" statusCode="{code}" statusMessage="m{code}">{ret}</{kind}>'


RET = "<CustomerRet><ListID>80000001-1</ListID><EditSequence>17</EditSequence><Name>Jane</Name></CustomerRet>"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (rs("add-a", 0, RET), Written("80000001-1", "17")),
        (rs("add-a", 500, RET), Written("80000001-1", "17")),
        (rs("add-a", 3100), DuplicateName),
        (rs("mod-a", 3120, kind="CustomerModRs"), RemoteNotFound),
        (rs("add-a", 3180), Transient),
        (rs("mod-a", 3200, kind="CustomerModRs"), StaleVersion),
        (rs("add-a", 3070), ValidationFailed),
        (rs("look-a", 1, kind="CustomerQueryRs"), SendAgain()),
        (rs("look-a", 0, RET, kind="CustomerQueryRs"), Written("80000001-1", "17")),
        (rs("look-a-80000009-9", 0, RET, kind="CustomerQueryRs"), SendAgain()),  # a job of another customer
        (rs("read-a", 0, RET, kind="CustomerQueryRs"), SendAgain(version="17")),
        (rs("read-a", 1, kind="CustomerQueryRs"), RemoteNotFound),
    ],
)
def test_each_status_becomes_its_result(answer: str, expected: object) -> None:
    (result,) = CODEC.decode(response(answer)).values()

    if isinstance(expected, type):
        assert isinstance(result, expected)
    else:
        assert result == expected


def test_answers_it_did_not_ask_for_are_left_out() -> None:
    assert CODEC.decode(response(rs("", 0, RET), rs("other", 0, RET), rs("add-a", 0, RET))).keys() == {"a"}


@pytest.mark.parametrize(
    "hostile",
    [
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><QBXML>&e;</QBXML>',
        "<QBXML><unclosed></QBXML>",
        "<QBXML>" + "x" * 5_000_001 + "</QBXML>",
    ],
)
def test_a_hostile_or_broken_response_is_refused(hostile: str) -> None:
    with pytest.raises(ValidationFailed):
        CODEC.decode(hostile)


def test_the_company_file_reports_the_file_id_stamped_for_our_owner_id_only() -> None:
    hello = response(
        '<CompanyQueryRs requestID="2" statusCode="0"><CompanyRet><CompanyName>Acme</CompanyName>'
        "<DataExtRet><OwnerID>{0F0E0D0C-0B0A-4909-8807-060504030201}</OwnerID><DataExtName>FileID</DataExtName>"
        "<DataExtType>STR255TYPE</DataExtType><DataExtValue>{theirs}</DataExtValue></DataExtRet>"
        f"<DataExtRet><OwnerID>{OWNER_ID.lower()}</OwnerID><DataExtName>FileID</DataExtName>"
        "<DataExtType>STR255TYPE</DataExtType><DataExtValue>{ours}</DataExtValue></DataExtRet>"
        "</CompanyRet></CompanyQueryRs>"
    )

    found = company_file(hello, r"C:\Acme.qbw", OWNER_ID)

    assert (found.path, found.file_id) == (r"C:\Acme.qbw", "{ours}")
    assert company_file("", r"C:\Acme.qbw", OWNER_ID).file_id is None
