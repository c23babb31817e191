"""The demo's second half: what a bookkeeper does in QuickBooks flows back into the SaaS.

The simulator's webhooks are pointed at the local gateway's `POST /webhooks/quickbooks_online`
(signed with the dev verifier token the local runtime puts into SSM), then, in QuickBooks: a
customer edit (webhook → pull worker → the SaaS), one customer edited on both sides (the conflict
policy decides), a payment recorded and voided, an invoice voided and one deleted. It prints the
sync log of what came from accounting, the pending actions and the balance report.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx

from local.demo_company import DUE, ISSUED, SeededCompany
from local.runtime.resources import DEV_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN
from local.runtime.stack import RunningStack
from local.saas.client import SaasAppClient
from local.simulators.quickbooks_online import AdminClient, SimulatorHandle

WEBHOOK_PATH = "/webhooks/quickbooks_online"
WAIT_SECONDS = 60.0


def point_webhooks_at_the_gateway(local: RunningStack, admin: AdminClient, aggregation_delay: float = 0.0) -> str:
    """Intuit's developer portal setting, in the simulator: where change notifications go and how they are signed."""
    url = f"{local.api_url}{WEBHOOK_PATH}"
    admin.configure_webhooks(
        url=url, verifier_token=DEV_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN, aggregation_delay=aggregation_delay
    )
    return url


