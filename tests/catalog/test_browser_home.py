"""In a real browser: the demo analyst signs in and sees the example organization's catalog."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from catalog.demo import DEMO_PASSWORD, demo_users_create
from tests.conftest import browser_login, screenshot

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_analyst_signs_in_and_sees_the_products_grouped_by_domain(browser_page, live_server, settings):
    settings.DEBUG = True  # demo users are refused otherwise
    call_command("load_policies", str(ROOT / "examples" / "governance_policy.yaml"), stdout=StringIO())
    call_command(
        "import_contracts", str(ROOT / "examples" / "contracts"), stdout=StringIO(), stderr=StringIO()
    )
    demo_users_create()
    page = browser_page
    browser_login(page, live_server, "analyst", DEMO_PASSWORD)
    assert page.locator("h1").first.inner_text() == "Data products"
    domains = page.locator(".domain-group__title").all_inner_texts()
    assert [d.split()[0].lower() for d in domains] == ["finance", "marketing", "product", "sales"]
    cards = page.locator(".product-card")
    names = set(page.locator(".product-card__name").all_inner_texts())
    # Public, published products; not the restricted receivables nor the draft kept by the gate.
    assert cards.count() == 10
    assert "sales_orders_analytical" in names and "accounts_receivable" not in names
    assert "lead_attribution" not in names
    screenshot(page, "home-analyst")
