"""The OAuth callback under attack (issue 10, A.1, A.2, A.7): forged and replayed states, a consent
link finished in someone else's browser, a company another tenant holds, a company id changed on the
way back, and provider or query text trying to reach the page.

Everything goes through the real handlers (tenant API and callback function), moto and the
QuickBooks simulator; the browser is `tests.support.oauth_flow`, whose cookie jar plays the browser
that started the flow. Each refusal is checked for what it leaves behind: no connection, no run, no
company claim, and no grant still alive at the provider.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3
import httpx
import pytest

from fieldbooks.domain.models import ConnectionStatus, Provider
from fieldbooks.providers.quickbooks_online.oauth import IntuitOAuth
from fieldbooks.security.token_vault import token_context, unseal
from fieldbooks.store.company_claims import CompanyClaimStore
from fieldbooks.store.connections import ConnectionStore
from fieldbooks.store.oauth_states import INVALID_STATE, OTHER_BROWSER
from fieldbooks.store.runs import RunStore
from local.runtime.resources import DEV_QUICKBOOKS_CLIENT_ID, DEV_QUICKBOOKS_CLIENT_SECRET
from tests.conftest import QBO_OTHER_REALM, QBO_REALM, QBO_REDIRECT_URI
from tests.support.moto_atomic import serialise_conditional_writes
from tests.support.oauth_flow import BROWSER, Reply, authorize, callback, consent, set_cookies, tenant_api

QBO = Provider.QUICKBOOKS_ONLINE
WRONG_COMPANY = "QuickBooks did not confirm the company this sign-in names, so nothing was connected."
TAKEN = "This QuickBooks Online company is already connected to another account, so it was not connected here."
UNREADABLE = "The reply from QuickBooks Online could not be read, so nothing was connected. Connect again."
HOSTILE_TEXT = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)", "\u202e\x00"]


@pytest.fixture
def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def other_tenant() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def revoked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every token Fieldbooks revokes at Intuit (the real call is still made)."""
    tokens: list[str] = []
    revoke = IntuitOAuth.revoke

    def recording(self: IntuitOAuth, token: str) -> None:
        tokens.append(token)
        revoke(self, token)

    monkeypatch.setattr(IntuitOAuth, "revoke", recording)
    return tokens


