"""OAuth 2.0 as Intuit runs it (providers.md 1.1): consent, code exchange, rotation, revoke, expiry."""

from __future__ import annotations

import time

import httpx
import pytest
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from local.simulators.quickbooks_online import SimulatorHandle, running_simulator
from tests.simulators.quickbooks_online.conftest import (
    OTHER_REALM,
    REALM,
    REDIRECT_URI,
    Qbo,
    auth_client,
    authorize,
    basic_auth,
    connect,
    consent,
    exchange,
    refresh,
    sim_config,
)

INVALID_REFRESH = {"error_description": "Incorrect or invalid refresh token", "error": "invalid_grant"}


def test_discovery_document_names_every_endpoint_on_the_simulator(sim: SimulatorHandle) -> None:
    document = httpx.get(sim.discovery_url).json()

    assert document["authorization_endpoint"] == sim.authorize_url
    assert document["token_endpoint"] == sim.token_url
    assert document["revocation_endpoint"] == sim.revoke_url
    assert {"issuer", "jwks_uri", "userinfo_endpoint"} <= document.keys()


def test_consent_redirects_with_code_state_and_the_default_company(sim: SimulatorHandle) -> None:
    redirect = authorize(sim)

    assert redirect["state"] == "state-123"
    assert redirect["realmId"] == REALM
    assert redirect["code"]


def test_a_test_can_choose_the_company_by_url_or_admin_setting(sim: SimulatorHandle) -> None:
    assert authorize(sim, sim_realm_id=OTHER_REALM)["realmId"] == OTHER_REALM
    sim.admin.set_consent(realm_id=OTHER_REALM)
    assert authorize(sim)["realmId"] == OTHER_REALM


def test_denied_consent_redirects_with_access_denied(sim: SimulatorHandle) -> None:
    assert authorize(sim, sim_consent="deny") == {"error": "access_denied", "state": "state-123"}
    sim.admin.set_consent(deny=True)
    assert authorize(sim)["error"] == "access_denied"


def test_unknown_scope_redirects_with_invalid_scope(sim: SimulatorHandle) -> None:
    assert authorize(sim, scope="com.example.nothing")["error"] == "invalid_scope"


def test_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(sim: SimulatorHandle) -> None:
    params = {"client_id": "sim-client-id", "response_type": "code", "scope": "openid", "state": "s"}
    reply = httpx.get(sim.authorize_url, params={**params, "redirect_uri": "http://evil.example/cb"})

    assert reply.status_code == 400


def test_code_exchange_returns_intuit_token_fields(sim: SimulatorHandle) -> None:
    tokens = exchange(sim, authorize(sim)["code"]).json()

    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["x_refresh_token_expires_in"] == 8726400
    assert tokens["access_token"] and tokens["refresh_token"]


def test_a_code_works_only_once(sim: SimulatorHandle) -> None:
    code = authorize(sim)["code"]
    assert exchange(sim, code).status_code == 200

    second = exchange(sim, code)

    assert (second.status_code, second.json()) == (400, {"error": "invalid_grant"})


def test_wrong_client_secret_is_invalid_client(sim: SimulatorHandle) -> None:
    reply = httpx.post(
        sim.token_url,
        data={
            "grant_type": "authorization_code",
            "code": authorize(sim)["code"],
            "redirect_uri": REDIRECT_URI,
        },
        headers={"Authorization": basic_auth(secret="wrong")},
    )

    assert (reply.status_code, reply.json()) == (401, {"error": "invalid_client"})


def test_refresh_rotates_and_the_superseded_token_is_invalid_grant(sim: SimulatorHandle) -> None:
    first = exchange(sim, authorize(sim)["code"]).json()
    second = refresh(sim, first["refresh_token"])
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]

    reused = refresh(sim, first["refresh_token"])

    assert (reused.status_code, reused.json()) == (400, INVALID_REFRESH)
    assert refresh(sim, second.json()["refresh_token"]).status_code == 200


