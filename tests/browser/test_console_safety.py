"""The page shows one tenant's data only, holds back writes from members, and needs a valid sign-in."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx
import pytest

from tests.browser.conftest import World, serious_accessibility_violations, shoot
from tests.conftest import console_token

pytest.importorskip("playwright")
from playwright.sync_api import Page, expect  # noqa: E402

QBO_CARD = 'article[data-provider="quickbooks_online"]'
# What the page's own API client does, run inside the page: same origin, the page's token.
FETCH_AS_PAGE = """async ([path, method]) => {
  const token = sessionStorage.getItem("fieldbooks.console.token");
  const base = location.pathname.replace(/\\/console$/, "");
  const reply = await fetch(base + path, {method, headers: {authorization: `Bearer ${token}`}});
  return [reply.status, await reply.text()];
}"""


@pytest.fixture(scope="module")
def connected_run(world: World) -> str:
    """The main tenant connected (through the same redirect flow) and its initial run finished."""
    token = world.saas.console_token(world.tenant, "u-owner", role="owner")
    with httpx.Client(base_url=world.api_url, headers={"authorization": f"Bearer {token}"}, timeout=30) as api:
        authorize_url = api.post("/connections/quickbooks_online/authorize").json()["authorize_url"]
        # The browser that asked for the link comes back with the cookie binding the flow to it.
        landed = httpx.get(authorize_url, cookies=api.cookies, follow_redirects=True, timeout=30)
        assert "status=connected" in str(landed.url)
        deadline = time.monotonic() + 120  # a 429 pauses the connection for a minute
        while time.monotonic() < deadline:
            runs = api.get("/runs").json()["items"]
            if runs and runs[0]["status"] in ("succeeded", "partial", "failed"):
                return str(runs[0]["run_id"])
            time.sleep(0.3)
    raise TimeoutError("The initial run did not finish")


@pytest.fixture
def page(open_page: Callable[..., Page]) -> Page:
    return open_page("about:blank")


def test_another_tenant_sees_none_of_the_first_tenants_data_even_asking_for_it(
    world: World, connected_run: str, page: Page
) -> None:
    page.goto(world.sign_in_url(tenant=world.other_tenant, user="u-rival"))
    expect(page.locator(f"{QBO_CARD} .card-head .badge")).to_have_text("Ready to connect")
    expect(page.locator("#log-empty")).to_be_visible()
    expect(page.locator("#history-list")).to_contain_text("No runs yet")
    assert "Acme Plumbing" not in page.locator("body").inner_text()

    # The page's own token, used the way the page uses it, cannot reach the first tenant's run
    for path in (f"/runs/{connected_run}", f"/runs/{connected_run}/plan"):
        assert page.evaluate(FETCH_AS_PAGE, [path, "GET"])[0] == 404, path
    status, body = page.evaluate(FETCH_AS_PAGE, [f"/sync-log?run_id={connected_run}", "GET"])
    assert (status, json.loads(body)["items"]) == (200, [])
    shoot(page, "safety-other-tenant-1280")


def test_a_member_sees_the_connection_but_every_write_is_held_back(
    world: World, connected_run: str, page: Page
) -> None:
    page.goto(world.sign_in_url(role="member", user="u-member"))
    card = page.locator(QBO_CARD)
    expect(card.locator(".card-head .badge")).to_have_text("Connected")
    expect(card.get_by_text("Only admins and owners can change connections.")).to_be_visible()
    expect(card.get_by_role("button", name="Disconnect: QuickBooks Online")).to_be_disabled()
    expect(page.locator("#settings-form button[type=submit]")).to_be_disabled()
    # The API, not the page, is the guard: a member's write is refused whatever the page offers
    status, _ = page.evaluate(FETCH_AS_PAGE, ["/connections/quickbooks_online", "DELETE"])
    assert status == 403
    assert serious_accessibility_violations(page) == []


def test_without_a_token_the_page_says_where_to_sign_in(world: World, page: Page) -> None:
    page.goto(world.console_url)
    expect(page.get_by_role("heading", name="Sign in from the field-service app")).to_be_visible()
    assert page.locator("#console").is_hidden()
    assert serious_accessibility_violations(page) == []


def test_a_token_fieldbooks_did_not_issue_is_refused_and_forgotten(world: World, page: Page) -> None:
    forged = console_token(world.tenant, role="owner", secret="not-the-saas-secret")
    page.goto(f"{world.console_url}#token={forged}")
    expect(page.locator("#flash")).to_contain_text("Your sign-in has ended")
    assert page.evaluate("sessionStorage.getItem('fieldbooks.console.token')") is None
    expect(page.locator(QBO_CARD)).to_have_count(0)


def test_a_blocked_pop_up_gets_the_hint_and_a_link_to_the_consent_page(world: World, page: Page) -> None:
    page.add_init_script("window.open = () => null")  # what a pop-up blocker leaves the page
    page.goto(world.sign_in_url(tenant=world.other_tenant, user="u-rival"))
    card = page.locator(QBO_CARD)
    card.get_by_role("button", name="Connect: QuickBooks Online").click()
    hint = card.get_by_role("alert")
    expect(hint).to_contain_text("Your browser blocked the QuickBooks Online sign-in window")
    link = hint.get_by_role("link", name="open the QuickBooks Online sign-in page")
    assert (link.get_attribute("href") or "").startswith(world.qbo_url)


def test_the_keyboard_reaches_the_content_first_and_escape_closes_the_bell(world: World, page: Page) -> None:
    page.goto(world.sign_in_url(tenant=world.other_tenant, user="u-rival"))
    expect(page.locator(f"{QBO_CARD} .card-head .badge")).to_have_text("Ready to connect")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the page content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    bell = page.get_by_role("button", name="Notifications")
    bell.focus()
    page.keyboard.press("Enter")
    expect(bell).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(page.locator("#bell-panel")).to_be_hidden()
    assert page.evaluate("document.activeElement.id") == "bell-button"


# Last in the file: it takes QuickBooks' tokens away from the module's connection (then gives them back).
def test_a_connection_quickbooks_stops_accepting_gets_the_banner_and_reconnects_in_the_pop_up(
    world: World, connected_run: str, page: Page
) -> None:
    page.goto(world.sign_in_url())
    card = page.locator(QBO_CARD)
    expect(card.locator(".card-head .badge")).to_have_text("Connected")
    # QuickBooks forgets every token it issued (its companies are re-seeded, empty): the next call is refused
    httpx.post(f"{world.qbo_url}/_sim/reset", json={"forget_tokens": True}, timeout=10).raise_for_status()
    card.get_by_role("button", name="Sync now: QuickBooks Online").click()

    banner = page.locator("#reconnect-banner")
    expect(banner).to_contain_text("QuickBooks Online needs a reconnect", timeout=30_000)
    expect(card.locator(".card-head .badge")).to_have_text("Needs reconnect")
    expect(page.locator("#bell-count")).to_be_visible()
    shoot(page, "safety-needs-reconnect-1280")
    assert serious_accessibility_violations(page) == []

    with page.expect_popup() as opened:
        card.get_by_role("button", name="Reconnect: QuickBooks Online").click()
    opened.value.wait_for_event("close", timeout=30_000)
    expect(card.locator(".card-head .badge")).to_have_text("Connected")
    expect(banner).to_be_hidden()
