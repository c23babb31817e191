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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import jwt
import pytest

from fieldbooks import registry
from fieldbooks.domain.models import (
    ConflictKind,
    ConflictRecord,
    ConflictStatus,
    Direction,
    Link,
    LinkState,
    PendingAction,
    Provider,
    RunKind,
    SyncStatus,
)
from fieldbooks.domain.plans import ApplyStep, Plan, PlanActionKind, PlannedAction
from fieldbooks.store.base import INVALID_CURSOR
from fieldbooks.store.conflicts import ConflictStore, PendingActionStore, action_id, conflict_id
from fieldbooks.store.connections import ConnectionStore
from fieldbooks.store.links import LinkStore
from fieldbooks.store.plans import PlanStore
from fieldbooks.store.runs import RunStore
from fieldbooks.store.sync_log import SyncLogStore
from local.runtime.resources import DEV_TENANT_JWT_SECRET
from tests.conftest import TEMPLATE, console_token
from tests.support.fake_provider import FakeProvider, connect

QBO = Provider.QUICKBOOKS_ONLINE
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


@dataclass
class Reply:
    status: int
    body: Any
    text: str


@dataclass
class Tally:
    """Counts the probes and collects every one that failed, so one test reports all of them at once."""

    name: str
    tried: int = 0
    server_errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    def check(
        self,
        label: str,
        reply: Reply,
        *,
        expect: set[int] | None = None,
        secrets: tuple[str, ...] = (),
        sent: str = "",
    ) -> None:
        """`secrets` must not be in the reply unless the caller sent them (an echoed id is no leak)."""
        self.tried += 1
        if reply.status >= 500:
            self.server_errors.append(f"{label}: {reply.status} {reply.text[:200]}")
        if leaked := [secret for secret in secrets if secret in reply.text and secret not in sent]:
            self.leaks.append(f"{label}: {leaked}")
        if expect is not None and reply.status not in expect:
            self.wrong.append(f"{label}: {reply.status} (expected {sorted(expect)}) {reply.text[:200]}")
        if reply.status >= 400 and not (isinstance(reply.body, dict) and isinstance(reply.body.get("message"), str)):
            self.wrong.append(f"{label}: {reply.status} without a JSON message: {reply.text[:200]}")

    def assert_clean(self) -> None:
        print(f"\n[security] {self.name}: {self.tried} probes, {len(self.server_errors)} 5xx, {len(self.leaks)} leaks")
        assert self.server_errors == []
        assert self.leaks == []
        assert self.wrong == []


Api = Callable[..., Reply]


@pytest.fixture
def api(aws, handler, context, load_event) -> Api:  # noqa: ANN001 - fixtures
    tenant_api = handler("TenantApiFunction")

    def call(
        method: str,
        raw_path: str,
        authorization: str | None,
        *,
        query: dict[str, str] | None = None,
        body: str | bytes | None = None,
        content_type: str = "application/json",
    ) -> Reply:
        headers = {"host": "api.fieldbooks.example"}
        if authorization is not None:
            headers["authorization"] = authorization
        event = load_event(
            "tenant_api/get_sync_log.json",
            rawPath=raw_path,
            routeKey=f"{method} {raw_path}",
            rawQueryString=urlencode(query or {}),
            queryStringParameters=query or None,
            headers=headers,
            requestContext__http__path=raw_path,
            requestContext__http__method=method,
        )
        if isinstance(body, bytes):  # what API Gateway does with a body that is not UTF-8 text
            event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
        elif body is not None:
            event["body"] = body
        if body is not None:
            event["headers"]["content-type"] = content_type
        try:
            reply = tenant_api(event, context)
        except Exception as error:  # noqa: BLE001 - a function that raises is API Gateway's 502
            return Reply(502, None, f"the function raised {type(error).__name__}: {error}"[:300])
        text = reply.get("body") or ""
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        return Reply(reply["statusCode"], parsed, text)

    return call


@pytest.fixture
def fake_books() -> Iterator[FakeProvider]:
    """A provider with one set of books per company, so one tenant's accounting ids are nothing to another."""
    with registry.replaced(QBO, FakeProvider()) as fake:
        yield fake  # type: ignore[misc]  # the registry hands back what it was given


def bearer(token: str) -> str:
    return f"Bearer {token}"


def admin(tenant_id: str) -> str:
    return bearer(console_token(tenant_id, role="admin", user_id="u-admin"))


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


def forged(claims: dict[str, Any], secret: str = DEV_TENANT_JWT_SECRET, algorithm: str = "HS256") -> str:
    now = int(time.time())
    payload = {"iss": "fsm-saas", "aud": "fieldbooks", "sub": "u-1", "tid": "t-victim", "role": "admin"}
    payload |= {"iat": now, "exp": now + 600}
    payload |= claims
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, secret, algorithm=algorithm)


def alg_none() -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    now = int(time.time())
    claims = {"iss": "fsm-saas", "aud": "fieldbooks", "sub": "u-1", "tid": "t-victim", "role": "admin"}
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims | {'iat': now, 'exp': now + 600})}."


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


@dataclass
class Victim:
    """A tenant with something behind every id-taking route, and the strings that must never reach another."""

    tenant_id: str
    contact_id: str
    run_id: str
    conflict_id: str
    action_id: str
    log_cursor: str
    link_cursor: str
    plan_cursor: str

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.tenant_id, self.contact_id, self.run_id, "Zelda Aardvark", "zelda-only-marker")


