"""In a real browser: the SLA tab's measured column and charts, a check's history chart, the
alerts pages with acknowledge and resolve, and "Run checks now" with a real Celery worker on
Redis finishing the run while the page polls, without a reload. Screenshots go to
test-artifacts/ (monitoring-*.png)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from django.conf import settings
from django.utils import timezone

from catalog.models import DataProduct
from governance.models import Alert, AlertEvent
from tests.catalog.test_browser_discovery import shot as discovery_shot
from tests.catalog.test_browser_discovery import watch_for_problems
from tests.conftest import browser_login, redis_url
from tests.factories import make_user, publish
from tests.governance.monitoring_pages_data import runs

ROOT = Path(__file__).resolve().parent.parent.parent


def shot(page, name):
    # Settle the layout first: a full-page screenshot taken mid-layout can stop short of the end.
    page.wait_for_load_state("networkidle")
    page.evaluate("document.documentElement.scrollHeight")
    discovery_shot(page, name)


def _orders_data():
    """sales/orders with 100 orders, 3 of them with a negative amount."""
    root = Path(settings.MESH_STORAGE_MAP["s3://data-products/"])
    folder = root / "sales" / "orders"
    folder.mkdir(parents=True, exist_ok=True)
    duckdb.sql(
        "COPY (SELECT 'ORD-' || i AS order_id, CAST(i AS DECIMAL(12,2)) - 3 AS total_amount FROM range(100) t(i)) "
        f"TO '{folder / 'part-0.parquet'}'"
    )


@pytest.fixture
def monitored():
    """The owner of sales/orders, an analyst, a month of daily runs and three alerts."""
    owner = make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics")
    make_user("analyst", role="analyst", home_domain="finance")
    _orders_data()
    assert publish().published
    orders = DataProduct.objects.select_related("current_version").get(name="orders")
    now = timezone.now().replace(minute=15, second=0, microsecond=0)
    runs(orders, 30, now=now - dt.timedelta(hours=1), every=dt.timedelta(days=1), failing_every=7)
    DataProduct.objects.filter(pk=orders.pk).update(
        data_updated_at=timezone.now() - dt.timedelta(hours=5, minutes=40), freshness_status="fresh"
    )
    _alert(
        orders,
        "freshness",
        "age_hours > 26",
        "critical",
        "open",
        "The newest data is 31 h 5 min old (more than 26 h).",
        now - dt.timedelta(hours=3),
        value=31.08,
        threshold=26,
    )
    _alert(
        orders,
        "volume",
        "row_count_change > 50%",
        "warning",
        "acknowledged",
        "The row count changed by 64% since the previous run (1,180 -> 1,935).",
        now - dt.timedelta(days=2),
        value=64,
        threshold=50,
        actor=owner,
    )
    _alert(
        orders,
        "quality",
        "quality_check_failed",
        "critical",
        "resolved",
        "no_negative_amounts failed: 2 (threshold 0).",
        now - dt.timedelta(days=8),
    )
    return orders


def _alert(
    product, rule_type, condition, severity, state, message, opened, value=None, threshold=None, actor=None
):
    alert = Alert.objects.create(
        product=product,
        rule_key=f"{rule_type}:{condition}",
        rule_type=rule_type,
        condition=condition,
        severity=severity,
        state=state,
        message=message,
        last_value=value,
        threshold=threshold,
        opened_at=opened,
        last_seen_at=opened + dt.timedelta(hours=1),
        acknowledged_at=opened + dt.timedelta(minutes=20) if state == "acknowledged" else None,
        acknowledged_by=actor if state == "acknowledged" else None,
        resolved_at=opened + dt.timedelta(days=1) if state == "resolved" else None,
    )
    AlertEvent.objects.create(alert=alert, kind="opened", at=opened, value=value, note=message)
    if state == "acknowledged":
        AlertEvent.objects.create(
            alert=alert, kind="acknowledged", at=opened + dt.timedelta(minutes=20), actor=actor
        )
    if state == "resolved":
        AlertEvent.objects.create(
            alert=alert, kind="resolved", at=opened + dt.timedelta(days=1), note="the condition cleared"
        )
    return alert


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_sla_tab_a_checks_history_and_the_alerts_pages_in_a_browser(browser_page, live_server, monitored):
    page = browser_page
    problems = watch_for_problems(page)
    browser_login(page, live_server, "owner")

    # The SLA tab: promised beside measured, sparklines, row count and data age over time.
    page.goto(f"{live_server.url}/products/sales/orders/sla/")
    freshness = page.locator('tr[data-target="freshness"]').inner_text()
    assert "5 h 40 min old" in freshness and "fresh" in freshness
    assert "99.8%" in page.locator('tr[data-target="completeness"]').inner_text()
    assert "100%" in page.locator('tr[data-target="availability"]').inner_text()
    check = page.locator('tr[data-check="no_negative_amounts"]')
    assert "30 runs, 4 failed" in check.inner_text()
    assert page.locator('svg[data-chart="row-count"] circle').count() == 30
    assert page.locator('svg[data-chart="data-age"] .chart__threshold').count() == 1
    assert page.locator('[data-action="run-checks"]').is_visible()
    shot(page, "monitoring-sla-tab")

    # A check's history: the sparkline leads to the full chart.
    check.locator("a.sparkline").click()
    page.wait_for_url(f"{live_server.url}/governance/products/sales/orders/checks/no_negative_amounts/")
    chart = page.locator('figure[data-chart-figure="check-history"] svg')
    assert chart.locator(".chart__point--fail").count() == 4
    assert chart.locator(".chart__mark--fail").count() == 4
    box = chart.bounding_box()
    assert box["width"] > 600 and box["height"] > 150
    assert page.locator("tr[data-run]").count() == 30
    shot(page, "monitoring-check-history")

    # The product's alerts: acknowledge the open one without a reload, then resolve it.
    page.goto(f"{live_server.url}/governance/products/sales/orders/alerts/")
    page.evaluate("window.__samePage = true")
    open_alert = page.locator('article[data-state="open"]')
    assert "age_hours > 26" in open_alert.inner_text()
    pk = open_alert.get_attribute("data-alert")
    open_alert.locator('[data-action="acknowledge"]').click()
    page.wait_for_selector(
        f'article[data-alert="{pk}"][data-state="acknowledged"] .alert-event--acknowledged'
    )
    assert page.locator('article[data-state="acknowledged"]').count() == 2
    page.wait_for_selector('a[data-state-filter="open"] .state-filter__count >> text="0"')  # counts follow
    assert page.evaluate("window.__samePage") is True
    shot(page, "monitoring-alerts")

    page.locator(f'article[data-alert="{pk}"] [data-action="resolve"]').click()
    page.wait_for_selector(f'article[data-alert="{pk}"][data-state="resolved"]')
    assert Alert.objects.filter(state="resolved").count() == 2

    # Every alert of my products, from the navigation.
    page.click('.topnav a[href="/governance/alerts/"]')
    page.wait_for_url(f"{live_server.url}/governance/alerts/")
    assert page.locator("article[data-alert]").count() == 1
    page.click('a[data-state-filter="all"]')
    page.wait_for_selector('a[data-state-filter="all"][aria-current="page"]')
    assert page.locator("article[data-alert]").count() == 3
    shot(page, "monitoring-alerts-all")

    assert problems == [], problems  # no CSP violation, no script error, no failed request


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_monitoring_pages_fit_a_phone(browser_page, live_server, monitored):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, live_server, "owner")

    for url, name in (
        ("/products/sales/orders/sla/", "monitoring-sla-tab-phone"),
        ("/governance/products/sales/orders/checks/no_negative_amounts/", "monitoring-check-history-phone"),
        ("/governance/products/sales/orders/alerts/", "monitoring-alerts-phone"),
    ):
        page.goto(live_server.url + url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
        shot(page, name)


# --- "Run checks now" with a real worker -------------------------------------------------------


@pytest.fixture
def unchecked_orders():
    """sales/orders, published before the worker starts: its publication run goes to the
    embedded broker, which nobody reads, so no run exists until the owner presses the button."""
    make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics")
    _orders_data()
    assert publish().published


@pytest.fixture
def redis_worker(tmp_path):
    """A real Celery worker on Redis, reading the test database and this test's data folder;
    this process sends its tasks there too while the test runs."""
    from django.db import connection

    from mesh_portal.celery import app

    url = redis_url()
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    database_url = (
        f"postgresql://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = dict(
        os.environ,
        CELERY_BROKER_URL=url,
        CELERY_RESULT_BACKEND=url,
        DATABASE_URL=database_url,
        MESH_VAR_DIR=str(tmp_path / "var"),
        MESH_STORAGE_MAP=f"s3://data-products/={settings.MESH_STORAGE_MAP['s3://data-products/']}",
    )
    saved = app.conf.broker_url
    _use_broker(app, url)
    app.control.purge()  # nothing left over from an earlier, interrupted run
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "mesh_portal",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        _use_broker(app, saved)


def _use_broker(app, url: str) -> None:
    # The producer pools are made on first use and keep their broker: drop them with the URL
    # (not closed: kombu's registry of pools per broker hands them out again later).
    app.conf.broker_url = url
    app._pool, app.amqp._producer_pool = None, None


@pytest.mark.browser
@pytest.mark.pg
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_an_owner_runs_the_checks_and_watches_the_measured_column_fill_without_a_reload(
    browser_page, live_server, unchecked_orders, redis_worker
):
    page = browser_page
    problems = watch_for_problems(page)
    browser_login(page, live_server, "owner")
    page.goto(f"{live_server.url}/products/sales/orders/sla/")
    check = page.locator('tr[data-check="no_negative_amounts"]')
    assert "not measured yet" in check.inner_text()
    page.evaluate("window.__samePage = true")

    page.click('[data-action="run-checks"]')
    page.wait_for_selector("#quality-run.is-running")
    shot(page, "monitoring-run-in-progress")
    # The panel polls; when the worker has finished the run, the measured column refreshes.
    page.wait_for_selector(
        'tr[data-check="no_negative_amounts"] .measured__value >> text="3"',
        timeout=120_000,
    )

    assert page.evaluate("window.__samePage") is True, "the page reloaded"
    assert page.locator('#quality-run[data-run-state="failed"]').count() == 1
    assert "100%" in page.locator('tr[data-target="completeness"]').inner_text()
    assert page.locator('[data-action="run-checks"]').is_visible()
    shot(page, "monitoring-run-finished")
    assert problems == [], (problems, redis_worker.read_text()[-3000:])
