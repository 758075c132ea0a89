"""In a real browser: an analyst searches as they type, narrows by a facet, opens a product,
switches tabs without reloading the page, and downloads the contract. Screenshots of the
search page and of each tab go to test-artifacts/."""

import re

import pytest

from tests.conftest import browser_login, screenshot
from tests.factories import make_user, publish, publish_ok

README = """# Orders

One row per order placed in the web shop, **deduplicated** by `order_id`.

| Column | Meaning |
|---|---|
| order_id | The shop's order number |
| total_amount | Gross amount in EUR |

See the [shop documentation](https://docs.example/shop).

<script>alert("xss")</script>
"""


def shot(page, name):
    screenshot(page, name)
    # Playwright's full-page screenshot leaves `style=""` on some elements; htmx's history cache
    # would replay it and the CSP would (rightly) report an inline style that the app never sent.
    page.evaluate("document.querySelectorAll('[style]').forEach((e) => e.removeAttribute('style'))")


def watch_for_problems(page) -> list[str]:
    """Console errors (CSP violations included), page errors, and failed requests."""
    problems = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    # The favicon is base.html's business; every other 4xx/5xx is a problem.
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    return problems


@pytest.fixture
def catalog():
    make_user("analyst", role="analyst", home_domain="marketing")
    assert publish(readme=README, tags=["orders", "core"]).published
    publish_ok(name="order_items", description="Line items of every order.", tags=["orders"])
    publish_ok(
        name="returns",
        description="Orders sent back and refunded.",
        tags=["orders"],
        **{
            "schema.fields": [
                {"name": "return_id", "type": "string", "description": "Return", "is_primary_key": True}
            ]
        },
    )
    publish_ok(
        name="campaign_orders",
        domain="marketing",
        owner={"team": "marketing-analytics"},
        tags=["ads"],
        description="Orders attributed to a marketing campaign.",
        classification="public",
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_analyst_searches_filters_opens_a_product_switches_tabs_and_downloads_the_contract(
    browser_page, live_server, catalog
):
    page = browser_page
    problems = watch_for_problems(page)
    browser_login(page, live_server, "analyst")

    # Search as you type: results update in place and the URL follows.
    page.goto(f"{live_server.url}/search/")
    page.evaluate("window.__samePage = true")
    page.locator("#q").press_sequentially("order", delay=40)
    page.wait_for_url(re.compile(r"/search/\?q=order$"))
    page.wait_for_selector("#results-heading:has-text('for “order”')")
    assert page.locator(".result").count() == 4
    assert page.evaluate("window.__samePage") is True
    shot(page, "discovery-search")

    # A facet narrows the results, keeps the text, and is in the URL.
    page.click('a.facet__value[data-facet="domain"][data-value="sales"]')
    page.wait_for_url(re.compile(r"/search/\?q=order&domain=sales$"))
    page.wait_for_selector('a.facet__value.is-selected[data-value="sales"]')
    names = page.locator(".result__name a").all_inner_texts()
    assert names[0] == "orders" and "campaign_orders" not in names and len(names) == 3
    assert page.evaluate("window.__samePage") is True
    shot(page, "discovery-search-facet")

    # The page is bookmarkable: loading the URL afresh shows the same thing.
    page.goto(page.url)
    assert page.locator(".result__name a").all_inner_texts() == names

    # Open the product; switch tabs without a full reload; each tab has its own URL.
    page.click('.result__name a[href="/products/sales/orders/"]')
    page.wait_for_url(f"{live_server.url}/products/sales/orders/")
    assert "deduplicated" in page.locator(".markdown").inner_text()
    assert page.locator(".markdown script").count() == 0
    shot(page, "discovery-product-readme")
    page.evaluate("window.__samePage = true")
    for tab, needle in [
        ("schema", "total_amount"),
        ("sla", "not measured yet"),
        ("changelog", "v1.0.0"),
        ("contract", "name: orders"),
    ]:
        page.click(f'a.tabs__tab[data-tab="{tab}"]')
        page.wait_for_url(f"{live_server.url}/products/sales/orders/{tab}/")
        page.wait_for_selector(f'a.tabs__tab.is-active[data-tab="{tab}"]')
        assert needle in page.locator(".tab-panel").inner_text()
        assert page.evaluate("window.__samePage") is True, f"{tab} reloaded the page"
        shot(page, f"discovery-product-{tab}")

    # Back goes to the previous tab.
    page.go_back()
    page.wait_for_url(f"{live_server.url}/products/sales/orders/changelog/")
    page.wait_for_selector('a.tabs__tab.is-active[data-tab="changelog"]')
    page.go_forward()
    page.wait_for_selector('a.tabs__tab.is-active[data-tab="contract"]')

    # Download the contract.
    with page.expect_download() as info:
        page.click('[data-download="contract"]')
    download = info.value
    assert download.suggested_filename == "sales-orders-1.0.0.yaml"
    with open(download.path(), encoding="utf-8") as handle:
        text = handle.read()
    assert text.startswith("name: orders") and "version: 1.0.0" in text

    assert problems == [], problems  # no CSP violation, no script error


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_search_page_and_a_product_are_usable_on_a_phone(browser_page, live_server, catalog):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, live_server, "analyst")

    page.goto(f"{live_server.url}/search/?q=order")
    # Facets start folded on a phone, so the results are close to the top.
    assert page.locator("details.facet[open]").count() == 0
    first = page.locator(".result").first.bounding_box()
    assert first["y"] < 900
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "discovery-search-phone")

    page.goto(f"{live_server.url}/products/sales/orders/schema/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "discovery-product-schema-phone")