def wait_until(condition: Callable[[], Any], what: str, timeout: float = WAIT_SECONDS) -> Any:
    """Polls until `condition()` is truthy: the SaaS changes when the pull worker has run, not before."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.05)
    raise TimeoutError(f"Not in time: {what}")


def remote_record(admin: AdminClient, realm: str, entity: str, match: Callable[[dict[str, Any]], bool]) -> dict:
    """The live record that matches (the admin listing also holds deleted ones' tombstones)."""
    live = (r for r in admin.data(realm, entity).get(entity, []) if r.get("status") != "Deleted")
    return next((r for r in live if match(r)), {})


def run_pulls(
    api: httpx.Client,
    local: RunningStack,
    app: SaasAppClient,
    qbo: SimulatorHandle,
    company: SeededCompany,
    tenant: str,
    realm: str,
) -> None:
    admin = qbo.admin
    url = point_webhooks_at_the_gateway(local, admin)
    print(f"\nQuickBooks webhooks now go to {url} (aggregation delay 0 s)")

    print("\nA bookkeeper works in QuickBooks ...")
    customer_edits(api, local, app, admin, company, tenant, realm)
    payment_and_void(admin, app, local, realm, tenant, company)
    voided, deleted, deleted_number = void_and_delete(admin, app, local, realm, tenant, company)
    pending = wait_until(lambda: _pending_for(api, {voided, deleted}), "the void and the deletion as pending actions")
    local.wait_until_idle(timeout=WAIT_SECONDS)
    print_pulled_log(api)
    print_pending_actions(pending)
    print_balance_report(api)  # the voided and the deleted invoice still count in the SaaS until approved

    approve_and_compare_again(api, local, admin, realm, deleted_number)


def customer_edits(
    api: httpx.Client,
    local: RunningStack,
    app: SaasAppClient,
    admin: AdminClient,
    company: SeededCompany,
    tenant: str,
    realm: str,
) -> None:
    """One edit only QuickBooks made (it flows across), and one field edited on both sides (the policy)."""
    carlos = company.contacts["carlos"]
    remote_carlos = remote_record(admin, realm, "Customer", lambda c: c["DisplayName"] == "Carlos Diaz")
    admin.edit_as_user(realm, "Customer", remote_carlos["Id"], PrimaryPhone={"FreeFormNumber": "217-555-0199"})
    print("  edited Carlos Diaz's phone in QuickBooks: 217-555-0199")
    wait_until(lambda: app.get_contact(tenant, carlos.id).phone == "217-555-0199", "the phone edit reaching the SaaS")
    print("  the SaaS has Carlos Diaz's new phone 217-555-0199 (webhook → pull worker → platform API)")

    dana = company.contacts["dana"]
    remote_dana = remote_record(admin, realm, "Customer", lambda c: c["DisplayName"] == "Dana's Diner")
    # Both edits land before either side hears of the other: the policy (most recent wins) decides.
    admin.edit_as_user(realm, "Customer", remote_dana["Id"], Notes="Back door after 6 pm")
    app.update_contact(tenant, dana.id, notes="Closed on Mondays")
    print("  Dana's Diner's notes edited on both sides: QuickBooks 'Back door after 6 pm', the app 'Closed on Mondays'")
    settled = wait_until(lambda: _both_sides_equal(admin, app, realm, tenant, dana.id, remote_dana["Id"]), "Dana")
    print(f"  both sides now hold Dana's Diner's notes '{settled}'")
    local.wait_until_idle(timeout=WAIT_SECONDS)
    for row in api.get("/sync-log", params={"limit": 20}).json()["items"]:
        if "both sides" in row["detail"]:
            print(f"  sync log ({row['direction']}): {row['detail']} {row.get('values') or ''}".rstrip())
            break


def approve_and_compare_again(
    api: httpx.Client, local: RunningStack, admin: AdminClient, realm: str, deleted_number: str
) -> None:
    print("\nThe bookkeeper approves them: void it here too, re-import the deleted one ...")
    approved = _ok(api.post("/pending-actions/approve-all"))
    for result in approved["results"]:
        print(f"  {result['entity']} {result['saas_id']}: {result['outcome']} {result.get('message') or ''}".rstrip())
    local.wait_until_idle(timeout=WAIT_SECONDS)
    # The admin listing keeps the deleted one as a tombstone ("status": "Deleted"), as CDC does.
    same = [i for i in admin.data(realm, "Invoice").get("Invoice", []) if i.get("DocNumber") == deleted_number]
    live = [i for i in same if i.get("status") != "Deleted"]
    print(f"  QuickBooks holds invoice {deleted_number} {len(live)} time(s) again (and the deleted one's tombstone)")
    print_balance_report(api)


def payment_and_void(
    admin: AdminClient, app: SaasAppClient, local: RunningStack, realm: str, tenant: str, company: SeededCompany
) -> None:
    invoice = company.invoices["dental"]
    remote = remote_record(admin, realm, "Invoice", lambda i: i.get("DocNumber") == invoice.number)
    payment = admin.create_as_user(
        realm,
        "Payment",
        CustomerRef=remote["CustomerRef"],
        TotalAmt="200.00",
        Line=[{"Amount": "200.00", "LinkedTxn": [{"TxnId": remote["Id"], "TxnType": "Invoice"}]}],
    )
    print(f"  recorded a cheque of 200.00 against {invoice.number} in QuickBooks")
    expected = invoice.total - Decimal("200.00")
    wait_until(lambda: app.get_invoice(tenant, invoice.id).balance_due == expected, "the payment reaching the SaaS")
    print(f"  the SaaS has {invoice.number} with 200.00 paid: balance {expected}, as in QuickBooks")
    local.wait_until_idle(timeout=WAIT_SECONDS)
    admin.void_as_user(realm, "Payment", payment["Id"])
    print("  voided that payment in QuickBooks (the cheque bounced)")
    wait_until(lambda: app.get_invoice(tenant, invoice.id).balance_due == invoice.total, "the payment's reversal")
    print(f"  the SaaS reversed it: {invoice.number} balance {invoice.total} again")


def void_and_delete(
    admin: AdminClient, app: SaasAppClient, local: RunningStack, realm: str, tenant: str, company: SeededCompany
) -> tuple[str, str, str]:
    """Two new invoices reach QuickBooks; the bookkeeper voids one there and deletes the other."""
    carlos, labour = company.contacts["carlos"], company.items["labour"]
    made = []
    for description in ("Sent in error", "Duplicate of a paper invoice"):
        line = {"item_id": labour.id, "description": description, "quantity": "1", "unit_price": "95.00"}
        draft = app.create_invoice(tenant, contact_id=carlos.id, issue_date=ISSUED, due_date=DUE, lines=[line])
        made.append(app.finalize_invoice(tenant, draft.id))

    def in_quickbooks(number: str) -> dict[str, Any]:
        return remote_record(admin, realm, "Invoice", lambda i: i.get("DocNumber") == number)

    remotes = [
        wait_until(lambda n=invoice.number: in_quickbooks(n), f"{invoice.number} reaching QuickBooks")
        for invoice in made
    ]
    local.wait_until_idle(timeout=WAIT_SECONDS)
    (to_void, to_delete), (void_remote, delete_remote) = made, remotes
    admin.void_as_user(realm, "Invoice", void_remote["Id"])
    print(f"  voided invoice {to_void.number} in QuickBooks")
    admin.delete_as_user(realm, "Invoice", delete_remote["Id"])
    print(f"  deleted invoice {to_delete.number} in QuickBooks")
    return to_void.id, to_delete.id, to_delete.number


def print_pulled_log(api: httpx.Client) -> None:
    rows = api.get("/sync-log", params={"direction": "from_accounting", "limit": 50}).json()["items"]
    print(f"\nSync log from QuickBooks ({len(rows)} rows, newest first):")
    for row in rows:
        print(f"  {row['status']:9} {row['entity']:12} {row['action']:8} {row['detail']}")


def print_pending_actions(items: list[dict[str, Any]]) -> None:
    print(f"\nGET /pending-actions -> {len(items)} waiting for a person:")
    for item in items:
        print(f"  [{item['action']}] {item['summary']}")


def print_balance_report(api: httpx.Client) -> None:
    report = api.get("/reports/balances").json()
    totals = report["totals"]
    print(
        f"\nGET /reports/balances -> {totals['customers']} customers, {totals['with_differences']} with differences;"
        f" SaaS {totals['saas_balance']}, {report['provider_name']} {totals['accounting_balance']}"
    )
    for row in report["rows"]:
        print(f"  {row['name']:28} SaaS {row['saas_balance']:>9}  QuickBooks {row['accounting_balance']:>9}")


def _ok(reply: httpx.Response) -> Any:
    if reply.is_error:
        raise RuntimeError(f"{reply.request.method} {reply.request.url.path} -> {reply.status_code} {reply.text}")
    return reply.json()


def _both_sides_equal(
    admin: AdminClient, app: SaasAppClient, realm: str, tenant: str, contact_id: str, remote_id: str
) -> str | None:
    """The notes once the SaaS and QuickBooks agree again (after the merge and its write-back)."""
    saas_notes = app.get_contact(tenant, contact_id).notes
    remote = remote_record(admin, realm, "Customer", lambda c: c["Id"] == remote_id)
    return saas_notes if saas_notes and saas_notes == remote.get("Notes") else None


def _pending_for(api: httpx.Client, saas_ids: set[str]) -> list[dict[str, Any]]:
    items = api.get("/pending-actions").json()["items"]
    return items if saas_ids <= {item["saas_id"] for item in items} else []
