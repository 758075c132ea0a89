"""In a real browser: an owner uploads a contract with an error and sees the line it points at."""

import pytest

from tests.conftest import browser_login, screenshot
from tests.factories import contract_text, make_user, publish


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_owner_uploads_a_contract_with_an_error_and_sees_its_line(browser_page, live_server):
    make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics")
    publish()
    page = browser_page
    browser_login(page, live_server, "owner")
    page.goto(f"{live_server.url}/products/sales/orders/publish/")
    text = contract_text(version="1.1.0").replace("retention_days: 1095", "retention_days: soon")
    line = text.splitlines().index("retention_days: soon") + 1
    page.fill("#id_contract", text)
    page.click("#publish-submit")
    page.wait_for_selector("#publish-result")
    link = page.locator(f'a[href="#L{line}"]')
    assert link.is_visible()
    assert "retention_days" in page.locator(".problem-list").inner_text()
    link.click()
    marked = page.locator(f"#L{line}")
    assert "code-line--error" in marked.get_attribute("class")
    assert "retention_days: soon" in marked.inner_text()
    screenshot(page, "publish-error")
