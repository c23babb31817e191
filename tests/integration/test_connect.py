"""Connect, reconnect and disconnect QuickBooks Online through the real handlers, moto and the simulator.

The browser is httpx: it opens the authorize URL the tenant API returns and stops at the simulator's
redirect back to us; that query string is fed to the callback function as API Gateway would.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3
import httpx
import pytest

from fieldbooks import registry
from fieldbooks.connections.token_lease import LeasedTokenSource
from fieldbooks.domain.errors import AuthExpired
from fieldbooks.domain.models import ConnectionStatus, LinkState, Provider, RunKind, SyncStatus
from fieldbooks.domain.models import Link as LinkModel
from fieldbooks.providers.quickbooks_online.oauth import IntuitOAuth
from fieldbooks.security.token_vault import OAuthTokens, token_context, unseal
from fieldbooks.services import Services
from fieldbooks.store.connections import ConnectionStore
from fieldbooks.store.links import LinkStore
from fieldbooks.store.oauth_states import OAuthStateRow
from fieldbooks.store.runs import RunStore
from fieldbooks.store.sync_log import SyncLogFilter, SyncLogStore
from local.runtime.resources import DEV_QUICKBOOKS_CLIENT_ID, DEV_QUICKBOOKS_CLIENT_SECRET
from tests.conftest import QBO_OTHER_REALM, QBO_REALM, console_token
from tests.support.moto_atomic import serialise_conditional_writes
from tests.support.oauth_flow import BROWSER, authorize, callback, connect_quickbooks, consent, tenant_api
from tests.support.sqs import receive_event

QBO = Provider.QUICKBOOKS_ONLINE


@pytest.fixture
def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def bus_events(aws) -> Any:  # noqa: ANN001
    """Everything Fieldbooks publishes on the SaaS bus, through a rule and a queue as a consumer would."""
    sqs, events = boto3.client("sqs"), boto3.client("events")
    queue_url = sqs.create_queue(QueueName="fieldbooks-published")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = Services.from_environment().settings.saas_event_bus_name
    events.put_rule(Name="fieldbooks-events", EventBusName=bus, EventPattern=json.dumps({"source": ["fieldbooks"]}))
    events.put_targets(Rule="fieldbooks-events", EventBusName=bus, Targets=[{"Id": "q", "Arn": queue_arn}])

    def drain() -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    return drain


@pytest.fixture
def atomic_conditional_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    serialise_conditional_writes(monkeypatch)


def stored_tokens(tenant_id: str) -> OAuthTokens:
    connection = ConnectionStore().get(tenant_id, QBO)
    assert connection.sealed_tokens
    return unseal(connection.sealed_tokens, token_context(tenant_id, QBO.value), boto3.client("kms"))


def refresh_at_intuit(qbo, refresh_token: str) -> httpx.Response:  # noqa: ANN001
    """A token call made behind Fieldbooks' back, as a lost reply or another app would."""
    return httpx.post(
        qbo.token_url,
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(DEV_QUICKBOOKS_CLIENT_ID, DEV_QUICKBOOKS_CLIENT_SECRET),
    )


def quickbooks_accepts(qbo, access_token: str, realm_id: str = QBO_REALM) -> bool:  # noqa: ANN001
    reply = httpx.get(
        f"{qbo.company_url(realm_id)}/companyinfo/{realm_id}",
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
    )
    return reply.status_code == 200