@pytest.fixture
def exchanged(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The refresh token of every grant a code exchange obtained."""
    grants: list[str] = []
    exchange = IntuitOAuth.exchange_code

    def recording(self: IntuitOAuth, code: str, code_verifier: str | None = None) -> Any:
        tokens = exchange(self, code, code_verifier=code_verifier)
        grants.append(tokens.refresh_token)
        return tokens

    monkeypatch.setattr(IntuitOAuth, "exchange_code", recording)
    return grants


def start(tenant_id: str) -> tuple[dict[str, str], dict[str, str]]:
    """An admin's browser starts a connect: its authorize reply's cookies, and the consent page's URL."""
    reply = authorize(tenant_id)
    assert reply.status == 200, reply.body
    return set_cookies(reply), reply.body


def grant_is_dead(qbo: Any, refresh_token: str) -> bool:  # noqa: ANN401
    reply = httpx.post(
        qbo.token_url,
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(DEV_QUICKBOOKS_CLIENT_ID, DEV_QUICKBOOKS_CLIENT_SECRET),
        timeout=10,
    )
    return reply.status_code == 400 and reply.json()["error"] == "invalid_grant"


def nothing_left(tenant_id: str, *realms: str) -> None:
    assert ConnectionStore().find(tenant_id, QBO) is None
    assert RunStore().recent(tenant_id).items == []
    for realm in realms:
        assert CompanyClaimStore().holder(QBO, realm) != tenant_id


def redirect_outcome(reply: Reply) -> dict[str, str]:
    assert reply.status == 302
    location = reply.headers["Location"]
    assert location.startswith("http://127.0.0.1:9/settings/integrations?")
    return dict(parse_qsl(urlsplit(location).query))


# ---- the browser binding (A.1: a consent link cannot be finished by someone else)


def test_the_authorize_reply_binds_the_flow_with_an_http_only_same_site_cookie_on_the_callback_path(
    aws, qbo, tenant
) -> None:  # noqa: ANN001
    reply = authorize(tenant)

    (cookie,) = reply.cookies
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite", "path", "max-age"} <= attributes
    assert "SameSite=Lax" in cookie and f"Path={urlsplit(QBO_REDIRECT_URI).path}" in cookie
    assert "Max-Age=600" in cookie
    assert reply.headers.get("Cache-Control") == "no-store"
    value = cookie.split(";")[0].split("=", 1)[1]
    assert len(value) >= 43 and value not in reply.body["authorize_url"]  # a secret, not in the link


def test_a_consent_link_finished_in_another_browser_is_refused_and_stays_usable_by_its_owner(
    aws, qbo, tenant, exchanged
) -> None:  # noqa: ANN001
    # Tenant B's admin starts a connect and sends the consent link to tenant A's bookkeeper, who
    # approves it in A's company; A's browser comes back without B's cookie.
    owners_cookies, started = start(tenant)
    params = consent(started["authorize_url"], sim_realm_id=QBO_OTHER_REALM)

    strangers = [
        callback(params, cookies={}),
        callback(params, cookies={name: "x" * 43 for name in owners_cookies}),
        callback(params, cookies={name.replace("connect_", "connect_0"): v for name, v in owners_cookies.items()}),
    ]
    other_flow_cookies, _ = start(f"{tenant}-b")  # a real cookie, but for someone else's flow
    strangers.append(callback(params, cookies={next(iter(owners_cookies)): next(iter(other_flow_cookies.values()))}))

    assert [(r.status, r.body["message"]) for r in strangers] == [(400, OTHER_BROWSER)] * 4
    assert exchanged == []  # refused before the code was used: nothing was granted
    nothing_left(tenant, QBO_OTHER_REALM)

    owner = callback(params, cookies=owners_cookies)  # the browser that started it still can

    assert (owner.status, owner.body["status"]) == (200, "connected")


def test_a_state_issued_before_states_were_bound_to_a_browser_is_refused_not_crashed(
    aws, qbo, tenant, exchanged
) -> None:  # noqa: ANN001
    cookies, started = start(tenant)
    params = consent(started["authorize_url"])
    table = aws.table_name("OAuthStatesTable")
    key = {"tenant_id": {"S": tenant}, "state": {"S": params["state"]}}
    boto3.client("dynamodb").update_item(TableName=table, Key=key, UpdateExpression="REMOVE browser_digest")

    reply = callback(params, cookies=cookies)

    assert (reply.status, reply.body["message"]) == (400, OTHER_BROWSER)
    assert exchanged == []
    nothing_left(tenant, QBO_REALM)


def test_a_forged_or_malformed_state_is_refused_with_one_sentence(aws, qbo, tenant, exchanged) -> None:  # noqa: ANN001
    cookies, started = start(tenant)
    params = consent(started["authorize_url"])
    forged_states = [
        f"{tenant}.not-one-we-issued",
        f"{tenant}-other.{params['state'].split('.', 1)[1]}",  # another tenant's id on our randomness
        params["state"] + "x",
        params["state"].upper(),
        "",
        "no-separator",
        ".",
        "../..",
        f"{tenant}.\x00",
        f"{tenant}.%2F..%2F",
        "🦆.🦆",
    ]
    replies = [callback({**params, "state": state}, cookies=cookies) for state in forged_states]
    replies.append(callback({k: v for k, v in params.items() if k != "state"}, cookies=cookies))

    assert {(r.status, r.body["message"]) for r in replies} == {(400, INVALID_STATE)}
    assert exchanged == []
    nothing_left(tenant, QBO_REALM)
    assert callback(params, cookies=cookies).status == 200  # the genuine one was never used up


def test_an_oversized_parameter_gets_the_integrations_page_with_our_sentence(aws, qbo, tenant) -> None:  # noqa: ANN001
    cookies, started = start(tenant)
    params = consent(started["authorize_url"])
    for name, size in (("state", 10_000), ("code", 10_000), ("error", 1_000), ("error_description", 10_000)):
        probe = {**params, name: "<script>" + "a" * size}
        as_json = callback(probe, cookies=cookies)
        assert (as_json.status, as_json.body["message"]) == (400, UNREADABLE)
        assert "<script>" not in str(as_json.body)
        assert redirect_outcome(callback(probe, cookies=cookies, as_json=False)) == {
            "provider": "quickbooks_online",
            "status": "error",
            "message": UNREADABLE,
        }
    nothing_left(tenant, QBO_REALM)


# ---- replay


def test_a_state_is_used_once_whatever_the_outcome_and_a_code_once_whatever_the_state(
    aws, qbo, tenant, other_tenant
) -> None:  # noqa: ANN001
    cookies, started = start(tenant)
    params = consent(started["authorize_url"])
    assert callback(params, cookies=cookies).status == 200

    replayed = [callback(params, cookies=cookies), callback(params, cookies=cookies, as_json=False)]
    assert (replayed[0].status, replayed[0].body["message"]) == (400, INVALID_STATE)
    assert redirect_outcome(replayed[1])["message"] == INVALID_STATE

    denied_cookies, denied_start = start(other_tenant)
    denied = consent(denied_start["authorize_url"], sim_consent="deny")
    assert callback(denied, cookies=denied_cookies).status == 400
    assert callback(denied, cookies=denied_cookies).body["message"] == INVALID_STATE  # a refusal uses it up too

    # The used code under a fresh state of another tenant: Intuit accepts each code once.
    fresh_cookies, fresh_start = start(other_tenant)
    fresh = consent(fresh_start["authorize_url"])
    reused = callback({**fresh, "code": params["code"]}, cookies=fresh_cookies)
    assert reused.status == 400 and reused.body["message"].startswith("QuickBooks did not accept this sign-in")
    nothing_left(other_tenant, QBO_REALM)
    assert CompanyClaimStore().holder(QBO, QBO_REALM) == tenant


def test_the_callback_clears_its_cookie_whatever_the_outcome(aws, qbo, tenant) -> None:  # noqa: ANN001
    cookies, started = start(tenant)
    params = consent(started["authorize_url"], sim_consent="deny")
    (name,) = cookies

    reply = callback(params, cookies=cookies)

    (cleared,) = reply.cookies
    assert cleared.startswith(f"{name}=;") and "Max-Age=0" in cleared
    assert cookies == {}  # the browser dropped it


# ---- cross-tenant (A.1: one company per tenant)


def test_a_company_another_tenant_holds_is_refused_and_the_holder_is_untouched(
    aws, qbo, tenant, other_tenant, exchanged, revoked
) -> None:  # noqa: ANN001
    holder_cookies, holder_start = start(tenant)
    assert callback(consent(holder_start["authorize_url"]), cookies=holder_cookies).status == 200
    holder_tokens = _tokens(tenant)
    # An accountant who is admin of both tenants connects the second one to the first one's books.
    cookies, started = start(other_tenant)

    refused = [
        callback(consent(started["authorize_url"]), cookies=cookies),
        callback(consent(start(other_tenant)[1]["authorize_url"]), cookies=BROWSER, as_json=False),
    ]

    assert (refused[0].status, refused[0].body["status"]) == (409, "error")
    assert refused[0].body["message"].startswith(TAKEN)
    assert redirect_outcome(refused[1])["message"].startswith(TAKEN)
    assert tenant not in str(refused[0].body)  # the holder's account is not named
    nothing_left(other_tenant, QBO_REALM)
    assert CompanyClaimStore().holder(QBO, QBO_REALM) == tenant
    assert revoked == []  # revoking would end our app's connection to the holder's company
    assert _accepted(qbo, holder_tokens.access_token, QBO_REALM)
    assert not _accepted(qbo, holder_tokens.access_token, QBO_OTHER_REALM)
    assert ConnectionStore().get(tenant, QBO).status is ConnectionStatus.CONNECTED

    # Disconnecting gives the company back; then the other tenant may connect it, and it is held again.
    assert tenant_api("DELETE", "/connections/quickbooks_online", tenant).status == 200
    assert CompanyClaimStore().holder(QBO, QBO_REALM) is None
    cookies, started = start(other_tenant)
    assert callback(consent(started["authorize_url"]), cookies=cookies).status == 200
    assert CompanyClaimStore().holder(QBO, QBO_REALM) == other_tenant
    back_cookies, back = start(tenant)  # the first tenant's reconnect is now the refused one
    again = callback(consent(back["authorize_url"]), cookies=back_cookies)
    assert again.status == 409 and again.body["message"].startswith(TAKEN)
    assert ConnectionStore().get(tenant, QBO).status is ConnectionStatus.DISCONNECTED


def test_a_reconnect_of_the_held_company_keeps_its_claim(aws, qbo, tenant) -> None:  # noqa: ANN001
    cookies, started = start(tenant)
    assert callback(consent(started["authorize_url"]), cookies=cookies).status == 200
    paused = ConnectionStore().get(tenant, QBO).model_copy(update={"status": ConnectionStatus.NEEDS_REAUTH})
    ConnectionStore().save(paused)

    cookies, started = start(tenant)
    assert callback(consent(started["authorize_url"]), cookies=cookies).status == 200

    assert CompanyClaimStore().holder(QBO, QBO_REALM) == tenant


@pytest.fixture
def atomic_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    serialise_conditional_writes(monkeypatch)


def test_two_tenants_finishing_at_the_same_moment_cannot_both_get_one_company(aws, qbo, atomic_writes) -> None:  # noqa: ANN001
    tenants = [f"t-race-{uuid.uuid4().hex[:8]}" for _ in range(4)]
    flows = []
    for tenant_id in tenants:
        cookies, started = start(tenant_id)
        flows.append((tenant_id, cookies, consent(started["authorize_url"])))
    assert boto3.client("kms")  # clients made up front: boto3 client creation is not thread-safe
    gate = threading.Barrier(len(flows))
    replies: dict[str, Reply] = {}

    def finish(tenant_id: str, cookies: dict[str, str], params: dict[str, str]) -> None:
        gate.wait()
        replies[tenant_id] = callback(params, cookies=cookies)

    threads = [threading.Thread(target=finish, args=flow) for flow in flows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    statuses = sorted(reply.status for reply in replies.values())
    assert statuses == [200, 409, 409, 409]
    (winner,) = [tenant_id for tenant_id, reply in replies.items() if reply.status == 200]
    assert CompanyClaimStore().holder(QBO, QBO_REALM) == winner
    connected = [t for t in tenants if (c := ConnectionStore().find(t, QBO)) and c.status is ConnectionStatus.CONNECTED]
    assert connected == [winner]


# ---- cross-company (A.2: a tampered company id)


def test_a_company_id_changed_on_the_way_back_is_refused_and_the_grant_revoked(
    aws, qbo, tenant, other_tenant, exchanged, revoked
) -> None:  # noqa: ANN001
    # Consent for one company, the callback naming another: first one nobody holds, then one held.
    for named in (QBO_REALM, "9130350000000099"):
        cookies, started = start(tenant)
        params = consent(started["authorize_url"], sim_realm_id=QBO_OTHER_REALM)

        reply = callback({**params, "realmId": named}, cookies=cookies)

        assert (reply.status, reply.body["status"]) == (400, "error")
        assert reply.body["message"].startswith(WRONG_COMPANY)
        assert revoked[-1] == exchanged[-1] and grant_is_dead(qbo, exchanged[-1])
    nothing_left(tenant, QBO_REALM, QBO_OTHER_REALM)
    assert CompanyClaimStore().holder(QBO, "9130350000000099") is None


BAD_COMPANY_IDS = ["../../9130350000000001/customer/1", "1?x=1", "1#", "12 34", "\x00", "%2E%2E", "٣", "🦆", "-1"]


def test_a_company_id_that_is_not_one_is_refused_without_reaching_a_path(aws, qbo, tenant, exchanged, revoked) -> None:  # noqa: ANN001
    for named in [*BAD_COMPANY_IDS, "9" * 33]:
        cookies, started = start(tenant)
        params = consent(started["authorize_url"])

        reply = callback({**params, "realmId": named}, cookies=cookies)

        assert reply.status == 400 and reply.body["message"].startswith(WRONG_COMPANY), named
        assert revoked == exchanged and grant_is_dead(qbo, exchanged[-1])
    assert len(exchanged) == len(BAD_COMPANY_IDS) + 1
    nothing_left(tenant, QBO_REALM)


def test_a_missing_or_oversized_company_id_is_refused_before_any_code_is_used(aws, qbo, tenant, exchanged) -> None:  # noqa: ANN001
    cookies, started = start(tenant)
    params = consent(started["authorize_url"])

    missing = callback({k: v for k, v in params.items() if k != "realmId"}, cookies=cookies)
    cookies, started = start(tenant)
    oversized = callback({**consent(started["authorize_url"]), "realmId": "1" * 65}, cookies=cookies)

    assert (missing.status, missing.body["message"]) == (
        400,
        "QuickBooks Online did not send the sign-in details back. Connect again.",
    )
    assert (oversized.status, oversized.body["message"]) == (
        400,
        "The sign-in reply named no valid company. Connect again.",
    )
    assert exchanged == []
    nothing_left(tenant, QBO_REALM)


# ---- reflected text (A.7)


@pytest.mark.parametrize(
    ("error", "sentence"),
    [
        ("access_denied", "Access to QuickBooks Online was not granted, so nothing was connected."),
        ("invalid_scope", "QuickBooks Online did not grant the access Fieldbooks needs, so nothing was connected."),
        ("server_error", "QuickBooks Online could not finish the sign-in just now, so nothing was connected."),
        ("something_new", "QuickBooks Online could not finish the sign-in, so nothing was connected."),
        ("<b>bold</b>", "QuickBooks Online could not finish the sign-in, so nothing was connected."),
    ],
)
def test_the_providers_error_text_never_reaches_the_page(aws, qbo, tenant, error, sentence) -> None:  # noqa: ANN001
    for text in HOSTILE_TEXT:
        cookies, started = start(tenant)
        params = consent(started["authorize_url"], sim_consent="deny")
        probe = {**params, "error": error, "error_description": text, "message": text, "status": "connected"}

        as_json = callback(probe, cookies=cookies)
        cookies, started = start(tenant)
        again = {**probe, "state": consent(started["authorize_url"])["state"]}
        redirected = callback(again, cookies=cookies, as_json=False)

        assert as_json.status == 400 and as_json.body["message"].startswith(sentence)
        outcome = redirect_outcome(redirected)
        assert outcome["status"] == "error" and outcome["message"].startswith(sentence)
        for shown in (str(as_json.body), redirected.headers["Location"], outcome["message"]):
            assert text not in shown and "<" not in shown and "bold" not in shown
    nothing_left(tenant, QBO_REALM)


def test_a_company_name_is_shown_as_plain_bounded_text(aws, qbo, tenant) -> None:  # noqa: ANN001
    realm = "9130350000000777"
    qbo.admin.add_company(realm, "Acme\x00\n\u202e Plumbing " + "x" * 500)
    cookies, started = start(tenant)

    reply = callback(consent(started["authorize_url"], sim_realm_id=realm), cookies=cookies)

    assert reply.status == 200
    name = reply.body["company_name"]
    assert name.startswith("Acme Plumbing x") and len(name) == 200 and name.isprintable()
    assert ConnectionStore().get(tenant, QBO).company_name == name


# ---- helpers


def _tokens(tenant_id: str) -> Any:  # noqa: ANN401
    sealed = ConnectionStore().get(tenant_id, QBO).sealed_tokens
    assert sealed
    return unseal(sealed, token_context(tenant_id, QBO.value), boto3.client("kms"))


def _accepted(qbo: Any, access_token: str, realm_id: str) -> bool:  # noqa: ANN401
    reply = httpx.get(
        f"{qbo.company_url(realm_id)}/companyinfo/{realm_id}",
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        timeout=10,
    )
    return reply.status_code == 200


@pytest.fixture(autouse=True)
def _forget_browser() -> Iterator[None]:
    """Each test's browser starts empty (the flow helpers' jar is process-wide)."""
    BROWSER.clear()
    yield
    BROWSER.clear()
