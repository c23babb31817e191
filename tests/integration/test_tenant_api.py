"""The tenant console API through its real handler, on moto, with tokens signed as the SaaS signs them."""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from urllib.parse import urlencode

import pytest

from fieldbooks.domain.models import Direction, Provider, RunKind, RunStatus, SyncStatus
from fieldbooks.store.runs import RunStore
from fieldbooks.store.sync_log import SyncLogStore
from tests.conftest import console_token


@pytest.fixture
def api(aws, handler, context, load_event):  # noqa: ANN001, ANN201 - fixtures
    tenant_api = handler("TenantApiFunction")

    def call(path: str, *, token: str | None = None, query: dict[str, str] | None = None) -> tuple[int, Any]:
        headers = {"host": "api.fieldbooks.example"}
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        event = load_event(
            "tenant_api/get_sync_log.json",
            rawPath=path,
            routeKey=f"GET {path}",
            rawQueryString=urlencode(query or {}),
            queryStringParameters=query or None,
            headers=headers,
            requestContext__http__path=path,
        )
        reply = tenant_api(event, context)
        body = reply["body"]
        is_json = reply["headers"].get("Content-Type", "").startswith("application/json")
        return reply["statusCode"], json.loads(body) if is_json else (body, reply["headers"])

    return call


def log(tenant_id: str, detail: str, **fields: Any) -> None:
    values = {
        "entity": "customer",
        "direction": Direction.TO_ACCOUNTING,
        "status": SyncStatus.SYNCED,
        "action": "create",
        "provider": Provider.QUICKBOOKS_ONLINE,
    } | fields
    SyncLogStore().write(tenant_id, detail=detail, **values)


def test_sync_log_lists_the_callers_rows_newest_first_with_filters_and_paging(api) -> None:  # noqa: ANN001
    for i in range(5):
        log("t-acme", f"Customer {i} created in QuickBooks", saas_id=f"con_{i}")
    log("t-acme", "Invoice total mismatch", entity="invoice", status=SyncStatus.ERROR, saas_id="inv_1")
    log("t-other", "Someone else's customer")

    status, first = api("/sync-log", token=console_token("t-acme", role="member"), query={"limit": "4"})
    assert status == 200
    assert [row["detail"] for row in first["items"]] == [
        "Invoice total mismatch",
        "Customer 4 created in QuickBooks",
        "Customer 3 created in QuickBooks",
        "Customer 2 created in QuickBooks",
    ]
    status, second = api(
        "/sync-log", token=console_token("t-acme"), query={"limit": "4", "cursor": first["next_cursor"]}
    )
    assert [row["detail"] for row in second["items"]] == [
        "Customer 1 created in QuickBooks",
        "Customer 0 created in QuickBooks",
    ]

    _, errors = api("/sync-log", token=console_token("t-acme"), query={"status": "error"})
    assert [(r["entity"], r["saas_id"]) for r in errors["items"]] == [("invoice", "inv_1")]
    _, by_record = api("/sync-log", token=console_token("t-acme"), query={"record_id": "con_3"})
    assert [r["detail"] for r in by_record["items"]] == ["Customer 3 created in QuickBooks"]


def test_sync_log_never_shows_another_tenants_rows_even_with_their_cursor(api) -> None:  # noqa: ANN001
    for i in range(3):
        log("t-other", f"Other {i}")
    _, theirs = api("/sync-log", token=console_token("t-other"), query={"limit": "1"})

    status, mine = api("/sync-log", token=console_token("t-acme"))
    assert (status, mine["items"]) == (200, [])
    status, body = api("/sync-log", token=console_token("t-acme"), query={"cursor": theirs["next_cursor"]})
    assert status == 400
    assert body["message"] == "This page link is no longer valid; start again from the first page."


@pytest.mark.parametrize(
    ("token_claims", "message"),
    [
        (None, "Sign in again: the request carries no bearer token."),
        ("not-a-jwt", "The sign-in token is not valid."),
        ({"secret": "someone-elses-secret"}, "The sign-in token is not valid."),
        ({"exp": 1}, "Your session has expired; sign in again."),
        ({"aud": "another-app"}, "The sign-in token is not valid."),
    ],
)
def test_requests_without_a_valid_token_get_401_and_nothing_else(api, token_claims, message) -> None:  # noqa: ANN001
    # Signed when the test runs, not when it is collected: a long suite outlives a token's ten minutes.
    token = console_token("t-acme", **token_claims) if isinstance(token_claims, dict) else token_claims
    log("t-acme", "secret detail")
    status, body = api("/sync-log", token=token, query={"limit": "not-a-number"})
    assert (status, body) == (401, {"message": message})


def test_bad_query_parameters_get_a_clear_400(api) -> None:  # noqa: ANN001
    status, body = api("/sync-log", token=console_token("t-acme"), query={"status": "exploded", "limit": "0"})
    assert status == 400
    assert body["message"].startswith("The request is not valid: ")
    assert any("status" in problem for problem in body["errors"])
    assert any("limit" in problem for problem in body["errors"])


def test_sync_log_exports_as_csv_with_formula_cells_defused(api) -> None:  # noqa: ANN001
    log("t-acme", '=HYPERLINK("http://evil")', status=SyncStatus.ERROR)
    log("t-acme", "Customer Jane Doe created in QuickBooks", saas_id="con_1", remote_id="58")

    status, (body, headers) = api("/sync-log/export", token=console_token("t-acme"))
    assert status == 200
    assert headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["detail"] for r in rows] == ["Customer Jane Doe created in QuickBooks", '\'=HYPERLINK("http://evil")']
    assert rows[0]["provider"] == "QuickBooks Online"
    assert (rows[0]["saas_id"], rows[0]["remote_id"]) == ("con_1", "58")


def test_runs_show_per_category_progress_to_their_tenant_only(api) -> None:  # noqa: ANN001
    runs = RunStore()
    run = runs.create("t-acme", Provider.QUICKBOOKS_ONLINE, RunKind.INITIAL)
    runs.set_status("t-acme", run.run_id, RunStatus.RUNNING)
    runs.set_total("t-acme", run.run_id, "invoices", 1100)
    for _ in range(3):
        runs.count("t-acme", run.run_id, "invoices")
    runs.count("t-acme", run.run_id, "invoices", failed=True)

    status, body = api(f"/runs/{run.run_id}", token=console_token("t-acme", role="member"))
    assert status == 200
    assert body["status"] == "running"
    assert body["progress"] == {"invoices": {"done": 3, "total": 1100, "failed": 1, "queued": 0}}

    _, listing = api("/runs", token=console_token("t-acme"))
    assert [r["run_id"] for r in listing["items"]] == [run.run_id]

    status, body = api(f"/runs/{run.run_id}", token=console_token("t-other"))
    assert (status, body) == (404, {"message": f"There is no run {run.run_id}."})


def test_connections_lists_only_the_callers_connections(api) -> None:  # noqa: ANN001
    status, body = api("/connections", token=console_token("t-acme"))
    assert (status, body) == (200, {"items": []})


def test_unknown_route_is_a_json_404(api) -> None:  # noqa: ANN001
    status, body = api("/nope", token=console_token("t-acme"))
    assert (status, body) == (404, {"message": "Not Found"})
