"""A bookkeeper runs the whole Integrations flow in a real browser against the local stack.

Connect through the OAuth pop-up, watch the initial sync, resolve a conflict, switch settings on,
approve a pending action, approve a plan and watch its progress bar reach the end, filter the log and
download it as CSV, unlink and relink a record, disconnect; with screenshots at 1280 and 390 px
and axe-core after each screen that matters.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from local.demo import REALM
from local.demo_company import WALK_IN, add_walk_in_customer
from local.simulators.quickbooks_online import AdminClient
from tests.browser.conftest import DESKTOP, PHONE, World, serious_accessibility_violations, shoot

pytest.importorskip("playwright")
from playwright.sync_api import Page, expect  # noqa: E402

QBO_CARD = 'article[data-provider="quickbooks_online"]'
FINISHED = re.compile("Succeeded|Finished with failures")
# A run normally ends in seconds. If a burst goes over the simulator's 10 requests a second, its 429
# pauses the connection for a minute (Intuit's advice), as with QuickBooks: seen once on a loaded machine.
RUN_SECONDS = 120
MARKUP_NAME = '<img src=x onerror="window.pwned=1"> Evil & Co'


def check_both_widths(page: Page, name: str) -> None:
    for label, viewport in (("1280", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(viewport)
        shoot(page, f"{name}-{label}")
        assert serious_accessibility_violations(page) == [], f"{name} at {label} px"
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways at {label} px"
    page.set_viewport_size(DESKTOP)


def progress_at_the_end(page: Page) -> bool:
    return page.eval_on_selector_all(
        f"{QBO_CARD} progress", "bars => bars.length > 0 && bars.every(bar => bar.value === bar.max)"
    )


def test_a_bookkeeper_connects_syncs_and_settles_everything_from_the_page(
    world: World, open_page: Callable[..., Page]
) -> None:
    # Given a name that is markup, which must be shown as text and never run
    world.saas.create_contact(world.tenant, kind="company", company_name=MARKUP_NAME)
    page = open_page(world.sign_in_url())
    card = page.locator(QBO_CARD)

    # The token was handed over once and is gone from the address bar
    expect(page).to_have_url(world.console_url)
    status = card.locator(".card-head .badge")
    expect(status).to_have_text("Ready to connect")
    check_both_widths(page, "01-signed-in")

    # Connect through the pop-up: consent, callback, back to the page, which closes the pop-up
    with page.expect_popup() as opened:
        card.get_by_role("button", name="Connect: QuickBooks Online").click()
    opened.value.wait_for_event("close", timeout=30_000)
    expect(status).to_have_text("Connected")
    expect(card.get_by_text("Acme Plumbing & Heating LLC")).to_be_visible()
    expect(page.locator("#flash")).to_contain_text("Connected to Acme Plumbing & Heating LLC")

    # The initial sync runs by itself to the end
    expect(card.locator(".run")).to_contain_text(FINISHED, timeout=RUN_SECONDS * 1000)
    assert progress_at_the_end(page), card.inner_text()
    expect(page.locator("#log-table")).to_contain_text(MARKUP_NAME)
    check_both_widths(page, "02-connected")

    # A bookkeeper adds a customer in QuickBooks after the initial sync (no webhook is set up, so the
    # SaaS does not hear of it); the same name in the SaaS is a resolvable conflict, which links them
    quickbooks = AdminClient(world.qbo_url)
    add_walk_in_customer(quickbooks, REALM)
    quickbooks.close()
    world.saas.create_contact(world.tenant, kind="company", company_name=WALK_IN)
    resolvable = page.locator("#resolvable-list")
    expect(resolvable).to_contain_text("Walk-in Customer", timeout=30_000)
    expect(page.locator("#unresolvable-list")).to_contain_text("Chris Park")
    check_both_widths(page, "03-conflicts")
    resolvable.get_by_role("button", name="Resolve automatically: Walk-in Customer").click()
    expect(page.locator("#flash")).to_contain_text("Resolved: Walk-in Customer")
    expect(resolvable).not_to_contain_text("Walk-in Customer")

    # Settings: preview mode and plan approval on
    settings = page.locator("#settings-form")
    settings.get_by_label("Preview mode").check()
    settings.get_by_label("approve each run's plan").check()
    # The defaults choose from the lists the initial run brought over from QuickBooks
    expect(settings.get_by_label("Income account")).to_contain_text("Sales of Product Income")
    settings.get_by_label("Income account").select_option(label="Services")
    settings.get_by_label("Tax code").select_option(value="TAX")
    settings.get_by_role("button", name="Save settings").click()
    expect(page.locator("#flash")).to_have_text("Settings saved.")
    expect(settings.get_by_label("Preview mode")).to_be_checked()
    expect(settings.get_by_label("Income account").locator("option:checked")).to_have_text("Services")

    # Preview mode holds a new customer until it is approved
    world.saas.create_contact(world.tenant, kind="individual", first_name="Priya", last_name="Shah")
    pending = page.locator("#pending-list")
    expect(pending).to_contain_text("Priya Shah", timeout=30_000)
    check_both_widths(page, "04-pending")
    pending.get_by_role("button", name=re.compile("Approve: .*Priya Shah")).click()
    expect(page.locator("#flash")).to_contain_text("Approved")
    expect(pending).not_to_contain_text("Priya Shah")

    # Sync now waits for its plan; cancelling it stops the run and writes nothing
    card.get_by_role("button", name="Sync now: QuickBooks Online").click()
    dialog = page.locator("#plan-dialog")
    expect(dialog).to_be_visible(timeout=30_000)
    dialog.get_by_role("button", name="Cancel this run").click()
    expect(dialog).to_be_hidden()
    expect(card.locator(".run")).to_contain_text("Stopped")

    # The next Sync now: the dialog shows the counts and the records; Proceed applies it
    card.get_by_role("button", name="Sync now: QuickBooks Online").click()
    expect(dialog).to_be_visible(timeout=30_000)
    expect(dialog.locator("#plan-counts")).to_contain_text("Contacts")
    dialog.get_by_text("Show the records").click()
    expect(dialog.locator("#plan-items li").first).to_be_visible()
    check_both_widths(page, "05-plan")
    dialog.get_by_role("button", name="Proceed").click()
    expect(dialog).to_be_hidden()
    expect(card.locator(".run")).to_contain_text("Sync now")
    expect(card.locator(".run")).to_contain_text(FINISHED, timeout=RUN_SECONDS * 1000)
    assert progress_at_the_end(page), card.inner_text()
    expect(page.locator("#bell-count")).to_be_visible()

    # The sync log filters on the server and downloads the same filter as CSV
    log = page.locator("#log-filters")
    log.get_by_label("Status").select_option("matched")
    log.get_by_role("button", name="Apply filters").click()
    statuses = page.locator("#log-table tbody tr td:nth-child(4)")
    expect(statuses.first).to_have_text("Matched")
    assert set(statuses.all_inner_texts()) == {"Matched"}
    with page.expect_download() as downloaded:
        log.get_by_role("button", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(downloaded.value.path()).read_text(encoding="utf-8"))))
    assert rows and {row["status"] for row in rows} == {"matched"}

    # The history opens onto a run's failed items
    latest = page.locator("#history-list details").first
    latest.locator("summary").click()
    expect(latest.locator(".failures")).to_contain_text(re.compile("Failed items|No failed items"))
    check_both_widths(page, "06-log-and-history")

    # Unlink a customer, then relink it to the same QuickBooks customer
    links = page.locator("#links-table")
    page.locator("#links-filters").get_by_label("Record type").select_option("contact")
    dana = world.contacts["dana"]
    row = links.locator("tr", has_text=dana)
    expect(row).to_contain_text("Linked")
    remote_id = row.locator("td").nth(2).inner_text().split()[-1]
    row.get_by_role("button", name=f"Unlink Customer {dana}").click()
    expect(row).to_contain_text("Unlinked")
    row.get_by_role("button", name=f"Relink Customer {dana}").click()
    row.get_by_label(f"Accounting record id for Customer {dana}").fill(remote_id)
    row.get_by_role("button", name="Link to this record").click()
    expect(page.locator("#flash")).to_contain_text(f"linked to accounting record {remote_id}")
    expect(row.locator("td").nth(1)).to_have_text("Linked")

    # Open balances on both sides, read on request, with totals; the same report downloads as CSV
    page.get_by_role("button", name="Compare balances").click()
    expect(page.locator("#balances-summary")).to_contain_text("customers differ")
    balances = page.locator("#balances-table")
    expect(balances.locator("tbody tr").first).to_be_visible()
    expect(balances.locator("tfoot")).to_contain_text("Total")
    with page.expect_download() as downloaded:
        page.locator("#balances-csv").click()
    report = list(csv.reader(io.StringIO(Path(downloaded.value.path()).read_text(encoding="utf-8"))))
    assert report[0][:2] == ["customer", "saas_id"] and report[-1][0] == "Total"
    assert len(report) - 2 == balances.locator("tbody tr").count()
    check_both_widths(page, "07-balances")

    # Disconnect asks first; Escape keeps the connection, the confirm button ends it
    card.get_by_role("button", name="Disconnect: QuickBooks Online").click()
    confirm = page.locator("#confirm-dialog")
    expect(confirm).to_contain_text("Nothing is deleted")
    page.keyboard.press("Escape")
    expect(confirm).to_be_hidden()
    expect(status).to_have_text("Connected")
    card.get_by_role("button", name="Disconnect: QuickBooks Online").click()
    confirm.get_by_role("button", name="Disconnect").click()
    expect(status).to_have_text("Disconnected")
    check_both_widths(page, "08-disconnected")

    assert page.evaluate("window.pwned") is None
    assert page.evaluate("window.cspViolations || []") == []
