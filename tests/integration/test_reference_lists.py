"""Reference lists end to end: the real connect flow queues the initial run, the real pull worker reads
the tax codes, tax rates and income accounts from the QuickBooks Online simulator over HTTP and hands them
to the reference SaaS app, and the tenant API's settings PUT chooses from them (moto throughout)."""

from __future__ import annotations

import traceback
import uuid
from decimal import Decimal

import boto3
import pytest

from fieldbooks.domain.models import Provider
from fieldbooks.store.reference_lists import ReferenceListStore
from fieldbooks.store.sync_log import SyncLogFilter, SyncLogStore
from local.runtime.handlers import LambdaContext, load_handler, load_module
from local.simulators.quickbooks_online import SimulatorHandle
from tests.conftest import QBO_REALM, TEMPLATE, SaasApp
from tests.support.oauth_flow import connect_quickbooks, tenant_api
from tests.support.sqs import receive_event

QBO = Provider.QUICKBOOKS_ONLINE
LISTS = f"/connections/{QBO.value}/reference-lists"
SETTINGS = f"/connections/{QBO.value}/settings"


def run_initial_sync(aws) -> None:  # noqa: ANN001 - the aws fixture
    """What Lambda's poller does with the run the callback queued: the real pull worker takes it."""
    event = receive_event(boto3.client("sqs"), aws.queue_url("PullQueue"))
    assert event["Records"], "connecting queued no initial run"
    reply = load_handler(TEMPLATE.function("PullWorkerFunction"))(event, LambdaContext("fieldbooks-test"))
    for failure in load_module(TEMPLATE.function("PullWorkerFunction")).processor.exceptions:
        traceback.print_exception(*failure)
    assert reply == {"batchItemFailures": []}


@pytest.fixture
def tenant(aws, qbo: SimulatorHandle, saas_app: SaasApp) -> str:  # noqa: ANN001 - fixture
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    saas_app.handle.app_client.create_tenant(tenant_id, "Acme Plumbing")
    connect_quickbooks(tenant_id)
    return tenant_id


def test_the_initial_run_after_connect_brings_the_lists_into_the_saas_and_the_settings_pick_lists(
    aws, tenant: str, saas_app: SaasApp
) -> None:  # noqa: ANN001
    assert tenant_api("GET", LISTS, tenant, role="member").body["pulled_at"] is None  # the callback read nothing

    run_initial_sync(aws)

    shown = {(each.kind, each.provider): each for each in saas_app.handle.app_client.reference_lists(tenant)}
    assert set(shown) == {("tax_codes", "qbo"), ("tax_rates", "qbo"), ("income_accounts", "qbo")}
    # The seeded US company: two income accounts (not A/R, not Undeposited Funds), AST's codes, one rate.
    assert [e.name for e in shown["income_accounts", "qbo"].entries] == ["Services", "Sales of Product Income"]
    assert {e.id for e in shown["tax_codes", "qbo"].entries} == {"2", "TAX", "NON"}
    (california,) = shown["tax_rates", "qbo"].entries
    assert (california.name, california.rate_percent) == ("California", Decimal("7.25"))

    page = tenant_api("GET", LISTS, tenant, role="member")
    assert page.status == 200, page.body
    assert page.body["pulled_at"] is not None
    assert [a["name"] for a in page.body["income_accounts"]] == ["Services", "Sales of Product Income"]
    assert {c["id"]: c["taxable"] for c in page.body["tax_codes"]} == {"2": True, "TAX": True, "NON": False}
    assert page.body["tax_rates"][0]["rate_percent"] == "7.25"  # money-like values travel as strings
    (logged,) = SyncLogStore().all(tenant, SyncLogFilter(entity="reference_list"))
    assert logged.detail == "Brought 3 tax codes, 1 tax rate, 2 income accounts over from QuickBooks."


