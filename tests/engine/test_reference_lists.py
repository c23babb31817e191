"""The engine's reference-list step on the fake provider: the initial run hands the books' lists to the
SaaS and keeps them for the settings check; a refusal is logged in the run, which carries on; a throttle
fails the job so the queue retries it. No provider package is imported."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest

from fieldbooks import registry
from fieldbooks.domain.errors import RateLimited, ValidationFailed
from fieldbooks.domain.models import Provider, RunKind, RunStatus, SyncStatus
from fieldbooks.queues.pull_jobs import PullJob
from fieldbooks.services import Services
from fieldbooks.store.sync_log import SyncLogFilter
from tests.conftest import SaasApp
from tests.support.fake_provider import FAKE_REFERENCE_LISTS, FakeBooks, FakeProvider, connect
from tests.support.sqs import receive_event

SLOT = Provider.QUICKBOOKS_ONLINE


@pytest.fixture
def books(aws: Any, saas_app: SaasApp) -> Iterator[tuple[str, FakeBooks]]:
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    saas_app.handle.app_client.create_tenant(tenant_id, "Acme Plumbing")
    connection = connect(tenant_id)
    package = FakeProvider()
    with registry.replaced(SLOT, package):
        yield tenant_id, package.books(connection.remote_company_id)


def initial_run(aws: Any, handler: Callable[[str], Any], context: Any, tenant_id: str) -> tuple[str, dict[str, Any]]:
    run = Services.from_environment().runs.create(tenant_id, SLOT, RunKind.INITIAL)
    job = PullJob(tenant_id=tenant_id, provider=SLOT, run_id=run.run_id)
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=aws.queue_url("PullQueue"), MessageBody=job.model_dump_json())
    return run.run_id, handler("PullWorkerFunction")(receive_event(sqs, aws.queue_url("PullQueue")), context)


def test_the_initial_run_hands_the_lists_to_the_saas_and_keeps_them_for_the_settings_check(
    aws: Any, handler: Callable[[str], Any], context: Any, books: tuple[str, FakeBooks], saas_app: SaasApp
) -> None:
    tenant_id, _ = books

    run_id, reply = initial_run(aws, handler, context, tenant_id)

    assert reply == {"batchItemFailures": []}
    services = Services.from_environment()
    assert services.runs.get(tenant_id, run_id).status is RunStatus.SUCCEEDED
    assert services.reference_lists.get(tenant_id, SLOT).lists == FAKE_REFERENCE_LISTS
    shown = {listing.kind: listing.entries for listing in saas_app.handle.app_client.reference_lists(tenant_id)}
    assert shown == {kind: FAKE_REFERENCE_LISTS.of(kind) for kind in ("tax_codes", "tax_rates", "income_accounts")}
    (logged,) = services.sync_log.all(tenant_id, SyncLogFilter(entity="reference_list"))
    assert logged.detail == "Brought 2 tax codes, 2 tax rates, 2 income accounts over from Fake Books."


def test_lists_the_books_refuse_are_logged_in_the_run_and_the_run_still_syncs_its_records(
    aws: Any, handler: Callable[[str], Any], context: Any, books: tuple[str, FakeBooks], saas_app: SaasApp
) -> None:
    tenant_id, fake = books
    saas_app.handle.app_client.create_contact(tenant_id, first_name="Ann", last_name="Doe")
    fake.reference_failure = ValidationFailed("Fake Books holds 2001 active income accounts.")

    run_id, reply = initial_run(aws, handler, context, tenant_id)

    assert reply == {"batchItemFailures": []}
    services = Services.from_environment()
    assert services.runs.get(tenant_id, run_id).status is RunStatus.SUCCEEDED
    assert [r.fields["Name"] for r in fake.of("Customer")] == ["Ann Doe"]
    (logged,) = services.sync_log.all(tenant_id, SyncLogFilter(entity="reference_list"))
    assert (logged.status, logged.run_id) == (SyncStatus.ERROR, run_id)
    assert logged.detail == (
        "The tax codes and income accounts could not be brought over: Fake Books holds 2001 active income accounts."
    )
    assert services.reference_lists.get(tenant_id, SLOT) is None


def test_a_throttled_read_of_the_lists_fails_the_job_and_the_retry_brings_them(
    aws: Any, handler: Callable[[str], Any], context: Any, books: tuple[str, FakeBooks]
) -> None:
    tenant_id, fake = books
    fake.reference_failure = RateLimited("Slow down.", retry_after=1)

    run_id, reply = initial_run(aws, handler, context, tenant_id)

    assert len(reply["batchItemFailures"]) == 1  # the message comes back after its wait
    services = Services.from_environment()
    assert services.reference_lists.get(tenant_id, SLOT) is None
    job = PullJob(tenant_id=tenant_id, provider=SLOT, run_id=run_id)
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=aws.queue_url("PullQueue"), MessageBody=job.model_dump_json())  # the redelivery
    again = handler("PullWorkerFunction")(receive_event(sqs, aws.queue_url("PullQueue")), context)
    assert again == {"batchItemFailures": []}
    assert services.reference_lists.get(tenant_id, SLOT).lists == FAKE_REFERENCE_LISTS
    assert services.runs.get(tenant_id, run_id).status is RunStatus.SUCCEEDED


def scheduled_run(aws: Any, handler: Callable[[str], Any], context: Any, tenant_id: str) -> str:
    run = Services.from_environment().runs.create(tenant_id, SLOT, RunKind.SCHEDULED)
    job = PullJob(tenant_id=tenant_id, provider=SLOT, run_id=run.run_id)
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=aws.queue_url("PullQueue"), MessageBody=job.model_dump_json())
    assert handler("PullWorkerFunction")(receive_event(sqs, aws.queue_url("PullQueue")), context) == {
        "batchItemFailures": []
    }
    return run.run_id


def test_a_scheduled_run_brings_the_lists_again_once_they_are_a_day_old_and_not_before(
    aws: Any, handler: Callable[[str], Any], context: Any, books: tuple[str, FakeBooks]
) -> None:
    tenant_id, _ = books
    services = Services.from_environment()

    scheduled_run(aws, handler, context, tenant_id)  # never pulled: brought over now
    first = services.reference_lists.get(tenant_id, SLOT)
    assert first is not None
    scheduled_run(aws, handler, context, tenant_id)  # fresh: left alone
    assert services.reference_lists.get(tenant_id, SLOT).pulled_at == first.pulled_at

    services.reference_lists.save(first.model_copy(update={"pulled_at": first.pulled_at - timedelta(days=1)}))
    scheduled_run(aws, handler, context, tenant_id)
    assert services.reference_lists.get(tenant_id, SLOT).pulled_at > first.pulled_at
    assert len(services.sync_log.all(tenant_id, SyncLogFilter(entity="reference_list"))) == 2
