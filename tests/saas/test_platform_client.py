"""Fieldbooks' platform client against the reference app: typed records in, domain errors out."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from fieldbooks.domain.errors import (
    NotFound,
    RateLimited,
    StaleVersion,
    Transient,
    Unauthorized,
    ValidationFailed,
)
from fieldbooks.domain.record_fields import (
    AccountingLinkFields,
    ContactChanges,
    ContactFields,
    PaymentFields,
    PropertyFields,
)
from fieldbooks.domain.records import Contact
from fieldbooks.saas.client import SaasPlatformClient
from local.saas.client import SaasAppClient
from local.saas.publisher import RecordingSink
from local.saas.server import SaasAppHandle
from tests.saas.conftest import TENANT

LONG_AGO = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def finalized_invoice(user: SaasAppClient, contact_id: str, unit_price: str = "200.00") -> str:
    draft = user.create_invoice(
        TENANT,
        contact_id=contact_id,
        issue_date="2026-11-20",
        due_date="2026-12-20",
        lines=[{"description": "Water heater install", "unit_price": unit_price}],
    )
    return user.finalize_invoice(TENANT, draft.id).id


def test_changes_are_listed_page_by_page_from_updated_since_inclusive(
    user: SaasAppClient, platform: SaasPlatformClient
) -> None:
    early = [user.create_contact(TENANT, first_name=f"Early {n}") for n in range(3)]
    cutoff = platform.get_contact(TENANT, early[-1].id).updated_at
    late = [user.create_contact(TENANT, first_name=f"Late {n}") for n in range(4)]
    user.update_contact(TENANT, early[0].id, phone="555")

    first_page = platform.list_changed_page(TENANT, "contact", since=cutoff, limit=2)
    changed = list(platform.list_changed(TENANT, "contact", since=cutoff, page_size=2))

    assert first_page.next_cursor is not None and len(first_page.records) == 2
    # `>=`: the contact changed exactly at the cutoff is included, and the edited one comes last.
    assert [record.id for record in changed] == [early[-1].id] + [contact.id for contact in late] + [early[0].id]
    assert all(isinstance(record, Contact) for record in changed)


def test_a_listing_from_the_beginning_includes_deleted_records(
    user: SaasAppClient, platform: SaasPlatformClient
) -> None:
    gone = user.create_contact(TENANT, first_name="Gone")
    user.delete_contact(TENANT, gone.id)

    (listed,) = platform.list_changed(TENANT, "contact", since=LONG_AGO)

    assert listed.id == gone.id and listed.deleted_at is not None


def test_an_update_with_a_stale_if_match_raises_stale_version(
    user: SaasAppClient, platform: SaasPlatformClient
) -> None:
    ann = user.create_contact(TENANT, first_name="Ann")
    user.update_contact(TENANT, ann.id, phone="555")

    with pytest.raises(StaleVersion, match="at version 2, not 1"):
        platform.update_contact(TENANT, ann.id, ContactChanges(email="ann@example.com"), if_match=1)
    updated = platform.update_contact(TENANT, ann.id, ContactChanges(email="ann@example.com"), if_match=2)

    assert (updated.version, updated.email, updated.phone) == (3, "ann@example.com", "555")


def test_a_repeated_create_with_the_same_key_returns_the_first_contact(
    saas: SaasAppHandle, platform: SaasPlatformClient, recording_sink: RecordingSink
) -> None:
    fields = ContactFields(kind="company", company_name="Bright Cleaning LLC", email="ops@bright.example")

    first = platform.create_contact(TENANT, fields, idempotency_key="qbo-customer-58")
    again = platform.create_contact(TENANT, fields, idempotency_key="qbo-customer-58")
    saas.wait_until_published()

    assert again == first
    assert [(event.detail_type, event.origin) for event in recording_sink.events] == [("contact.created", "fieldbooks")]


def test_a_reused_key_for_another_request_is_refused(platform: SaasPlatformClient) -> None:
    platform.create_contact(TENANT, ContactFields(first_name="Ann"), idempotency_key="k-1")

    with pytest.raises(ValidationFailed, match="already used for a different request"):
        platform.create_contact(TENANT, ContactFields(first_name="Bob"), idempotency_key="k-1")


def test_a_wrong_api_key_raises_unauthorized(saas: SaasAppHandle) -> None:
    with (
        SaasPlatformClient(saas.base_url, "not-the-key") as intruder,
        pytest.raises(Unauthorized, match="Missing or wrong platform API key"),
    ):
        intruder.get_contact(TENANT, "con_x")


def test_a_malformed_body_raises_validation_failed_naming_the_field(saas: SaasAppHandle) -> None:
    reply = httpx.post(
        f"{saas.base_url}/platform/v1/tenants/{TENANT}/contacts",
        headers={"Authorization": f"Bearer {saas.platform_api_key}"},
        json={"first_name": "Ann", "email": "not-an-email"},
    )
    with SaasPlatformClient(saas.base_url, saas.platform_api_key) as platform:
        changes = ContactChanges(email="still not an email")
        ann = platform.create_contact(TENANT, ContactFields(first_name="Ann"), idempotency_key="k-ann")
        with pytest.raises(ValidationFailed, match="email: String should match pattern"):
            platform.update_contact(TENANT, ann.id, changes, if_match=1)

    assert reply.status_code == 422
    assert reply.json()["message"].startswith("Invalid request: email:")


def test_unknown_tenant_and_unknown_record_raise_not_found(platform: SaasPlatformClient) -> None:
    with pytest.raises(NotFound, match="no tenant 't-nobody'"):
        platform.get_contact("t-nobody", "con_x")
    with pytest.raises(NotFound, match="no invoice 'inv_missing'"):
        platform.get_invoice(TENANT, "inv_missing")


def test_a_payment_from_accounting_pays_down_the_invoice(
    saas: SaasAppHandle, user: SaasAppClient, platform: SaasPlatformClient, recording_sink: RecordingSink
) -> None:
    ann = user.create_contact(TENANT, first_name="Ann")
    invoice_id = finalized_invoice(user, ann.id)
    fields = PaymentFields(
        contact_id=ann.id,
        date=dt.date(2026, 11, 25),
        amount=Decimal("150.00"),
        method="bank_transfer",
        applied_to=[{"invoice_id": invoice_id, "amount": "150.00"}],
    )

    payment = platform.record_payment(TENANT, fields, idempotency_key="qbo-payment-7")
    platform.record_payment(TENANT, fields, idempotency_key="qbo-payment-7")
    saas.wait_until_published()

    assert payment.amount == Decimal("150.00")
    assert platform.get_invoice(TENANT, invoice_id).balance_due == Decimal("50.00")
    from_fieldbooks = [event.detail_type for event in recording_sink.events if event.origin == "fieldbooks"]
    assert from_fieldbooks == ["payment.created", "invoice.updated"]


def test_a_payment_larger_than_the_balance_is_refused(user: SaasAppClient, platform: SaasPlatformClient) -> None:
    ann = user.create_contact(TENANT, first_name="Ann")
    invoice_id = finalized_invoice(user, ann.id, unit_price="80.00")
    fields = PaymentFields(
        contact_id=ann.id,
        date=dt.date(2026, 11, 25),
        amount=Decimal("100.00"),
        method="cash",
        applied_to=[{"invoice_id": invoice_id, "amount": "100.00"}],
    )

    with pytest.raises(ValidationFailed, match="100.00 is more than the 80.00 due"):
        platform.record_payment(TENANT, fields, idempotency_key="p-1")


def test_voiding_from_accounting_is_published_as_fieldbooks_and_repeats_harmlessly(
    saas: SaasAppHandle, user: SaasAppClient, platform: SaasPlatformClient, recording_sink: RecordingSink
) -> None:
    ann = user.create_contact(TENANT, first_name="Ann")
    invoice_id = finalized_invoice(user, ann.id)

    voided = platform.void_invoice(TENANT, invoice_id, if_match=2)
    again = platform.void_invoice(TENANT, invoice_id)
    saas.wait_until_published()

    assert voided.status == again.status == "void"
    assert again.version == 3
    assert recording_sink.events[-1].detail_type == "invoice.voided"
    assert recording_sink.events[-1].origin == "fieldbooks"


def test_reversing_a_payment_from_accounting_makes_its_invoice_owed_again_and_repeats_harmlessly(
    saas: SaasAppHandle, user: SaasAppClient, platform: SaasPlatformClient, recording_sink: RecordingSink
) -> None:
    ann = user.create_contact(TENANT, first_name="Ann")
    invoice_id = finalized_invoice(user, ann.id)
    fields = PaymentFields(
        contact_id=ann.id,
        date=dt.date(2026, 11, 25),
        amount=Decimal("150.00"),
        method="check",
        applied_to=[{"invoice_id": invoice_id, "amount": "150.00"}],
    )
    payment = platform.record_payment(TENANT, fields, idempotency_key="qbo-payment-8")

    reversed_payment = platform.reverse_payment(TENANT, payment.id, if_match=payment.version, idempotency_key="r-8")
    again = platform.reverse_payment(TENANT, payment.id)
    saas.wait_until_published()

    assert reversed_payment.reversed_at is not None and again.version == reversed_payment.version == 2
    assert platform.get_invoice(TENANT, invoice_id).balance_due == Decimal("200.00")
    from_fieldbooks = [event.detail_type for event in recording_sink.events if event.origin == "fieldbooks"]
    assert from_fieldbooks[-2:] == ["payment.reversed", "invoice.updated"]


def test_reversing_a_payment_that_moved_on_is_refused_as_stale(
    user: SaasAppClient, platform: SaasPlatformClient
) -> None:
    ann = user.create_contact(TENANT, first_name="Ann")
    invoice_id = finalized_invoice(user, ann.id)
    fields = PaymentFields(
        contact_id=ann.id,
        date=dt.date(2026, 11, 25),
        amount=Decimal("20.00"),
        method="cash",
        applied_to=[{"invoice_id": invoice_id, "amount": "20.00"}],
    )
    payment = platform.record_payment(TENANT, fields, idempotency_key="qbo-payment-9")
    platform.set_accounting_link(TENANT, "payment", payment.id, AccountingLinkFields(provider="qbo", remote_id="9"))

    with pytest.raises(StaleVersion):
        platform.reverse_payment(TENANT, payment.id, if_match=payment.version)
    with pytest.raises(NotFound):
        platform.reverse_payment(TENANT, "pay_missing")
    assert platform.get_invoice(TENANT, invoice_id).balance_due == Decimal("180.00")


def test_the_accounting_link_is_set_and_cleared(user: SaasAppClient, platform: SaasPlatformClient) -> None:
    item = user.create_item(TENANT, name="Drain unblock", unit_price="120.00")

    linked = platform.set_accounting_link(
        TENANT, "item", item.id, AccountingLinkFields(provider="xero", remote_id="x1")
    )
    relinked = platform.set_accounting_link(
        TENANT, "item", item.id, AccountingLinkFields(provider="xero", remote_id="x1")
    )
    unlinked = platform.clear_accounting_link(TENANT, "item", item.id)

    assert linked.accounting_link is not None and linked.accounting_link.remote_id == "x1"
    assert relinked.version == linked.version == 2
    assert unlinked.accounting_link is None and unlinked.version == 3


def client_answering(handler: Callable[[httpx.Request], httpx.Response]) -> SaasPlatformClient:
    return SaasPlatformClient("http://saas.invalid", "key", http=httpx.Client(transport=httpx.MockTransport(handler)))


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (httpx.Response(429, headers={"Retry-After": "7"}, json={"message": "slow down"}), RateLimited),
        (httpx.Response(503, text="upstream unavailable"), Transient),
        (httpx.Response(409, json={"message": "conflict"}), StaleVersion),
        (httpx.Response(400, json={"message": "bad"}), ValidationFailed),
        (httpx.Response(403, json={"message": "no"}), Unauthorized),
    ],
)
def test_each_status_becomes_its_domain_error(reply: httpx.Response, error: type[Exception]) -> None:
    with client_answering(lambda request: reply) as platform, pytest.raises(error) as raised:
        platform.get_contact(TENANT, "con_1")

    if isinstance(raised.value, RateLimited):
        assert raised.value.retry_after == 7.0


def test_a_timeout_becomes_transient() -> None:
    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with client_answering(time_out) as platform, pytest.raises(Transient, match="Could not reach"):
        platform.get_contact(TENANT, "con_1")


def test_every_write_carries_an_idempotency_key() -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500)

    with client_answering(record) as platform:
        for write in (
            lambda: platform.void_invoice(TENANT, "inv_1"),
            lambda: platform.reverse_payment(TENANT, "pay_1"),
            lambda: platform.clear_accounting_link(TENANT, "contact", "con_1"),
            lambda: platform.create_contact(TENANT, ContactFields(first_name="A"), idempotency_key="given"),
        ):
            with pytest.raises(Transient):
                write()

    assert all(request.headers.get("Idempotency-Key") for request in seen)
    assert seen[-1].headers["Idempotency-Key"] == "given"


def test_a_tenant_sees_only_its_own_records(user: SaasAppClient, platform: SaasPlatformClient) -> None:
    user.create_tenant("t-other", "Other Co")
    ann = user.create_contact(TENANT, first_name="Ann")

    with pytest.raises(NotFound):
        platform.get_contact("t-other", ann.id)
    with pytest.raises(NotFound):
        platform.set_accounting_link("t-other", "contact", ann.id, AccountingLinkFields(provider="qbo", remote_id="1"))
    assert list(platform.list_changed("t-other", "contact", since=LONG_AGO)) == []


def test_a_job_site_from_accounting_is_created_once_under_its_contact(
    user: SaasAppClient, platform: SaasPlatformClient
) -> None:
    owner = user.create_contact(TENANT, first_name="Ann", last_name="Site")
    fields = PropertyFields(contact_id=owner.id, name="Lake House", address={"line1": "9 Shore Rd"})

    first = platform.create_property(TENANT, fields, idempotency_key="fb-pull-qbo-customer-77")
    again = platform.create_property(TENANT, fields, idempotency_key="fb-pull-qbo-customer-77")

    assert (again.id, again.version) == (first.id, first.version)
    assert (first.contact_id, first.name, first.address.line1) == (owner.id, "Lake House", "9 Shore Rd")
    listed = [p.id for p in platform.list_changed(TENANT, "property", since=LONG_AGO)]
    assert listed.count(first.id) == 1


def test_a_job_site_for_a_contact_that_does_not_exist_is_refused(platform: SaasPlatformClient) -> None:
    fields = PropertyFields(contact_id="con_missing", name="Nowhere", address={"line1": "1 Gone St"})

    with pytest.raises((NotFound, ValidationFailed)):
        platform.create_property(TENANT, fields, idempotency_key="fb-pull-qbo-customer-78")
