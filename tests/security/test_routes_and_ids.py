"""The tenant API as an attacker and a careless integrator meet it (issue 10, part B): every route of
template.yaml against forged and broken tokens, every id-taking route against another tenant's ids and
hostile ids, crafted page cursors, and oversized or malformed bodies.

Each probe is one request to the real handler, on moto and the reference SaaS app (127.0.0.1 only).
A probe fails when it answers 5xx, answers anything but a JSON `{"message": ...}` error where it must
refuse, or carries anything of the other tenant ("a leak"). Each test prints its tally (`-s` shows it):
probes tried, 5xx, leaks.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any
from urllib.parse import quote

import pytest

from fieldbooks.domain.models import ConflictStatus, LinkState, RunKind
from fieldbooks.store.base import INVALID_CURSOR
from fieldbooks.store.conflicts import ConflictStore, PendingActionStore
from fieldbooks.store.connections import ConnectionStore
from fieldbooks.store.links import LinkStore
from fieldbooks.store.runs import RunStore
from tests.conftest import TEMPLATE, console_token
from tests.security.probes import QBO, Api, Tally, Victim, admin, alg_none, bearer, forged
from tests.support.fake_provider import FakeProvider, connect

ROUTES = sorted(
    (route.method, route.path) for route in TEMPLATE.http_routes() if route.function_id == "TenantApiFunction"
)
ADMIN_ROUTES = [(method, path) for method, path in ROUTES if method != "GET"]  # every change is an admin's
HOSTILE_IDS = {
    "dot": ".",
    "dot-dot": "..",
    "climb": "../../contacts",
    "encoded slash": "%2F",
    "double-encoded slash": "%252F",
    "encoded dot-dot": "%2E%2E",
    "NUL": "\x00",
    "encoded NUL": "%00",
    "10 kB": "a" * 10_000,
    "emoji": "🙂",
    "query": "con_1?x=1",
    "quote": "' OR '1'='1",
    "space": "con 1",
}


def path_of(template_path: str, **values: str) -> str:
    """/runs/{run_id} with run_id filled in, each value inserted as given (already encoded or raw)."""
    path = template_path
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


PLAUSIBLE = {
    "run_id": "0000000000000deadbeef0",
    "provider": "quickbooks_online",
    "conflict_id": "no-such-conflict",
    "action_id": "no-such-action",
    "entity": "contact",
    "saas_id": "con_nobody",
}


def plausible(template_path: str, **overrides: str) -> str:
    return path_of(template_path, **(PLAUSIBLE | overrides))


# ---------------------------------------------------------------- tokens


BAD_AUTHORIZATION = {
    "no token": None,
    "empty header": "",
    "basic auth": "Basic dXNlcjpwYXNz",
    "bearer nothing": "Bearer ",
    "not a jwt": "Bearer not-a-jwt",
    "alg none": bearer(alg_none()),
    "wrong key": bearer(forged({}, secret="a-key-the-saas-never-had-0123456789")),
    "HS512 with the right key": bearer(forged({}, algorithm="HS512")),
    "expired": bearer(forged({"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600})),
    "wrong issuer": bearer(forged({"iss": "someone-else"})),
    "wrong audience": bearer(forged({"aud": "another-app"})),
    "missing tenant": bearer(forged({"tid": None})),
    "empty tenant": bearer(forged({"tid": ""})),
    "numeric tenant": bearer(forged({"tid": 42})),
    "missing subject": bearer(forged({"sub": None})),
    "missing expiry": bearer(forged({"exp": None})),
    "unknown role": bearer(forged({"role": "superuser"})),
}


def test_every_route_refuses_every_forged_or_broken_token(api: Api) -> None:
    tally = Tally("tokens × routes")
    for method, template_path in ROUTES:
        for variant, authorization in BAD_AUTHORIZATION.items():
            reply = api(
                method, plausible(template_path), authorization, body="{}" if method in ("PUT", "POST") else None
            )
            tally.check(f"{method} {template_path} [{variant}]", reply, expect={401, 403}, secrets=("t-victim",))
    assert tally.tried == len(ROUTES) * len(BAD_AUTHORIZATION)
    tally.assert_clean()


def test_members_cannot_use_any_route_that_changes_something(api: Api, fake_books: FakeProvider) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    connect(tenant)
    member = bearer(console_token(tenant, role="member", user_id="u-member"))
    tally = Tally("member × admin routes")
    for method, template_path in ADMIN_ROUTES:
        body = {"PUT": '{"remote_id": "1"}', "POST": '{"queue": "push"}'}.get(method)
        if template_path.endswith("/settings"):
            body = '{"approve_plan": true}'
        reply = api(method, plausible(template_path), member, body=body)
        tally.check(f"{method} {template_path}", reply, expect={403})
    assert len(ADMIN_ROUTES) >= 12  # every POST, PUT and DELETE of the README's table
    tally.assert_clean()
    assert ConnectionStore().get(tenant, QBO).settings.approve_plan is False


# ---------------------------------------------------------------- another tenant's ids


def test_another_tenants_ids_are_not_found_and_nothing_of_theirs_comes_back(
    api: Api, victim: Victim, intruder: str, saas_app: Any
) -> None:  # noqa: ANN401 - fixture
    mine = saas_app.handle.app_client.create_contact(intruder, first_name="Ivan", last_name="Intruder")
    token = admin(intruder)
    tally = Tally("another tenant's ids")
    by_id = {
        ("GET", f"/runs/{victim.run_id}"): {404},
        ("GET", f"/runs/{victim.run_id}/plan"): {404},
        ("POST", f"/runs/{victim.run_id}/approve"): {404},
        ("POST", f"/runs/{victim.run_id}/stop"): {404},
        ("POST", f"/conflicts/{victim.conflict_id}/resolve"): {404},
        ("POST", f"/pending-actions/{victim.action_id}/approve"): {404},
        ("DELETE", f"/links/contact/{victim.contact_id}"): {404},
        ("PUT", f"/links/contact/{victim.contact_id}"): {404},
        ("PUT", f"/links/contact/{mine.id}"): {400},  # the victim's customer 58 is not in the intruder's books
    }
    for (method, path), expected in by_id.items():
        body = '{"remote_id": "58"}' if method == "PUT" else None
        reply = api(method, path, token, body=body)
        tally.check(f"{method} {path}", reply, expect=expected, secrets=victim.secrets, sent=path)
    for path, query in [
        ("/sync-log", {"run_id": victim.run_id}),
        ("/sync-log", {"record_id": victim.contact_id}),
        ("/sync-log/export", {"record_id": victim.contact_id}),
        ("/links", {}),
        ("/conflicts", {"status": "all"}),
        ("/pending-actions", {}),
        ("/runs", {}),
        ("/connections", {}),
        ("/connections/quickbooks_online/settings", {}),
    ]:
        reply = api("GET", path, token, query=query)
        tally.check(f"GET {path} {query}", reply, expect={200}, secrets=victim.secrets)
        assert victim.run_id not in reply.text or "run_id" in query
    for path, cursor in [
        ("/sync-log", victim.log_cursor),
        ("/links", victim.link_cursor),
        (f"/runs/{victim.run_id}/plan", victim.plan_cursor),
        ("/sync-log", victim.link_cursor),
    ]:
        reply = api("GET", path, token, query={"cursor": cursor})
        tally.check(f"GET {path} with the victim's cursor", reply, expect={400, 404}, secrets=victim.secrets, sent=path)
    tally.assert_clean()
    # Nothing of the victim's changed either.
    assert LinkStore().get(victim.tenant_id, QBO, "contact", victim.contact_id).state is LinkState.LINKED
    assert ConflictStore().get(victim.tenant_id, victim.conflict_id).status is ConflictStatus.OPEN
    assert [a.action_id for a in PendingActionStore().list(victim.tenant_id)] == [victim.action_id]
    assert RunStore().get(victim.tenant_id, victim.run_id).stop_requested is False


# ---------------------------------------------------------------- hostile ids


def test_every_id_taking_route_answers_a_hostile_id_with_a_4xx(
    api: Api, intruder: str, fake_books: FakeProvider
) -> None:
    tally = Tally("hostile ids × id-taking routes")
    token = admin(intruder)
    with_ids = [(method, path) for method, path in ROUTES if "{" in path]
    for method, template_path in with_ids:
        names = [name for name in PLAUSIBLE if "{" + name + "}" in template_path]
        for name in names:
            for variant, hostile in HOSTILE_IDS.items():
                for spelled in {hostile, quote(hostile, safe="")}:
                    path = plausible(template_path, **{name: spelled})
                    body = '{"remote_id": "1"}' if method == "PUT" and "/links/" in path else None
                    reply = api(method, path, token, body=body)
                    tally.check(f"{method} {template_path} {name}={variant} ({spelled[:12]!r})", reply)
    assert tally.tried > 200
    tally.assert_clean()


@pytest.mark.parametrize("variant", HOSTILE_IDS)
def test_a_hostile_app_record_id_never_reaches_the_platform_api(
    api: Api, intruder: str, fake_books: FakeProvider, variant: str
) -> None:
    """`.` and `..` as a SaaS id once got a 500 from the platform call: the id is checked at the edge."""
    hostile = quote(HOSTILE_IDS[variant], safe="")
    tally = Tally(f"hostile SaaS id {variant}")
    for method in ("DELETE", "PUT"):
        body = '{"remote_id": "1"}' if method == "PUT" else None
        reply = api(method, f"/links/contact/{hostile}", admin(intruder), body=body)
        tally.check(f"{method} /links/contact/{variant}", reply, expect={400})
    tally.assert_clean()


@pytest.mark.parametrize("variant", HOSTILE_IDS)
def test_a_hostile_remote_id_is_a_400_and_links_nothing(
    api: Api, intruder: str, saas_app: Any, fake_books: FakeProvider, variant: str
) -> None:  # noqa: ANN401 - fixture
    mine = saas_app.handle.app_client.create_contact(intruder, first_name="Ivan", last_name="Intruder")

    reply = api(
        "PUT", f"/links/contact/{mine.id}", admin(intruder), body=json.dumps({"remote_id": HOSTILE_IDS[variant]})
    )

    assert reply.status == 400, reply.text
    assert LinkStore().get(intruder, QBO, "contact", mine.id) is None


# ---------------------------------------------------------------- crafted cursors


def unsigned_cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def crafted_cursors(tenant: str) -> dict[str, str]:
    """The cursors of the report (the old format, naming the caller's own tenant) and a few more."""
    return {
        "number key": unsigned_cursor({"t": tenant, "k": 5}),
        "list key": unsigned_cursor({"t": tenant, "k": [1, 2]}),
        "untyped key": unsigned_cursor({"t": tenant, "k": {"tenant_id": tenant, "link_key": "x"}}),
        "wrong-attribute key": unsigned_cursor({"t": tenant, "k": {"tenant_id": {"S": tenant}, "nope": {"S": "x"}}}),
        "string key": unsigned_cursor({"t": tenant, "k": "quickbooks_online#contact#x"}),
        "null key": unsigned_cursor({"t": tenant, "k": None}),
        "typed number": unsigned_cursor({"t": tenant, "k": {"tenant_id": {"N": "1"}, "log_key": {"S": "x"}}}),
        "not base64": "%%%%",
        "emoji": "🙂",
        "2 kB": "A" * 2048,
        "3 kB": "A" * 3000,
        "made-up signature": unsigned_cursor({"t": tenant, "k": {"tenant_id": {"S": tenant}}}) + ".c2lnbmVk",
    }


def test_a_crafted_cursor_is_a_400_on_every_paged_route(api: Api, intruder: str) -> None:
    """Issue 10, A.4: these gave 500 on /sync-log, /links and /runs/{id}/plan, or silently restarted paging."""
    run = RunStore().create(intruder, QBO, RunKind.SYNC_NOW)
    tally = Tally("crafted cursors × paged routes")
    for path in ("/sync-log", "/links", f"/runs/{run.run_id}/plan", "/sync-log?run_id", "/sync-log?record_id"):
        route, _, by = path.partition("?")
        for variant, cursor in crafted_cursors(intruder).items():
            query = {"cursor": cursor} | ({by: "con_1"} if by else {})
            reply = api("GET", route, admin(intruder), query=query)
            tally.check(f"GET {path} [{variant}]", reply, expect={400})
            if reply.status == 400 and len(cursor) <= 2048:
                assert reply.body["message"] == INVALID_CURSOR, (variant, reply.body)
    tally.assert_clean()


# ---------------------------------------------------------------- bodies


BODY_ROUTES = [
    ("PUT", "/connections/quickbooks_online/settings"),
    ("PUT", "/links/contact/con_1"),
    ("POST", "/dlq/redrive"),
]
MALFORMED_BODIES: dict[str, str | bytes] = {
    "not JSON": "{remote_id: 1",
    "empty": "",
    "a list": "[1, 2]",
    "a string": '"remote_id"',
    "null": "null",
    "a huge number": "1e999999",
    "1 MB string": json.dumps({"remote_id": "1" * 1_000_000}),
    "9,000 keys": json.dumps({f"key_{n}": n for n in range(9_000)}),
    "NUL inside": '{"remote_id": "\\u0000"}',
    "wrong types": '{"remote_id": 58, "queue": ["push"], "approve_plan": "yes"}',
}


def test_malformed_and_oversized_bodies_are_4xx_on_every_route_that_takes_one(
    api: Api, intruder: str, saas_app: Any, fake_books: FakeProvider
) -> None:  # noqa: ANN401 - fixture
    mine = saas_app.handle.app_client.create_contact(intruder, first_name="Ivan", last_name="Intruder")
    tally = Tally("malformed bodies × body routes")
    for method, template_path in [(m, p) for m, p in ROUTES if m in ("PUT", "POST")]:
        path = plausible(template_path, saas_id=mine.id)
        takes_a_body = method == "PUT" or template_path == "/dlq/redrive"
        for variant, body in MALFORMED_BODIES.items():
            reply = api(method, path, admin(intruder), body=body)
            tally.check(
                f"{method} {template_path} [{variant}]", reply, expect={400, 404, 409} if takes_a_body else None
            )
    tally.assert_clean()
    assert LinkStore().get(intruder, QBO, "contact", mine.id) is None


def test_settings_are_a_closed_schema_and_a_refusal_keeps_what_was_stored(
    api: Api, intruder: str, fake_books: FakeProvider
) -> None:
    """Issue 10, A.5: 9,000 made-up `directions` keys were stored (387 KB); 1.2 MB was a 500."""
    path = "/connections/quickbooks_online/settings"
    assert api("PUT", path, admin(intruder), body='{"directions": {"invoice": "off"}}').status == 200
    tally = Tally("settings bodies")
    for variant, body in {
        "9,000 made-up entities": {"directions": {f"entity_{n}": "both" for n in range(9_000)}},
        "1.2 MB of them": {"directions": {f"entity_{n}_{'x' * 100}": "both" for n in range(11_000)}},
        "one unknown entity": {"directions": {"job": "both"}},
        "an unknown field": {"colour": "blue"},
        "an unknown direction": {"directions": {"contact": "sideways"}},
    }.items():
        reply = api("PUT", path, admin(intruder), body=json.dumps(body))
        tally.check(variant, reply, expect={400})
        assert len(reply.text) < 2_000, (variant, len(reply.text))  # one sentence, not one per key
    tally.assert_clean()
    stored = ConnectionStore().get(intruder, QBO).settings
    assert stored.directions == {"invoice": "off"}


def test_a_body_nested_fifty_thousand_deep_is_a_400(api: Api, intruder: str, fake_books: FakeProvider) -> None:
    tally = Tally("deeply nested bodies")
    for method, path in BODY_ROUTES:
        tally.check(
            f"{method} {path}", api(method, path, admin(intruder), body="[" * 50_000 + "]" * 50_000), expect={400}
        )
    tally.assert_clean()


def test_a_body_that_is_not_utf8_is_a_400(api: Api, intruder: str, fake_books: FakeProvider) -> None:
    tally = Tally("non-UTF-8 bodies")
    for method, path in BODY_ROUTES:
        tally.check(f"{method} {path}", api(method, path, admin(intruder), body=b"\xff\xfe\x00{"), expect={400})
    tally.assert_clean()
