"""The app API: what a user of the product does, and the product's rules it enforces."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import jwt
import pytest

from local.saas.client import SaasAppClient, SaasAppError
from local.saas.server import SaasAppHandle
from tests.saas.conftest import TENANT, TEST_JWT_SECRET

DATES = {"issue_date": "2026-11-20", "due_date": "2026-12-20"}
LINE = {"description": "Service call", "unit_price": "89.00"}


def test_the_console_token_carries_who_and_which_tenant(user: SaasAppClient) -> None:
    token = user.console_token(TENANT, "usr_42", role="admin")

    claims = jwt.decode(token, TEST_JWT_SECRET, algorithms=["HS256"], audience="fieldbooks", issuer="fsm-saas")

    assert (claims["sub"], claims["tid"], claims["role"]) == ("usr_42", TENANT, "admin")
    assert claims["exp"] - claims["iat"] == 3600


def test_no_console_token_for_an_unknown_tenant(user: SaasAppClient) -> None:
    with pytest.raises(SaasAppError, match="no tenant 't-ghost'") as refused:
        user.console_token("t-ghost", "usr_1")

    assert refused.value.status_code == 404


def test_a_tenant_is_created_once(user: SaasAppClient) -> None:
    with pytest.raises(SaasAppError, match="already exists"):
        user.create_tenant(TENANT, "Acme again")


def test_an_invoice_goes_from_draft_to_finalized_to_void_with_one_version_per_step(
    user: SaasAppClient,
) -> None:
    ann = user.create_contact(TENANT, first_name="Ann")
    draft = user.create_invoice(TENANT, contact_id=ann.id, lines=[LINE], **DATES)
    edited = user.update_invoice(TENANT, draft.id, memo="Gate code 1234")
    finalized = user.finalize_invoice(TENANT, draft.id)
    voided = user.void_invoice(TENANT, draft.id)

    assert [draft.status, finalized.status, voided.status] == ["draft", "finalized", "void"]
    assert [draft.version, edited.version, finalized.version, voided.version] == [1, 2, 3, 4]
    assert draft.number == "INV-0001" and voided.balance_due == 0


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (
            lambda user, invoice_id: user.update_invoice(TENANT, invoice_id, memo="x"),
            "only drafts can be edited",
        ),
        (lambda user, invoice_id: user.delete_invoice(TENANT, invoice_id), "void it instead of deleting it"),
        (lambda user, invoice_id: user.finalize_invoice(TENANT, invoice_id), "already finalized"),
    ],
)
def test_a_finalized_invoice_is_not_edited_deleted_or_finalized_again(
    user: SaasAppClient, step: Callable[[SaasAppClient, str], object], message: str
) -> None:
    ann = user.create_contact(TENANT, first_name="Ann")
    invoice = user.finalize_invoice(TENANT, user.create_invoice(TENANT, contact_id=ann.id, lines=[LINE], **DATES).id)

    with pytest.raises(SaasAppError, match=message):
        step(user, invoice.id)


def test_a_draft_is_deleted_not_voided_and_needs_a_line_to_finalize(user: SaasAppClient) -> None:
    ann = user.create_contact(TENANT, first_name="Ann")
    empty = user.create_invoice(TENANT, contact_id=ann.id, **DATES)

    with pytest.raises(SaasAppError, match="has no lines"):
        user.finalize_invoice(TENANT, empty.id)
    with pytest.raises(SaasAppError, match="delete it instead of voiding it"):
        user.void_invoice(TENANT, empty.id)
    assert user.delete_invoice(TENANT, empty.id).deleted_at is not None


def test_references_must_name_live_records_of_the_tenant(user: SaasAppClient) -> None:
    ann = user.create_contact(TENANT, first_name="Ann")
    bob = user.create_contact(TENANT, first_name="Bob")
    bobs_house = user.create_property(TENANT, contact_id=bob.id, name="Home", address={"line1": "1 Oak"})

    with pytest.raises(SaasAppError, match="job site of another contact"):
        user.create_invoice(TENANT, contact_id=ann.id, property_id=bobs_house.id, **DATES)
    with pytest.raises(SaasAppError, match="names no contact"):
        user.create_property(TENANT, contact_id="con_nope", name="Home", address={})
    with pytest.raises(SaasAppError, match="names no item"):
        user.create_quote(TENANT, contact_id=ann.id, issue_date="2026-11-20", lines=[{**LINE, "item_id": "item_x"}])


def test_a_credit_note_refers_to_a_finalized_invoice_of_its_contact(user: SaasAppClient) -> None:
    ann = user.create_contact(TENANT, first_name="Ann")
    draft = user.create_invoice(TENANT, contact_id=ann.id, lines=[LINE], **DATES)

    with pytest.raises(SaasAppError, match="not a finalized invoice of this contact"):
        user.create_credit_note(TENANT, contact_id=ann.id, invoice_id=draft.id, issue_date="2026-11-21", lines=[LINE])
    credit = user.create_credit_note(TENANT, contact_id=ann.id, issue_date="2026-11-21", lines=[LINE])

    assert (credit.number, str(credit.total)) == ("CN-0001", "89.00")


def test_a_stale_if_match_from_the_app_gets_412_with_the_current_version(saas: SaasAppHandle) -> None:
    ann = saas.app_client.create_contact(TENANT, first_name="Ann")
    saas.app_client.update_contact(TENANT, ann.id, phone="1")

    reply = httpx.patch(
        f"{saas.base_url}/app/tenants/{TENANT}/contacts/{ann.id}",
        json={"phone": "2"},
        headers={"If-Match": '"1"'},
    )

    assert reply.status_code == 412
    assert reply.json()["current_version"] == 2


@pytest.mark.parametrize(
    ("method", "path", "headers", "status", "message"),
    [
        ("GET", "/platform/v1/tenants/t-acme/contacts", {}, 401, "Missing or wrong platform API key"),
        ("GET", "/platform/v1/tenants/t-acme/widgets", None, 404, "no collection 'widgets'"),
        ("GET", "/platform/v1/tenants/t-acme/contacts?updated_since=yesterday", None, 400, "ISO 8601"),
        (
            "GET",
            "/platform/v1/tenants/t-acme/contacts?updated_since=2026-11-21T10:00:00",
            None,
            400,
            "time zone",
        ),
        ("GET", "/platform/v1/tenants/t-acme/contacts?cursor=garbage", None, 400, "cursor"),
        ("GET", "/platform/v1/tenants/t-acme/contacts?limit=0", None, 400, "limit"),
        ("PATCH", "/platform/v1/tenants/t-acme/contacts/con_1", None, 428, "If-Match"),
        ("POST", "/platform/v1/tenants/t-acme/items", None, 405, "Method Not Allowed"),
    ],
)
def test_platform_api_refusals_are_json_with_a_message(
    saas: SaasAppHandle, method: str, path: str, headers: dict[str, str] | None, status: int, message: str
) -> None:
    sent = {"Authorization": f"Bearer {saas.platform_api_key}"} if headers is None else headers

    reply = httpx.request(method, saas.base_url + path, headers=sent, json={})

    assert reply.status_code == status
    assert message in reply.json()["message"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_app_runs_standalone_from_the_command_line(tmp_path: Path) -> None:
    port = free_port()
    repo = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": f"{repo / 'shared'}{os.pathsep}{repo}",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    command = [
        sys.executable,
        "-m",
        "local.saas",
        "--port",
        str(port),
        "--db",
        str(tmp_path / "saas.sqlite3"),
    ]
    process = subprocess.Popen(command, cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                reply = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)
        assert reply.json() == {"status": "ok"}
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert (tmp_path / "saas.sqlite3").exists()
