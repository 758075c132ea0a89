"""In a real browser: an analyst requests access to a restricted product it can see but not
read, its owner approves from the inbox, a governance lead approves, and the analyst sees the
preview. Screenshots of every step go to test-artifacts/access-*.png."""

import pytest

from tests.catalog.test_browser_discovery import watch_for_problems
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_out(page):
    page.click("button:has-text('Sign out')")


def test_analyst_requests_owner_and_governance_approve_analyst_previews(browser_page, live_server, world):
    page = browser_page
    problems = watch_for_problems(page)
    product_url = f"{live_server.url}/access/products/sales/secret/"

    # The analyst sees the restricted product but not its data, and asks for it.
    browser_login(page, live_server, "analyst")
    page.goto(product_url)
    assert page.locator("#access-preview").count() == 0
    page.fill("#access-purpose", "Quarterly margin review for the board")
    page.fill("#access-note", "Read-only, aggregated in our BI tool.")
    screenshot(page, "access-1-analyst-requests")
    page.click("button:has-text('Request access')")
    page.wait_for_selector(".message--success")
    assert "Waiting for the owners" in page.locator("#access-panel").inner_text()
    screenshot(page, "access-2-request-sent")
    sign_out(page)

    # The owner sees it in the inbox (with a count in the navigation) and approves.
    browser_login(page, live_server, "owner")
    inbox_link = page.locator(".topnav a:has-text('Inbox')")
    assert inbox_link.locator(".pill").inner_text() == "2"  # the analyst's and a data scientist's
    inbox_link.click()
    card = page.locator("article.access-request", has_text="Quarterly margin review")
    assert "analyst" in card.inner_text()
    screenshot(page, "access-3-owner-inbox")
    card.locator("button:has-text('Approve')").click()
    page.wait_for_selector(".message--success")
    assert page.locator("article.access-request", has_text="Quarterly margin review").count() == 0
    sign_out(page)

    # Restricted: a governance lead approves as well.
    browser_login(page, live_server, "lead")
    page.goto(f"{live_server.url}/access/inbox/")
    card = page.locator("#gov-queue ~ article.access-request", has_text="Quarterly margin review")
    assert "Waiting for governance" in card.inner_text()
    screenshot(page, "access-4-governance-queue")
    card.locator("button:has-text('Approve')").click()
    page.wait_for_selector(".message--success")
    sign_out(page)

    # The analyst now reads the preview and how to consume the product.
    browser_login(page, live_server, "analyst")
    page.goto(product_url)
    assert "Access granted" in page.locator("#access-panel").inner_text()
    assert "s3://data-products/sales/secret/" in page.locator(".access-panel__ports").inner_text()
    page.wait_for_selector(".preview__table")
    cells = page.locator(".preview__table td").all_inner_texts()
    assert "o-1" in cells and "<script>alert(1)</script>" in cells  # shown as text, never run
    screenshot(page, "access-5-analyst-preview")

    assert problems == [], problems
