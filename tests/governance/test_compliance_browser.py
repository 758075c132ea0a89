"""In a real browser: the governance lead reads the compliance dashboard of the example
organization; the numbers on the page are the API's; a heat-map cell drills down to its
products; the product page shows the product's own score."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.demo import DEMO_PASSWORD, demo_users_create
from catalog.models import DataProduct
from governance.compliance.services import compliance_report_run, waiver_create
from tests.conftest import browser_login, screenshot

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_governance_lead_reads_the_dashboard_and_its_numbers_are_the_apis(
    browser_page, live_server, settings
):
    settings.DEBUG = True  # demo users are refused otherwise
    call_command("load_policies", str(ROOT / "examples" / "governance_policy.yaml"), stdout=StringIO())
    call_command(
        "import_contracts", str(ROOT / "examples" / "contracts"), stdout=StringIO(), stderr=StringIO()
    )
    demo_users_create()
    from django.contrib.auth import get_user_model

    lead = get_user_model().objects.get(username="governance")
    DataProduct.objects.filter(domain__name="sales").update(
        freshness_status="fresh", quality_health="passing"
    )
    DataProduct.objects.filter(name="revenue_metrics").update(
        freshness_status="late", quality_health="warning"
    )
    DataProduct.objects.filter(domain__name="finance").update(
        freshness_status="fresh", quality_health="failing"
    )
    compliance_report_run(now=timezone.now() - dt.timedelta(days=2))
    waiver_create(
        product=DataProduct.objects.get(name="sales_orders_analytical"),
        policy="schema_validation",
        reason="The primary key lands with the Q1 migration of the order store.",
        expires_on=timezone.localdate() + dt.timedelta(days=30),
        created_by=lead,
    )
    compliance_report_run(now=timezone.now() - dt.timedelta(days=1))
    compliance_report_run()

    page = browser_page
    browser_login(page, live_server, "governance", DEMO_PASSWORD)
    page.click("nav[aria-label=Main] >> text=Compliance")
    assert page.locator("h1").first.inner_text() == "Compliance"
    shown = {
        el.get_attribute("data-figure"): el.locator(".figure__value").inner_text()
        for el in page.locator("a.figure").all()
    }
    screenshot(page, "compliance-dashboard")

    api = page.request.get(f"{live_server.url}/api/v1/compliance/dashboard/").json()
    report = api["report"]
    assert shown["score"] == f"{report['score']}" == "96.3"  # 65 + 91 + 10 x 100, over 12
    assert shown["compliant"] == f"{report['compliant']} / {report['products']}" == "11 / 12"
    assert shown["noncompliant"] == "1"
    assert shown["open"] == str(report["open_violations"]) == "5"
    assert shown["waived"] == str(report["waived"]) == "1"
    for severity in ("critical", "error", "warning", "info"):
        assert shown[severity] == str(report["by_severity"][severity]), severity

    heat = page.locator("table[data-table=heatmap]")
    columns = heat.locator("thead th").all_inner_texts()
    for record in api["tables"]["heatmap"]:
        row = heat.locator("tbody tr", has=page.locator(f"th >> text={record['domain']}"))
        cells = row.locator("td").all_inner_texts()
        assert {c.lower().replace(" ", "_"): int(v) for c, v in zip(columns[1:], cells, strict=True)} == {
            k: v for k, v in record.items() if k != "domain"
        }
    sla = page.locator("table[data-table=sla] tbody tr").all()
    assert [r.locator("td").first.inner_text() for r in sla] == [r["domain"] for r in api["tables"]["sla"]]
    sales = next(r for r in api["tables"]["sla"] if r["domain"] == "sales")
    assert sales["freshness_attainment"] == round(100 * 2 / 3, 1)
    sales_row = page.locator("table[data-table=sla] tbody tr", has=page.locator("td >> text=sales"))
    assert sales_row.locator("td").nth(6).inner_text() == str(sales["freshness_attainment"])
    assert page.locator("svg.chart circle").count() == 3

    # A heat-map cell drills down to the products behind it.
    heat.locator("tbody tr", has=page.locator("th >> text=marketing")).locator("td a").filter(
        has_text="2"
    ).first.click()
    page.wait_for_url("**/governance/compliance/products/**")
    assert page.locator("[data-table=products] tbody tr").count() == 1
    assert "marketing/lead_attribution" in page.locator("[data-table=products]").inner_text()
    screenshot(page, "compliance-drilldown")

    # The product page shows the product's own compliance.
    page.click("text=marketing/lead_attribution")
    assert page.locator("[data-figure=product-score]").inner_text() == "65"
    assert "Not compliant" in page.locator("#compliance").inner_text()
    own = page.request.get(f"{live_server.url}/api/v1/products/marketing/lead_attribution/compliance/").json()
    assert own["score"] == 65.0
    screenshot(page, "compliance-product")

    page.goto(f"{live_server.url}/governance/compliance/waivers/")
    assert "sales/sales_orders_analytical" in page.locator("[data-table=live-waivers]").inner_text()
    screenshot(page, "compliance-waivers")
