"""In a real browser: the owner of a platform product downloads its scaffold from the product page."""

import pytest

from catalog.platform.services import platform_product_register
from tests.catalog.test_platform_scaffold import check_dbt_project, spec, unzip
from tests.conftest import browser_login, screenshot
from tests.factories import make_user


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_owner_downloads_the_dbt_project_and_dag_from_the_product_page(browser_page, live_server, tmp_path):
    owner = make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics")
    platform_product_register(data=spec(), user=owner)
    page = browser_page
    browser_login(page, live_server, "owner")
    page.goto(f"{live_server.url}/products/sales/orders_daily/")
    link = page.locator('a[data-download="scaffold"]')
    assert link.is_visible()
    screenshot(page, "platform-product")

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "sales_orders_daily-scaffold.zip"
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    _infos, files = unzip(path.read_bytes())
    assert "sales_orders_daily/dags/sales_orders_daily.py" in files
    assert check_dbt_project(files, "sales_orders_daily") == []