def test_a_default_the_company_does_not_have_is_a_400_naming_the_field_and_a_known_one_is_saved(
    aws, tenant: str
) -> None:  # noqa: ANN001
    run_initial_sync(aws)
    accounts = {a["name"]: a["id"] for a in tenant_api("GET", LISTS, tenant).body["income_accounts"]}
    kept = ReferenceListStore().get(tenant, QBO).lists  # what the check reads: the connection's row
    assert [a.id for a in kept.income_accounts] == list(accounts.values())

    unknown = tenant_api("PUT", SETTINGS, tenant, body={"default_income_account_id": "999"})
    assert unknown.status == 400, unknown.body
    assert unknown.body["message"] == (
        "The default income account (default_income_account_id) must be one of QuickBooks Online's active "
        "income accounts, and QuickBooks Online has none with id '999'. Choose one from the list, or refresh "
        "the lists if it was added since."
    )
    # Accounts Receivable exists, but is no income account: items cannot book their sales to it.
    not_income = tenant_api("PUT", SETTINGS, tenant, body={"default_income_account_id": "3"})
    assert not_income.status == 400 and "default_income_account_id" in not_income.body["message"]
    bad_code = tenant_api("PUT", SETTINGS, tenant, body={"default_tax_code_id": "7"})
    assert bad_code.status == 400 and "(default_tax_code_id)" in bad_code.body["message"]
    assert tenant_api("GET", SETTINGS, tenant).body["default_income_account_id"] is None  # nothing was saved

    chosen = {"default_income_account_id": accounts["Sales of Product Income"], "default_tax_code_id": "TAX"}
    saved = tenant_api("PUT", SETTINGS, tenant, body=chosen)

    assert saved.status == 200, saved.body
    stored = tenant_api("GET", SETTINGS, tenant).body
    assert stored["default_income_account_id"] == accounts["Sales of Product Income"]
    assert stored["default_tax_code_id"] == "TAX"
    # An unrelated change later keeps the chosen defaults without checking them again.
    assert tenant_api("PUT", SETTINGS, tenant, body={**chosen, "approve_plan": True}).status == 200


def test_before_the_lists_were_pulled_the_sentence_says_so(tenant: str) -> None:
    reply = tenant_api("PUT", SETTINGS, tenant, body={"default_tax_code_id": "TAX"})

    assert reply.status == 400, reply.body
    assert reply.body["message"] == (
        "The default tax code (default_tax_code_id) cannot be checked yet: the tax codes and income accounts "
        "of QuickBooks Online were never pulled. Refresh the lists, then choose one of its tax codes."
    )
    assert tenant_api("PUT", SETTINGS, tenant, body={"approve_plan": True}).status == 200  # no default: no check


def test_refresh_brings_an_account_added_in_quickbooks_since_and_only_an_admin_may_ask(
    aws, tenant: str, qbo: SimulatorHandle, saas_app: SaasApp
) -> None:  # noqa: ANN001
    run_initial_sync(aws)
    added = qbo.admin.create_as_user(QBO_REALM, "Account", Name="Emergency call-outs", AccountType="Income")
    assert tenant_api("PUT", SETTINGS, tenant, body={"default_income_account_id": added["Id"]}).status == 400

    assert tenant_api("POST", f"{LISTS}/refresh", tenant, role="member").status == 403
    refreshed = tenant_api("POST", f"{LISTS}/refresh", tenant)

    assert refreshed.status == 200, refreshed.body
    assert "Emergency call-outs" in [a["name"] for a in refreshed.body["income_accounts"]]
    shown = {e.kind: e for e in saas_app.handle.app_client.reference_lists(tenant)}
    assert shown["income_accounts"].version == 2 and added["Id"] in {e.id for e in shown["income_accounts"].entries}
    assert (shown["tax_codes"].version, shown["tax_rates"].version) == (1, 1)  # unchanged lists stay as they were
    assert tenant_api("PUT", SETTINGS, tenant, body={"default_income_account_id": added["Id"]}).status == 200


def test_a_provider_never_connected_has_no_lists(saas_app: SaasApp, aws) -> None:  # noqa: ANN001
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    assert tenant_api("GET", LISTS, tenant_id).status == 404
    assert tenant_api("POST", f"{LISTS}/refresh", tenant_id).status == 404


def test_a_throttled_refresh_says_when_to_try_again_and_keeps_the_lists_it_had(
    aws, tenant: str, qbo: SimulatorHandle
) -> None:  # noqa: ANN001
    run_initial_sync(aws)
    before = tenant_api("GET", LISTS, tenant).body
    qbo.admin.add_fault("throttle", entity="Query", times=1)

    reply = tenant_api("POST", f"{LISTS}/refresh", tenant)

    assert reply.status == 409, reply.body
    assert reply.body["message"].startswith(
        "Could not refresh the lists of QuickBooks Online: QuickBooks Online asked us to slow down. Try again in "
    )
    assert tenant_api("GET", LISTS, tenant).body == before
