"""Identity (providers.md 2.1): PKCE code flow, organisation pick, connections, revocation,
token lifetimes, refresh rotation with the 30-minute grace, and the tenant header."""

from __future__ import annotations

import httpx
import jwt
import pytest

from local.simulators.xero import SimulatorHandle
from tests.simulators.xero.conftest import (
    AU,
    CLIENT_ID,
    CLIENT_SECRET,
    GB,
    PKCE_CLIENT_ID,
    REDIRECT_URI,
    US,
    Xero,
    authorize,
    connect,
    exchange,
    pkce_pair,
    refresh,
    token_request,
)
from tests.simulators.xero.spec import SpecValidator, load_identity_validator

IDENTITY = load_identity_validator()


def pkce_exchange(sim: SimulatorHandle, code: str, verifier: str) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "client_id": PKCE_CLIENT_ID,
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
    }
    return token_request(sim, form, secret=False)


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_pkce_code_flow_issues_a_30_minute_token_and_a_refresh_token(sim: SimulatorHandle) -> None:
    verifier, challenge = pkce_pair()
    redirect = authorize(sim, PKCE_CLIENT_ID, code_challenge=challenge, code_challenge_method="S256")

    tokens = pkce_exchange(sim, redirect["code"], verifier).json()

    assert redirect["state"] == "state-123"
    assert tokens["expires_in"] == 1800 and tokens["token_type"] == "Bearer"
    assert tokens["refresh_token"] and "offline_access" in tokens["scope"].split()
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["client_id"] == PKCE_CLIENT_ID and claims["authentication_event_id"]


def test_pkce_refuses_a_wrong_or_short_verifier_and_a_missing_or_plain_challenge(sim: SimulatorHandle) -> None:
    verifier, challenge = pkce_pair()
    wrong = authorize(sim, PKCE_CLIENT_ID, code_challenge=challenge, code_challenge_method="S256")
    short_verifier = "a" * 42
    short_challenge = pkce_pair()[1]
    short = authorize(sim, PKCE_CLIENT_ID, code_challenge=short_challenge, code_challenge_method="S256")

    assert pkce_exchange(sim, wrong["code"], verifier[::-1]).json() == {"error": "invalid_grant"}
    assert pkce_exchange(sim, short["code"], short_verifier).status_code == 400
    assert authorize(sim, PKCE_CLIENT_ID)["error"] == "invalid_request"
    assert authorize(sim, PKCE_CLIENT_ID, code_challenge=verifier, code_challenge_method="plain")["error"] == (
        "invalid_request"
    )


def test_without_offline_access_there_is_no_refresh_token(sim: SimulatorHandle) -> None:
    tokens = exchange(sim, authorize(sim, scope="openid accounting.contacts")["code"]).json()

    assert tokens["access_token"] and "refresh_token" not in tokens


def test_a_code_works_once_and_only_for_its_redirect_uri(sim: SimulatorHandle) -> None:
    code = authorize(sim)["code"]
    other = authorize(sim)["code"]

    assert exchange(sim, code).status_code == 200
    assert exchange(sim, code).json() == {"error": "invalid_grant"}
    wrong_uri = token_request(
        sim, {"grant_type": "authorization_code", "code": other, "redirect_uri": "http://localhost/other"}
    )
    assert wrong_uri.json() == {"error": "invalid_grant"}


def test_denied_consent_and_unknown_scope_redirect_with_the_error(sim: SimulatorHandle) -> None:
    assert authorize(sim, sim_consent="deny") == {"error": "access_denied", "state": "state-123"}
    assert authorize(sim, scope="accounting.everything")["error"] == "invalid_scope"
    assert httpx.get(sim.authorize_url, params={"client_id": "nobody", "redirect_uri": REDIRECT_URI}).status_code == 400


def test_connections_list_the_organisations_picked_at_consent(sim: SimulatorHandle) -> None:
    redirect = authorize(sim, sim_tenant_id=[GB, US])
    tokens = exchange(sim, redirect["code"]).json()

    listing = httpx.get(f"{sim.identity_url}/connections", headers=bearer(tokens)).json()

    assert sorted((c["tenantId"], c["tenantName"]) for c in listing) == [
        (GB, "Sim Field Services Ltd"),
        (US, "Sim Field Services Inc"),
    ]
    assert {c["tenantType"] for c in listing} == {"ORGANISATION"}
    event_id = jwt.decode(tokens["access_token"], options={"verify_signature": False})["authentication_event_id"]
    assert {c["authEventId"] for c in listing} == {event_id}
    for connection in listing:
        IDENTITY.assert_valid("Connection", connection)
    filtered = httpx.get(f"{sim.identity_url}/connections", params={"authEventId": "other"}, headers=bearer(tokens))
    assert filtered.json() == []


