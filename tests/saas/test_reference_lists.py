"""Reference lists in the reference app: Fieldbooks replaces one list per kind and provider through the
platform API, the product shows them (app API), and a repeat changes nothing."""

from decimal import Decimal

import httpx
import pytest

from fieldbooks.domain.errors import NotFound, ValidationFailed
from fieldbooks.domain.reference_lists import ReferenceEntry
from fieldbooks.saas.client import SaasPlatformClient
from fieldbooks.saas.reference_lists import ReferenceListFields
from local.saas.client import SaasAppClient
from local.saas.server import SaasAppHandle
from tests.saas.conftest import TENANT

SALES = ReferenceEntry(id="1", name="Services")
PRODUCTS = ReferenceEntry(id="2", name="Sales of Product Income")
STANDARD = ReferenceEntry(id="3", name="20.0% S", taxable=True, tax_rate_ids=("1",))
TWENTY = ReferenceEntry(id="1", name="20.0% S", rate_percent=Decimal("20"))


def test_a_list_replaced_through_the_platform_api_is_what_the_product_shows(
    platform: SaasPlatformClient, user: SaasAppClient
) -> None:
    platform.put_reference_list(TENANT, "income_accounts", ReferenceListFields(provider="qbo", entries=[SALES]))
    platform.put_reference_list(TENANT, "tax_rates", ReferenceListFields(provider="qbo", entries=[TWENTY]))

    replaced = platform.put_reference_list(
        TENANT, "income_accounts", ReferenceListFields(provider="qbo", entries=[SALES, PRODUCTS])
    )

    assert (replaced.kind, replaced.provider, replaced.version) == ("income_accounts", "qbo", 2)
    assert [e.id for e in replaced.entries] == ["1", "2"]
    shown = {(listing.kind, listing.provider): listing for listing in user.reference_lists(TENANT)}
    assert set(shown) == {("income_accounts", "qbo"), ("tax_rates", "qbo")}
    assert shown["income_accounts", "qbo"].entries == [SALES, PRODUCTS]  # replaced whole, not appended
    assert shown["tax_rates", "qbo"].entries[0].rate_percent == Decimal("20")  # exact, never a float
    assert [each.entries for each in platform.reference_lists(TENANT, "tax_codes")] == []


def test_the_same_list_again_changes_nothing_and_each_provider_keeps_its_own(platform: SaasPlatformClient) -> None:
    first = platform.put_reference_list(TENANT, "tax_codes", ReferenceListFields(provider="qbo", entries=[STANDARD]))
    other = platform.put_reference_list(TENANT, "tax_codes", ReferenceListFields(provider="xero", entries=[]))

    again = platform.put_reference_list(TENANT, "tax_codes", ReferenceListFields(provider="qbo", entries=[STANDARD]))

    assert (again.version, again.updated_at) == (first.version, first.updated_at) == (1, first.updated_at)
    assert {(each.provider, len(each.entries)) for each in platform.reference_lists(TENANT, "tax_codes")} == {
        ("qbo", 1),
        ("xero", 0),
    }
    assert other.version == 1


def test_a_repeated_idempotency_key_replays_and_a_reused_one_is_refused(platform: SaasPlatformClient) -> None:
    fields = ReferenceListFields(provider="qbo", entries=[SALES])
    first = platform.put_reference_list(TENANT, "income_accounts", fields, idempotency_key="fb-ref-1")
    replayed = platform.put_reference_list(TENANT, "income_accounts", fields, idempotency_key="fb-ref-1")
    assert replayed == first

    different = ReferenceListFields(provider="qbo", entries=[PRODUCTS])
    with pytest.raises(ValidationFailed):
        platform.put_reference_list(TENANT, "income_accounts", different, idempotency_key="fb-ref-1")


def test_an_unknown_kind_tenant_or_key_and_a_malformed_list_are_clear_refusals(saas: SaasAppHandle) -> None:
    base = f"{saas.base_url}/platform/v1/tenants"
    auth = {"Authorization": f"Bearer {saas.platform_api_key}"}
    body = {"provider": "qbo", "entries": [{"id": "1", "name": "Services"}]}
    with httpx.Client(headers=auth) as http:
        unknown_kind = http.put(f"{base}/{TENANT}/reference-lists/vendors", json=body)
        assert unknown_kind.status_code == 404
        assert "There is no reference list 'vendors'" in unknown_kind.json()["message"]
        made_up = http.put(f"{base}/{TENANT}/reference-lists/tax-codes", json={**body, "colour": "red"})
        assert made_up.status_code == 422
        blank_entry = {"provider": "qbo", "entries": [{"id": ""}]}
        blank = http.put(f"{base}/{TENANT}/reference-lists/tax-codes", json=blank_entry)
        assert blank.status_code == 422
    with httpx.Client() as http:
        assert http.put(f"{base}/{TENANT}/reference-lists/tax-codes", json=body).status_code == 401
    with SaasPlatformClient(saas.base_url, saas.platform_api_key) as platform, pytest.raises(NotFound):
        platform.put_reference_list("t-nobody", "tax_codes", ReferenceListFields(provider="qbo", entries=[]))
