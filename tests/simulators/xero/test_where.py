"""The `where` language on its own (providers.md 2.4), without a server."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from local.simulators.xero.errors import QueryFailed
from local.simulators.xero.where import compile_where

INVOICE = {
    "Status": "AUTHORISED",
    "Type": "ACCREC",
    "AmountDue": Decimal("240.00"),
    "Date": date(2026, 11, 30),
    "UpdatedDateUTC": datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
    "Contact": {"ContactID": "6f0c0f7a-2c1d-4e8b-9a53-0d8e3c2b1a10", "Name": "Acme Plumbing"},
    "Reference": None,
}


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ('Status=="AUTHORISED"', True),
        ('Status=="authorised"', True),  # string equality ignores case
        ('Status=="DRAFT" OR Type=="ACCREC"', True),
        ('Status=="DRAFT" || (Type=="ACCREC" && AmountDue>=240)', True),
        ('NOT Status=="AUTHORISED"', False),
        ("AmountDue>240", False),
        ("AmountDue<240.01", True),
        ("Date>=DateTime(2026, 11, 30)", True),
        ("Date>DateTime(2026, 11, 30)", False),
        ("UpdatedDateUTC>=DateTime(2026, 12, 1, 9, 0, 0)", True),
        ('Contact.ContactID==guid("6F0C0F7A-2C1D-4E8B-9A53-0D8E3C2B1A10")', True),
        ('Contact.Name.StartsWith("acme")', True),
        ('Contact.Name.Contains("boiler")', False),
        ('Contact.Name.ToLower()=="acme plumbing"', True),
        ("Reference==null", True),
        ("Reference!=null", False),
    ],
)
def test_where_clauses_select_as_xero_documents_them(clause: str, expected: bool) -> None:
    assert bool(compile_where(clause)(INVOICE)) is expected


@pytest.mark.parametrize(
    "clause", ['Name=="open', "Status==", '(Status=="A"', 'Name.Frobnicate("x")', "AmountDue>>1", "DateTime(2026, 13)"]
)
def test_clauses_xero_cannot_parse_are_refused_not_guessed(clause: str) -> None:
    with pytest.raises(QueryFailed):
        compile_where(clause)(INVOICE)
