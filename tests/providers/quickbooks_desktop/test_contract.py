"""QuickBooks Desktop passes the QUEUE variant of the provider contract against the simulated company:
its codec's messages run in the simulated QuickBooks and every one validates against qbxmlops130.xsd."""

from __future__ import annotations

import pytest
from lxml import etree

from fieldbooks.domain.models import ConnectionSettings
from fieldbooks.domain.records import RECORD_MODELS
from fieldbooks.providers.contract import Descriptor, Operations, OutgoingWork, Parents, WorkCodec
from fieldbooks.providers.quickbooks_desktop.package import QuickBooksDesktopPackage
from local.simulators.quickbooks_desktop import FaultRule, QuickBooksDesktop, SimulatorConfig
from local.simulators.quickbooks_desktop.xsd import safe_parser, validation_errors
from tests.providers.contract import STAMP, QueueProviderContract

HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="13.0"?>\n'


def run(desktop: QuickBooksDesktop, body: str) -> str:
    message = f'{HEAD}<QBXML><QBXMLMsgsRq onError="stopOnError">{body}</QBXMLMsgsRq></QBXML>'
    return desktop.process(desktop.open_company, message)


class TestQuickBooksDesktopContract(QueueProviderContract):
    @pytest.fixture(autouse=True)
    def desktop(self) -> QuickBooksDesktop:
        self.pc = QuickBooksDesktop(SimulatorConfig(time_scale=0.001))
        return self.pc

    @pytest.fixture
    def descriptor(self) -> Descriptor:
        return QuickBooksDesktopPackage.descriptor

    @pytest.fixture
    def operations(self) -> Operations:
        return QuickBooksDesktopPackage().operations(None)  # type: ignore[arg-type] - bodies need no connection

    @pytest.fixture
    def codec(self) -> WorkCodec:
        return QuickBooksDesktopPackage().codec

    def answer(self, request: str, lose: bool = False) -> str | None:
        response = self.pc.process(self.pc.open_company, request)
        return None if lose else response

    def customers(self) -> list[dict]:
        return list(self.pc.open_company.list_of("Customer").values())

    def edit_behind_our_back(self, entity: str, remote_id: str) -> None:
        (record,) = [c for c in self.customers() if c["ListID"] == remote_id]
        mod = f"<ListID>{remote_id}</ListID><EditSequence>{record['EditSequence']}</EditSequence><Phone>555</Phone>"
        assert 'statusCode="0"' in run(self.pc, f"<CustomerModRq><CustomerMod>{mod}</CustomerMod></CustomerModRq>")

    def take_name_elsewhere(self, name: str) -> None:
        assert 'statusCode="0"' in run(
            self.pc, f"<VendorAddRq><VendorAdd><Name>{name}</Name></VendorAdd></VendorAddRq>"
        )

    def make_busy(self, entity: str) -> None:
        self.pc.faults.add(FaultRule(kind="record_in_use", request="CustomerAdd"))

    def count_named(self, entity: str, name: str) -> int:
        return len([c for c in self.customers() if c["Name"] == name])

    def check_request(self, request: str) -> None:
        assert validation_errors(etree.fromstring(request.encode(), safe_parser())) == []


def test_every_field_a_contact_and_a_job_carry_is_in_schema_order() -> None:
    """The fullest bodies the mapper writes, as an Add and as a Mod, validate against the schema."""
    package = QuickBooksDesktopPackage()
    base = {"id": "con_1", "version": 1, "created_at": STAMP, "updated_at": STAMP}
    contact = RECORD_MODELS["contact"].model_validate(
        base
        | {
            "kind": "individual",
            "first_name": "Jane",
            "last_name": "Doe",
            "company_name": "Doe Plumbing",
            "email": "jane@example.com",
            "phone": "555-0100",
            "billing_address": {"line1": "1 Main St", "city": "Reno", "region": "NV", "postal_code": "89501"},
            "notes": "Gate code 1234",
        }
    )
    site = RECORD_MODELS["property"].model_validate(
        base | {"id": "prop_1", "contact_id": "con_1", "name": "Lake House", "address": {"line1": "1 Shore Rd"}}
    )
    operations = package.operations(None)  # type: ignore[arg-type]
    work = [
        OutgoingWork(
            "a1", "contact", "create", "k", operations.body("contact", contact, Parents(), ConnectionSettings())
        ),
        OutgoingWork(
            "a2",
            "contact",
            "update",
            "k",
            operations.body("contact", contact, Parents(), ConnectionSettings()),
            remote_id="80000001-1700000000",
            version="1700000000",
        ),
        OutgoingWork(
            "a3",
            "property",
            "create",
            "k",
            operations.body("property", site, Parents(customer_id="80000001-1700000000"), ConnectionSettings()),
            resent=True,
        ),
        OutgoingWork("a4", "contact", "create", "k", {"Name": "Jane Doe"}, resent=True),
    ]
    message = package.codec.encode(work)
    assert validation_errors(etree.fromstring(message.encode(), safe_parser())) == []