def test_revoke_disconnects_both_tokens(sim: SimulatorHandle, qbo: Qbo) -> None:
    reply = httpx.post(
        sim.revoke_url, json={"token": qbo.tokens["refresh_token"]}, headers={"Authorization": basic_auth()}
    )
    assert reply.status_code == 200

    assert refresh(sim, qbo.tokens["refresh_token"]).json() == INVALID_REFRESH
    assert qbo.get("companyinfo/1").status_code == 401


def test_an_expired_access_token_gets_authentication_fault_3200(sim: SimulatorHandle, qbo: Qbo) -> None:
    assert qbo.get("companyinfo/1").status_code == 200
    sim.admin.advance_clock(3601)

    reply = qbo.get("companyinfo/1")

    assert reply.status_code == 401
    assert reply.json() == {
        "fault": {
            "error": [
                {
                    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": "Token expired",
                    "code": "3200",
                }
            ],
            "type": "AUTHENTICATION",
        }
    }
    assert refresh(sim, qbo.tokens["refresh_token"]).status_code == 200


def test_malformed_token_gets_intuits_exact_body(sim: SimulatorHandle) -> None:
    reply = httpx.get(f"{sim.company_url(REALM)}/companyinfo/1", headers={"Authorization": "Bearer short"})

    assert reply.status_code == 401
    assert reply.json()["fault"]["error"][0]["detail"] == "Malformed bearer token: too short or too long"


def test_a_token_of_one_company_is_refused_on_another_with_3100(sim: SimulatorHandle, qbo: Qbo) -> None:
    reply = qbo.http.get(f"/v3/company/{OTHER_REALM}/companyinfo/1")

    assert reply.status_code == 403
    assert reply.json()["Fault"]["type"] == "AuthorizationFault"
    assert reply.json()["Fault"]["Error"][0]["code"] == "3100"


def test_access_token_lifetime_is_configurable() -> None:
    with running_simulator(sim_config(access_token_ttl=60)) as short:
        client = connect(short)
        assert client.tokens["expires_in"] == 60
        short.admin.advance_clock(61)
        assert client.get("companyinfo/1").status_code == 401


def test_an_injected_5xx_on_the_token_endpoint_fails_the_refresh_and_keeps_the_token(sim: SimulatorHandle) -> None:
    tokens = exchange(sim, authorize(sim)["code"]).json()
    sim.admin.add_fault("error", status=503, entity="OAuth")

    failed = refresh(sim, tokens["refresh_token"])
    retried = refresh(sim, tokens["refresh_token"])

    assert failed.status_code == 503
    assert retried.status_code == 200  # nothing rotated: the same refresh token still works


def test_a_lost_refresh_reply_rotates_the_token_the_client_never_saw(sim: SimulatorHandle) -> None:
    """The refresh race of providers.md 4.1: Intuit rotated, the reply was lost, the old token is dead."""
    tokens = exchange(sim, authorize(sim)["code"]).json()
    sim.admin.add_fault("drop_after_commit", entity="OAuth")

    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            sim.token_url,
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            headers={"Authorization": basic_auth()},
            timeout=0.5,
        )
    again = refresh(sim, tokens["refresh_token"])

    assert (again.status_code, again.json()) == (400, INVALID_REFRESH)


def test_intuit_oauth_sees_a_delayed_token_endpoint_time_out(sim: SimulatorHandle) -> None:
    client = auth_client(sim)
    redirect = consent(client.get_authorization_url([Scopes.ACCOUNTING]))
    sim.admin.add_fault("delay", seconds=0.5, entity="OAuth")
    started = time.monotonic()

    client.get_bearer_token(redirect["code"], realm_id=redirect["realmId"])

    assert time.monotonic() - started >= 0.5
    assert client.access_token
    assert sim.admin.faults() == []


def test_intuit_oauth_raises_on_an_injected_token_endpoint_error(sim: SimulatorHandle) -> None:
    client = auth_client(sim)
    redirect = consent(client.get_authorization_url([Scopes.ACCOUNTING]))
    sim.admin.add_fault("error", status=500, entity="OAuth")

    with pytest.raises(AuthClientError) as failed:
        client.get_bearer_token(redirect["code"], realm_id=redirect["realmId"])

    assert failed.value.status_code == 500
