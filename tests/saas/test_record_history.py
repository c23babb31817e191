"""The platform API's audit field: who a write is for, kept in the record's history (local/saas/audit.py)."""

import httpx
import pytest

from fieldbooks.domain.actors import Actor, acting_as, current_actor
from fieldbooks.domain.record_fields import AccountingLinkFields, ContactFields
from fieldbooks.saas.client import SaasPlatformClient, audit_headers
from local.saas.client import SaasAppClient
from local.saas.server import SaasAppHandle
from tests.saas.conftest import TENANT

MARKER = {"provider": "qbo", "remote_id": "58"}


def test_a_write_for_a_user_names_them_in_the_records_history_even_when_the_id_is_not_ascii(
    user: SaasAppClient, platform: SaasPlatformClient
) -> None:
    jane = user.create_contact(TENANT, first_name="Jane", last_name="Doe")

    with acting_as(Actor.user("zoë@acme")):
        platform.set_accounting_link(TENANT, "contact", jane.id, AccountingLinkFields(provider="qbo", remote_id="58"))
    with acting_as(Actor.scheduled()):
        platform.clear_accounting_link(TENANT, "contact", jane.id)
    platform.create_contact(TENANT, ContactFields(first_name="Nobody", last_name="Said"), idempotency_key="k-1")

    history = user.record_history(TENANT, "contacts", jane.id)
    assert [(h["version"], h["action"], h["origin"], h["acted_by"]) for h in history] == [
        (1, "created", "user", {"kind": "user", "name": "app user"}),
        (2, "updated", "fieldbooks", {"kind": "user", "name": "zoë@acme"}),
        (3, "updated", "fieldbooks", {"kind": "system", "name": "Fieldbooks (scheduled sync)"}),
    ]
    (nobody,) = [c for c in platform.list_changed(TENANT, "contact", jane.created_at) if c.id != jane.id]
    assert user.record_history(TENANT, "contacts", nobody.id)[0]["acted_by"] == {"kind": "system", "name": "Fieldbooks"}
    assert current_actor() is None  # each block put the previous actor back


def test_the_header_is_percent_encoded_so_any_user_id_travels_as_ascii() -> None:
    assert audit_headers(Actor.user("zoë/1 2")) == {"X-Acting-User": "zo%C3%AB%2F1%202"}
    assert audit_headers(Actor.webhook("Xero")) == {"X-Acting-System": "Fieldbooks%20%28Xero%20webhook%29"}


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (
            {"X-Acting-User": "u-1", "X-Acting-System": "Fieldbooks"},
            "Send X-Acting-User or X-Acting-System, not both: a change has one author",
        ),
        ({"X-Acting-User": "%FF%FE"}, "X-Acting-User must be percent-encoded UTF-8"),
        ({"X-Acting-User": "%20"}, "X-Acting-User must name who acted in 1 to 200 printable characters"),
        ({"X-Acting-System": "a" * 201}, "X-Acting-System must name who acted in 1 to 200 printable characters"),
        ({"X-Acting-User": "u%0A1"}, "X-Acting-User must name who acted in 1 to 200 printable characters"),
    ],
)
def test_an_unreadable_or_double_audit_field_is_refused_and_changes_nothing(
    saas: SaasAppHandle, user: SaasAppClient, headers: dict[str, str], message: str
) -> None:
    jane = user.create_contact(TENANT, first_name="Jane", last_name="Doe")

    reply = httpx.put(
        f"{saas.base_url}/platform/v1/tenants/{TENANT}/contacts/{jane.id}/accounting-link",
        json=MARKER,
        headers={"Authorization": f"Bearer {saas.platform_api_key}", **headers},
        timeout=10,
    )

    assert (reply.status_code, reply.json()["message"]) == (400, message)
    assert len(user.record_history(TENANT, "contacts", jane.id)) == 1


def test_the_history_of_a_record_the_tenant_does_not_have_is_a_404(user: SaasAppClient) -> None:
    reply = httpx.get(f"{user._base}/tenants/{TENANT}/contacts/con_missing/history", timeout=10)
    assert reply.status_code == 404
