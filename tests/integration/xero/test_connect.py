"""Connecting Xero through the real handlers, moto and the Xero simulator: PKCE, the organisation
picked at consent (Xero's redirect does not name it: the connector asks `GET /connections`), denied
consent, one organisation per tenant and none held by two tenants."""

from __future__ import annotations

import json
import uuid
from urllib.parse import parse_qsl, urlsplit

import boto3
import pytest

from fieldbooks.domain.models import ConnectionStatus, RunKind
from fieldbooks.store.company_claims import CompanyClaimStore
from fieldbooks.store.connections import ConnectionStore
from fieldbooks.store.oauth_states import OAuthStateRow
from fieldbooks.store.runs import RunStore
from tests.conftest import XERO_ORG, XERO_OTHER_ORG
from tests.support.oauth_flow import consent
from tests.support.sqs import receive_event
from tests.support.xero_flow import XERO, connect_xero, finish, start


@pytest.fixture
def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def test_connecting_sends_an_s256_challenge_and_records_the_organisation_picked(aws, xero, tenant) -> None:  # noqa: ANN001
    started = start(tenant)
    assert started.status == 200, started.body
    query = dict(parse_qsl(urlsplit(started.body["authorize_url"]).query))
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert "offline_access" in query["scope"].split()
    row = OAuthStateRow.get(tenant, query["state"])
    assert row.code_verifier and 43 <= len(row.code_verifier) <= 128  # kept with the single-use state

    params = consent(started.body["authorize_url"], sim_tenant_id=XERO_OTHER_ORG)  # the AU organisation
    assert "tenantId" not in json.dumps(params)  # Xero's redirect names no organisation
    reply = finish(params, as_json=False)

    assert reply.status == 302
    outcome = dict(parse_qsl(urlsplit(reply.headers["Location"]).query))
    assert outcome == {"provider": "xero", "status": "connected", "message": "Connected to Sim Field Services Pty Ltd."}
    connection = ConnectionStore().get(tenant, XERO)
    assert (connection.status, connection.remote_company_id, connection.company_name) == (
        ConnectionStatus.CONNECTED,
        XERO_OTHER_ORG,
        "Sim Field Services Pty Ltd",
    )
    assert CompanyClaimStore().holder(XERO, XERO_OTHER_ORG) == tenant
    (run,) = RunStore().recent(tenant).items
    assert run.kind is RunKind.INITIAL
    (job,) = receive_event(boto3.client("sqs"), aws.queue_url("PullQueue"))["Records"]
    assert json.loads(job["body"])["provider"] == "xero"


def test_a_code_without_its_verifier_is_refused_by_xero(aws, xero, tenant) -> None:  # noqa: ANN001
    """The verifier is what proves the code: a state row without it gets Xero's invalid_grant."""
    started = start(tenant)
    params = consent(started.body["authorize_url"], sim_tenant_id=XERO_ORG)
    row = OAuthStateRow.get(tenant, params["state"])
    row.update(actions=[OAuthStateRow.code_verifier.remove()])

    reply = finish(params)

    assert reply.status == 400
    assert reply.body["message"].startswith("Xero did not accept this sign-in")
    assert ConnectionStore().find(tenant, XERO) is None


def test_denied_consent_connects_nothing_and_says_so(aws, xero, tenant) -> None:  # noqa: ANN001
    params = consent(start(tenant).body["authorize_url"], sim_consent="deny")

    reply = finish(params)

    assert reply.status == 400
    assert reply.body["message"].startswith("Access to Xero was not granted")
    assert ConnectionStore().find(tenant, XERO) is None
    assert RunStore().recent(tenant).items == []


def test_an_organisation_another_tenant_holds_is_refused(aws, xero, tenant) -> None:  # noqa: ANN001
    connect_xero(tenant, XERO_ORG)
    second = f"t-{uuid.uuid4().hex[:10]}"

    params = consent(start(second).body["authorize_url"], sim_tenant_id=XERO_ORG, sim_user="another-user")
    reply = finish(params)

    assert reply.status == 409
    assert reply.body["message"].startswith("This Xero company is already connected to another account")
    assert ConnectionStore().find(second, XERO) is None
    assert CompanyClaimStore().holder(XERO, XERO_ORG) == tenant
    assert ConnectionStore().get(tenant, XERO).status is ConnectionStatus.CONNECTED


def test_picking_two_organisations_at_once_connects_neither(aws, xero, tenant) -> None:  # noqa: ANN001
    started = start(tenant)
    url = f"{started.body['authorize_url']}&sim_tenant_id={XERO_ORG}&sim_tenant_id={XERO_OTHER_ORG}"
    params = consent(url)

    reply = finish(params)

    assert reply.status == 400
    assert reply.body["message"].startswith("More than one Xero organisation was chosen")
    assert ConnectionStore().find(tenant, XERO) is None
    assert CompanyClaimStore().holder(XERO, XERO_ORG) is None


def test_a_tenant_keeps_its_one_organisation(aws, xero, tenant) -> None:  # noqa: ANN001
    connection = connect_xero(tenant, XERO_ORG)
    ConnectionStore().save(connection.model_copy(update={"status": ConnectionStatus.DISCONNECTED}))

    params = consent(start(tenant).body["authorize_url"], sim_tenant_id=XERO_OTHER_ORG)
    reply = finish(params)

    assert reply.status == 409
    assert "already linked to the Xero company Sim Field Services Ltd" in reply.body["message"]