def test_an_admin_connects_through_the_consent_redirect_and_an_initial_run_is_queued(aws, qbo, tenant) -> None:  # noqa: ANN001
    start = authorize(tenant)
    assert start.status == 200
    params = consent(start.body["authorize_url"])
    assert params["state"].startswith(f"{tenant}.")

    reply = callback(params, as_json=False)  # the browser: sent back to the Integrations page

    assert reply.status == 302
    location = urlsplit(reply.headers["Location"])
    assert dict(parse_qsl(location.query)) == {
        "provider": "quickbooks_online",
        "status": "connected",
        "message": "Connected to Acme Plumbing LLC.",
    }
    connection = ConnectionStore().get(tenant, QBO)
    assert (connection.status, connection.remote_company_id, connection.company_name, connection.connected_by) == (
        ConnectionStatus.CONNECTED,
        QBO_REALM,
        "Acme Plumbing LLC",
        "u-1",
    )
    (run,) = RunStore().recent(tenant).items
    assert run.kind is RunKind.INITIAL
    (job,) = receive_event(boto3.client("sqs"), aws.queue_url("PullQueue"))["Records"]
    assert run.started_by.model_dump() == {"kind": "user", "id": "u-1", "name": "u-1"}  # who connected
    assert json.loads(job["body"]) == {
        "tenant_id": tenant,
        "provider": "quickbooks_online",
        "run_id": run.run_id,
        "targets": [],
        "acted_by": {"kind": "user", "id": "u-1", "name": "u-1"},
    }
    listed = tenant_api("GET", "/connections", tenant, role="member")
    assert [(c["status"], c["company_name"]) for c in listed.body["items"]] == [("connected", "Acme Plumbing LLC")]


def test_tokens_are_stored_only_as_a_kms_envelope_bound_to_the_tenant(aws, qbo, tenant) -> None:  # noqa: ANN001
    connect_quickbooks(tenant)
    tokens = stored_tokens(tenant)
    table = aws.table_name("ConnectionsTable")

    raw = boto3.client("dynamodb").get_item(TableName=table, Key={"tenant_id": {"S": tenant}, "provider": {"S": QBO}})
    text = json.dumps(raw["Item"])

    assert tokens.access_token not in text and tokens.refresh_token not in text
    assert quickbooks_accepts(qbo, tokens.access_token)
    sealed = raw["Item"]["sealed_tokens"]["S"]
    with pytest.raises(AuthExpired):  # another tenant's row cannot open it
        unseal(sealed, token_context("t-someone-else", QBO.value), boto3.client("kms"))


def test_access_denied_leaves_no_connection_and_says_so(aws, qbo, tenant, handler, context, load_event) -> None:  # noqa: ANN001
    params = consent(authorize(tenant).body["authorize_url"], sim_consent="deny")
    assert params["error"] == "access_denied"
    # The browser's request, as events/oauth_callback/access_denied.json records it for `sam local invoke`.
    event = load_event(
        "oauth_callback/access_denied.json",
        queryStringParameters__state=params["state"],
        cookies=[f"{name}={value}" for name, value in BROWSER.items()],  # the browser that asked
    )

    reply = handler("OAuthCallbackFunction")(event, context)

    assert reply["statusCode"] == 302
    outcome = dict(parse_qsl(urlsplit(reply["headers"]["Location"]).query))
    assert outcome["status"] == "error"
    assert outcome["message"].startswith("Access to QuickBooks Online was not granted")
    assert ConnectionStore().find(tenant, QBO) is None
    assert RunStore().recent(tenant).items == []
    assert callback(params).body["message"].startswith("This connect link has expired or was already used")


def test_a_state_works_once_and_not_after_ten_minutes(aws, qbo, tenant) -> None:  # noqa: ANN001
    first = consent(authorize(tenant).body["authorize_url"])
    assert callback(first).status == 200
    replayed = callback(first)
    assert (replayed.status, replayed.body["message"]) == (
        400,
        "This connect link has expired or was already used. Start again from the Integrations page.",
    )

    other = f"{tenant}-late"
    late = consent(authorize(other).body["authorize_url"])
    OAuthStateRow.get(other, late["state"]).update(actions=[OAuthStateRow.expires_at.set(int(time.time()) - 1)])
    assert callback(late).status == 400
    forged = callback({**late, "state": f"{other}.not-one-we-issued"})
    assert forged.status == 400
    assert ConnectionStore().find(other, QBO) is None


def test_only_an_admin_or_owner_may_connect(aws, qbo, tenant, handler, context, load_event) -> None:  # noqa: ANN001
    def as_role(role: str) -> dict[str, Any]:
        token = console_token(tenant, role=role)
        event = load_event("tenant_api/authorize_connection.json", headers__authorization=f"Bearer {token}")
        return handler("TenantApiFunction")(event, context)

    member = as_role("member")

    assert member["statusCode"] == 403
    assert json.loads(member["body"]) == {"message": "Only an admin or the owner of this account can do that."}
    assert as_role("owner")["statusCode"] == 200