def make_victim(api: Api, saas_app: Any) -> Victim:  # noqa: ANN401 - the session's SaaS app fixture
    tenant = f"t-victim-{uuid.uuid4().hex[:8]}"
    saas_app.handle.app_client.create_tenant(tenant, "Victim Plumbing")
    connect(tenant, company_name="zelda-only-marker Books")
    contact = saas_app.handle.app_client.create_contact(tenant, first_name="Zelda", last_name="Aardvark")
    for n in range(2):
        LinkStore().save(
            Link(
                tenant_id=tenant,
                provider=QBO,
                entity="contact",
                saas_id=contact.id if n == 0 else f"con_zelda_{n}",
                state=LinkState.LINKED,
                remote_id=str(58 + n),
                remote_entity="Customer",
                updated_at=datetime.now(UTC),
            )
        )
    run = RunStore().create(tenant, QBO, RunKind.SYNC_NOW)
    actions = [
        PlannedAction(
            category="contacts",
            entity="contact",
            saas_id=f"con_zelda_{n}",
            label="Zelda Aardvark",
            action=PlanActionKind.CREATE,
            step=ApplyStep.PUSH,
            reason="Not in accounting yet.",
        )
        for n in range(3)
    ]
    PlanStore().save(tenant, run.run_id, Plan(actions=actions))
    for n in range(3):
        SyncLogStore().write(
            tenant,
            provider=QBO,
            entity="contact",
            direction=Direction.TO_ACCOUNTING,
            status=SyncStatus.SYNCED,
            action="create",
            detail=f"Created customer Zelda Aardvark {n} in QuickBooks.",
            saas_id=contact.id,
            run_id=run.run_id,
        )
    conflict = ConflictStore().open(
        ConflictRecord(
            tenant_id=tenant,
            conflict_id=conflict_id(QBO, "contact", contact.id, ConflictKind.DUPLICATE_NAME),
            provider=QBO,
            entity="contact",
            saas_id=contact.id,
            kind=ConflictKind.DUPLICATE_NAME,
            resolvable=True,
            message='QuickBooks already has a customer named "Zelda Aardvark"; resolve to link them.',
            name="Zelda Aardvark",
            remote_id="58",
            created_at=datetime.now(UTC),
        )
    )
    held = PendingActionStore().hold(
        PendingAction(
            tenant_id=tenant,
            action_id=action_id(QBO, "contact", contact.id),
            provider=QBO,
            entity="contact",
            saas_id=contact.id,
            record_version=1,
            action="create",
            summary="Create customer Zelda Aardvark in QuickBooks",
            created_at=datetime.now(UTC),
        )
    )

    def cursor(path: str, **query: str) -> str:
        reply = api("GET", path, admin(tenant), query={"limit": "1", **query})
        assert reply.status == 200 and reply.body["next_cursor"], reply.text
        return reply.body["next_cursor"]

    return Victim(
        tenant_id=tenant,
        contact_id=contact.id,
        run_id=run.run_id,
        conflict_id=conflict.conflict_id,
        action_id=held.action_id,
        log_cursor=cursor("/sync-log"),
        link_cursor=cursor("/links"),
        plan_cursor=cursor(f"/runs/{run.run_id}/plan"),
    )


@pytest.fixture
def victim(api: Api, saas_app: Any, fake_books: FakeProvider) -> Victim:  # noqa: ANN401 - fixture
    return make_victim(api, saas_app)


@pytest.fixture
def intruder(saas_app: Any, fake_books: FakeProvider) -> str:  # noqa: ANN401 - fixture
    """Another tenant's admin, connected to books of their own, with a contact of their own."""
    tenant = f"t-intruder-{uuid.uuid4().hex[:8]}"
    saas_app.handle.app_client.create_tenant(tenant, "Intruder Ltd")
    connect(tenant)
    return tenant


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


@pytest.mark.xfail(
    strict=True,
    reason="A body nested deeper than Python's recursion limit makes Powertools' JSON parsing raise "
    "RecursionError before any route runs (a 502). Outside this branch's files: console/http_errors.py "
    "should map RecursionError to a 400, or the handler should refuse such a body before resolving.",
)
def test_a_body_nested_fifty_thousand_deep_is_a_400(api: Api, intruder: str, fake_books: FakeProvider) -> None:
    tally = Tally("deeply nested bodies")
    for method, path in BODY_ROUTES:
        tally.check(
            f"{method} {path}", api(method, path, admin(intruder), body="[" * 50_000 + "]" * 50_000), expect={400}
        )
    tally.assert_clean()


@pytest.mark.xfail(
    strict=True,
    reason="A base64 body that is not UTF-8 makes Powertools' body decoding raise UnicodeDecodeError before "
    "any route runs (a 502). Outside this branch's files: the same one handler in console/http_errors.py.",
)
def test_a_body_that_is_not_utf8_is_a_400(api: Api, intruder: str, fake_books: FakeProvider) -> None:
    tally = Tally("non-UTF-8 bodies")
    for method, path in BODY_ROUTES:
        tally.check(f"{method} {path}", api(method, path, admin(intruder), body=b"\xff\xfe\x00{"), expect={400})
    tally.assert_clean()