def test_deleting_a_connection_closes_that_organisation_to_the_token(sim: SimulatorHandle, spec: SpecValidator) -> None:
    client = connect(sim, spec, GB)
    listing = httpx.get(f"{sim.identity_url}/connections", headers=bearer(client.tokens)).json()

    deleted = httpx.delete(f"{sim.identity_url}/connections/{listing[0]['id']}", headers=bearer(client.tokens))
    after = client.get("Contacts")

    assert deleted.status_code == 204
    assert after.status_code == 403 and after.json()["Detail"] == "AuthenticationUnsuccessful"
    again = httpx.delete(f"{sim.identity_url}/connections/{listing[0]['id']}", headers=bearer(client.tokens))
    assert again.status_code == 404


def test_the_tenant_header_is_required_and_must_be_a_connected_organisation(xero: Xero) -> None:
    missing = xero.http.get("/api.xro/2.0/Contacts")
    other = xero.get("Contacts", headers={"xero-tenant-id": AU})

    for reply in (missing, other):
        assert reply.status_code == 403
        body = reply.json()
        assert (body["Title"], body["Status"], body["Detail"]) == ("Forbidden", 403, "AuthenticationUnsuccessful")
        assert body["Type"] is None and "Instance" in body and body["Extensions"] == {}


def test_organisations_are_isolated_and_carry_their_own_tax_rates(sim: SimulatorHandle, spec: SpecValidator) -> None:
    gb, au, us = connect(sim, spec, GB), connect(sim, spec, AU, user="au-user"), connect(sim, spec, US, user="us-user")
    gb.create("Contacts", {"Name": "Only in GB"})

    rates = {
        name: {r["TaxType"]: r["EffectiveRate"] for r in client.get("TaxRates").json()["TaxRates"]}
        for name, client in (("GB", gb), ("AU", au), ("US", us))
    }

    assert [c["Name"] for c in gb.get("Contacts").json()["Contacts"]] == ["Only in GB"]
    assert au.get("Contacts").json()["Contacts"] == []
    assert rates["GB"]["OUTPUT2"] == 20 and rates["AU"]["OUTPUT"] == 10 and rates["US"]["TAX001"] == 7.25
    assert "OUTPUT2" not in rates["AU"]
    assert au.get("Organisation").json()["Organisations"][0]["BaseCurrency"] == "AUD"


def test_an_access_token_expires_after_30_minutes(sim: SimulatorHandle, xero: Xero) -> None:
    sim.admin.advance_clock(1801)

    reply = xero.get("Contacts")

    assert reply.status_code == 401
    assert reply.json()["Detail"].startswith("TokenExpired: token expired at ")


def test_refresh_rotates_and_the_previous_token_has_a_30_minute_grace(sim: SimulatorHandle) -> None:
    first = exchange(sim, authorize(sim)["code"]).json()
    second = refresh(sim, first["refresh_token"]).json()

    assert second["refresh_token"] != first["refresh_token"]
    repeated = refresh(sim, first["refresh_token"])  # the reply to `second` was "lost"
    assert repeated.status_code == 200
    assert refresh(sim, second["refresh_token"]).json() == {"error": "invalid_grant"}  # superseded by the repeat
    sim.admin.advance_clock(1801)
    assert refresh(sim, first["refresh_token"]).json() == {"error": "invalid_grant"}
    assert refresh(sim, repeated.json()["refresh_token"]).status_code == 200


def test_a_refresh_token_unused_for_60_days_dies(sim: SimulatorHandle) -> None:
    tokens = exchange(sim, authorize(sim)["code"]).json()
    sim.admin.advance_clock(60 * 86400 + 1)

    assert refresh(sim, tokens["refresh_token"]).json() == {"error": "invalid_grant"}


def test_revocation_drops_the_users_connections_and_tokens(sim: SimulatorHandle, xero: Xero) -> None:
    # xero-python sends the client credentials in the form, not as HTTP Basic.
    form = {"token": xero.tokens["refresh_token"], "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    revoked = httpx.post(sim.revoke_url, data=form)

    assert revoked.status_code == 200
    assert xero.get("Contacts").status_code == 401
    assert refresh(sim, xero.tokens["refresh_token"]).json() == {"error": "invalid_grant"}


def test_a_failing_token_endpoint_and_a_lost_refresh_reply(sim: SimulatorHandle) -> None:
    tokens = exchange(sim, authorize(sim)["code"]).json()
    sim.admin.add_fault("error", status=503, entity="Token")
    assert refresh(sim, tokens["refresh_token"]).status_code == 503

    sim.admin.add_fault("drop_after_commit", entity="Token")
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            sim.token_url,
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            auth=(CLIENT_ID, CLIENT_SECRET),
            timeout=0.3,
        )
    assert refresh(sim, tokens["refresh_token"]).status_code == 200  # the grace period saves the client