def test_a_second_company_is_refused_while_connected(aws, qbo, tenant, monkeypatch) -> None:  # noqa: ANN001
    # Two consent pages opened before either finished: the second names another company.
    first_tab, second_tab = authorize(tenant).body, authorize(tenant).body
    assert callback(consent(first_tab["authorize_url"])).status == 200
    other_company = consent(second_tab["authorize_url"], sim_realm_id=QBO_OTHER_REALM)
    revoked: list[str] = []
    revoke = IntuitOAuth.revoke
    monkeypatch.setattr(IntuitOAuth, "revoke", lambda self, token: revoked.append(token) or revoke(self, token))

    reply = callback(other_company)

    assert reply.status == 409
    assert reply.body["message"].startswith(
        "This account is already linked to the QuickBooks Online company Acme Plumbing LLC, so another company"
    )
    connection = ConnectionStore().get(tenant, QBO)
    assert (connection.status, connection.remote_company_id) == (ConnectionStatus.CONNECTED, QBO_REALM)
    (refused_grant,) = revoked  # the other company's grant was given back, not left live at Intuit
    assert refresh_at_intuit(qbo, refused_grant).json() == {
        "error": "invalid_grant",
        "error_description": "Incorrect or invalid refresh token",
    }
    assert quickbooks_accepts(qbo, stored_tokens(tenant).access_token)  # ours still works
    again = authorize(tenant)
    assert again.status == 409
    assert again.body["message"].startswith("QuickBooks Online is already connected to Acme Plumbing LLC.")


def test_disconnect_revokes_the_tokens_and_keeps_links_so_a_reconnect_carries_on(aws, qbo, tenant) -> None:  # noqa: ANN001
    connect_quickbooks(tenant)
    tokens = stored_tokens(tenant)
    LinkStore().save(
        LinkModel(
            tenant_id=tenant,
            provider=QBO,
            entity="contact",
            saas_id="con_1",
            state=LinkState.LINKED,
            remote_id="58",
            remote_entity="Customer",
            updated_at=datetime.now(UTC),
        )
    )
    assert (
        tenant_api("PUT", "/connections/quickbooks_online/settings", tenant, body={"approve_plan": True}).status == 200
    )
    assert tenant_api("DELETE", "/connections/quickbooks_online", tenant, role="member").status == 403

    reply = tenant_api("DELETE", "/connections/quickbooks_online", tenant)

    assert (reply.status, reply.body["status"]) == (200, "disconnected")
    assert not quickbooks_accepts(qbo, tokens.access_token)
    assert ConnectionStore().get(tenant, QBO).sealed_tokens is None

    connect_quickbooks(tenant)  # reconnect: the same company

    connection = ConnectionStore().get(tenant, QBO)
    assert connection.status is ConnectionStatus.CONNECTED
    assert connection.settings.approve_plan is True
    assert LinkStore().get(tenant, QBO, "contact", "con_1").remote_id == "58"
    assert [run.kind for run in RunStore().recent(tenant).items] == [RunKind.INITIAL, RunKind.INITIAL]


def test_two_workers_refreshing_at_once_make_one_refresh_and_share_its_token(
    aws, qbo, tenant, atomic_conditional_writes
) -> None:  # noqa: ANN001
    connection = connect_quickbooks(tenant)
    rejected = stored_tokens(tenant).access_token
    workers = [Services.from_environment() for _ in range(2)]  # two Lambda containers
    for services in workers:
        assert services.kms  # clients made up front: boto3 client creation is not thread-safe
    oauth = registry.oauth(Provider.QUICKBOOKS_ONLINE, workers[0])
    refreshes: list[str] = []
    refresh = oauth.refresh

    def slow_refresh(refresh_token: str) -> OAuthTokens:
        refreshes.append(refresh_token)
        time.sleep(0.3)  # hold the lease long enough that the other worker must wait for it
        return refresh(refresh_token)

    oauth.refresh = slow_refresh  # type: ignore[method-assign]
    start = threading.Barrier(2)
    results: list[str] = []

    def worker(services: Services) -> None:
        start.wait()
        results.append(LeasedTokenSource(connection, services, lambda: oauth).refreshed(rejected))

    threads = [threading.Thread(target=worker, args=(services,)) for services in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)

    assert len(refreshes) == 1
    assert len(results) == 2 and results[0] == results[1] != rejected
    assert quickbooks_accepts(qbo, results[0])
    stored = ConnectionStore().get(tenant, QBO)
    assert (stored.status, stored.refresh_lease_until) == (ConnectionStatus.CONNECTED, None)
    # The stored refresh token is the live one: refreshing again works.
    assert (
        LeasedTokenSource(stored, workers[0], lambda: registry.oauth(Provider.QUICKBOOKS_ONLINE, workers[0])).refreshed(
            results[0]
        )
        != results[0]
    )


