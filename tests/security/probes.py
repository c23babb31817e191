"""What the security suite's probes share: one request to the real handler, the tally that judges its
reply, the tokens it forges, and a tenant worth attacking."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jwt

from fieldbooks.domain.models import (
    ConflictKind,
    ConflictRecord,
    Direction,
    Link,
    LinkState,
    PendingAction,
    Provider,
    RunKind,
    SyncStatus,
)
from fieldbooks.domain.plans import ApplyStep, Plan, PlanActionKind, PlannedAction
from fieldbooks.store.conflicts import ConflictStore, PendingActionStore, action_id, conflict_id
from fieldbooks.store.links import LinkStore
from fieldbooks.store.plans import PlanStore
from fieldbooks.store.runs import RunStore
from fieldbooks.store.sync_log import SyncLogStore
from local.runtime.resources import DEV_TENANT_JWT_SECRET
from tests.conftest import console_token
from tests.support.fake_provider import connect

QBO = Provider.QUICKBOOKS_ONLINE


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


def bearer(token: str) -> str:
    return f"Bearer {token}"


def admin(tenant_id: str) -> str:
    return bearer(console_token(tenant_id, role="admin", user_id="u-admin"))


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