def test_invalid_grant_pauses_the_connection_and_tells_the_saas_once(
    aws, qbo, tenant, bus_events, handler, context, load_event
) -> None:  # noqa: ANN001
    def scheduler_tick() -> dict[str, int]:
        return handler("SchedulerFunction")(load_event("scheduler/tick.json"), context)

    connection = connect_quickbooks(tenant)
    tokens = stored_tokens(tenant)
    # A refresh whose reply was lost: Intuit rotated the token, and ours is dead.
    assert refresh_at_intuit(qbo, tokens.refresh_token).status_code == 200
    services = Services.from_environment()

    with pytest.raises(AuthExpired, match="Authentication expired — reconnect"):
        LeasedTokenSource(connection, services, lambda: registry.oauth(Provider.QUICKBOOKS_ONLINE, services)).refreshed(
            tokens.access_token
        )
    paused = ConnectionStore().get(tenant, QBO)
    with pytest.raises(AuthExpired):  # paused: no second refresh attempt, no second event
        LeasedTokenSource(paused, services, lambda: registry.oauth(Provider.QUICKBOOKS_ONLINE, services)).current()
    with pytest.raises(AuthExpired):
        LeasedTokenSource(connection, services, lambda: registry.oauth(Provider.QUICKBOOKS_ONLINE, services)).refreshed(
            tokens.access_token
        )

    assert ConnectionStore().get(tenant, QBO).status is ConnectionStatus.NEEDS_REAUTH
    (event,) = bus_events()
    assert (event["source"], event["detail-type"]) == ("fieldbooks", "connection.needs_reauth")
    assert event["detail"]["tenant_id"] == tenant and event["detail"]["provider"] == "quickbooks_online"
    (row,) = SyncLogStore().all(tenant, SyncLogFilter())
    assert (row.status, row.entity, row.detail) == (
        SyncStatus.ERROR,
        "connection",
        "Authentication expired — reconnect",
    )
    assert scheduler_tick() == {"queued": 0}  # paused: no pulls while the sign-in is dead

    connect_quickbooks(tenant)  # reconnect is allowed while re-authorisation is needed

    assert ConnectionStore().get(tenant, QBO).status is ConnectionStatus.CONNECTED
    assert scheduler_tick() == {"queued": 1}  # and the work resumes
    assert quickbooks_accepts(qbo, stored_tokens(tenant).access_token)


def test_settings_are_read_by_members_and_changed_by_admins(aws, qbo, tenant) -> None:  # noqa: ANN001
    path = "/connections/quickbooks_online/settings"
    assert tenant_api("GET", path, tenant).status == 404
    connect_quickbooks(tenant)

    read = tenant_api("GET", path, tenant, role="member")
    assert (read.status, read.body["approve_plan"], read.body["directions"]["contact"]) == (200, False, "both")
    assert tenant_api("PUT", path, tenant, role="member", body={"approve_plan": True}).status == 403
    bad = tenant_api("PUT", path, tenant, body={"approve_plan": True, "colour": "red"})
    assert bad.status == 400 and "colour" in bad.body["message"]

    changed = tenant_api(
        "PUT",
        path,
        tenant,
        body={"preview_customer_actions": True, "directions": {"invoice": "off"}, "pull_interval_minutes": 30},
    )

    assert changed.status == 200
    connection = ConnectionStore().get(tenant, QBO)
    assert connection.settings.preview_customer_actions is True
    assert connection.settings.direction("invoice") == "off"
    assert connection.pull_interval_minutes == 30
