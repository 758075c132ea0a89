"""The monitoring pages of a product: the SLA tab's measured column, "Run checks now" and its
polling status panel, a check's history. Users and data: tests/governance/monitoring_pages_data.py
(histories are written by `runs()`; one test measures real data)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from catalog.models import DataProduct
from governance.checks.service import quality_run_now
from governance.models import QualityRun
from governance.monitoring.services import run_process
from tests.governance.monitoring_pages_data import as_user, make_orders, make_people, runs

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return make_people()


@pytest.fixture
def orders(people, tmp_path):
    return make_orders(tmp_path)


HTMX = {"HX-Request": "true", "HX-Target": "quality-run"}


# --- The SLA tab ----------------------------------------------------------------------------


def test_the_sla_tab_shows_promised_beside_not_measured_before_any_run(client, people, orders):
    html = as_user(client, people["analyst"]).get("/products/sales/orders/sla/").content.decode()

    assert "Promised" in html and "Measured" in html
    assert html.count("not measured yet") == 4
    assert "Run checks now" not in html


def test_the_sla_tab_fills_the_measured_column_from_the_latest_runs(client, people, orders):
    runs(orders, 30, error_at=(10,))
    DataProduct.objects.filter(pk=orders.pk).update(
        data_updated_at=timezone.now() - dt.timedelta(hours=3, minutes=12), freshness_status="fresh"
    )

    html = as_user(client, people["analyst"]).get("/products/sales/orders/sla/").content.decode()

    freshness = _row(html, 'data-target="freshness"')
    assert "3 h 12 min old" in freshness and "fresh" in freshness and "at most 24 h allowed" in freshness
    completeness = _row(html, 'data-target="completeness"')
    assert "99.8%" in completeness and "≥ 99.5% required" in completeness and "passed" in completeness
    availability = _row(html, 'data-target="availability"')
    assert "96.67%" in availability and "29 of 30 runs read the data" in availability
    assert "missed" in availability  # 99.9% was promised
    check = _row(html, 'data-check="no_negative_amounts"')
    assert '<strong class="measured__value">2</strong>' in check and "failed" in check
    assert "≤ 0 required" in check
    assert 'data-points="30"' in check and "7 failed" in check  # 6 counted 2, 1 could not read
    assert 'href="/governance/products/sales/orders/checks/no_negative_amounts/"' in check
    builtin = _row(html, 'data-check="order_id_unique"')
    assert "0 rows" in builtin and "passed" in builtin
    assert 'data-chart="row-count"' in html and 'data-chart="data-age"' in html
    assert "not measured yet" not in html


def test_freshness_is_derived_from_the_latest_run_when_the_sweep_has_not_measured_it(client, people, orders):
    now = timezone.now()
    runs(orders, 4, now=now - dt.timedelta(hours=1))  # the newest run measured 5 h of age

    html = as_user(client, people["analyst"]).get("/products/sales/orders/sla/").content.decode()

    freshness = _row(html, 'data-target="freshness"')
    assert re.search(r"6 h( 1 min)? old", freshness), freshness


def test_a_real_run_of_the_data_fills_the_measured_column(client, people, orders):
    run, _ = quality_run_now(product=orders, user=people["owner"])

    html = as_user(client, people["analyst"]).get("/products/sales/orders/sla/").content.decode()

    assert run.status == "failed", run.error
    check = _row(html, 'data-check="no_negative_amounts"')
    assert '<strong class="measured__value">3</strong>' in check and "failed" in check
    assert "100%" in _row(html, 'data-target="completeness"')
    assert "100%" in _row(html, 'data-target="availability"')
    assert f'run <span class="mono">#{run.pk}</span>' in html


def _row(html: str, marker: str) -> str:
    start = html.index(marker)
    return html[start : html.index("</tr>", start)]


@pytest.mark.parametrize("url", ["/products/sales/orders/sla/", "/products/sales/orders/sla/?htmx"])
def test_the_sla_tab_reads_a_constant_number_of_queries_however_long_the_history(
    client, people, orders, django_assert_num_queries, url
):
    headers = {"HX-Request": "true", "HX-Target": "product-tabs"} if url.endswith("htmx") else {}
    owner = as_user(client, people["owner"])
    runs(orders, 3, now=timezone.now() - dt.timedelta(days=2))
    owner.get(url, headers=headers)  # warm the session and content-type caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        owner.get(url, headers=headers)
    runs(orders, 30)

    with django_assert_num_queries(len(few)):
        response = owner.get(url, headers=headers)
    assert response.content.decode().count('data-points="30"') == 6  # 4 sparklines, 2 charts


# --- Run checks now -------------------------------------------------------------------------


def test_owners_see_the_run_button_and_others_do_not(client, people, orders):
    assert (
        "Run checks now"
        in as_user(client, people["owner"]).get("/products/sales/orders/sla/").content.decode()
    )
    assert (
        "Run checks now"
        not in as_user(client, people["analyst"]).get("/products/sales/orders/sla/").content.decode()
    )


def test_an_owner_runs_the_checks_and_the_panel_polls_until_the_run_finishes(
    client, people, orders, django_capture_on_commit_callbacks
):
    owner = as_user(client, people["owner"])

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner.post("/governance/products/sales/orders/runs/", headers=HTMX)
    run = QualityRun.objects.get(product=orders)
    assert len(callbacks) == 1  # the task is sent when the transaction commits
    html = response.content.decode()
    status_url = f"/governance/products/sales/orders/runs/{run.pk}/"
    assert response.status_code == 200 and run.status == "queued" and run.requested_by == people["owner"]
    assert f'hx-get="{status_url}"' in html and 'hx-trigger="load delay:1s"' in html
    assert "is waiting for a worker" in html

    polled = owner.get(status_url, headers=HTMX)
    assert 'hx-trigger="load delay:1s"' in polled.content.decode()
    assert "HX-Trigger-After-Settle" not in polled

    run_process(run_id=run.pk)  # what the worker does with the task
    finished = owner.get(status_url, headers=HTMX)
    body = finished.content.decode()
    assert finished["HX-Trigger-After-Settle"] == "quality-run-finished"
    assert "hx-trigger" not in body and "finished:" in body and "failed" in body
    assert re.search(r"\d+ of \d+ checks failed", body)
    assert "Run checks now" in body

    sla = owner.get("/products/sales/orders/sla/").content.decode()
    assert 'hx-trigger="quality-run-finished from:body"' in sla
    assert '<strong class="measured__value">3</strong>' in _row(sla, 'data-check="no_negative_amounts"')


def test_a_finished_run_the_monitoring_has_not_read_yet_is_still_polled(client, people, orders):
    run = runs(orders, 1)[0]  # finished now, monitored_at empty
    url = f"/governance/products/sales/orders/runs/{run.pk}/"
    owner = as_user(client, people["owner"])

    waiting = owner.get(url, headers=HTMX)
    QualityRun.objects.filter(pk=run.pk).update(monitored_at=timezone.now())
    settled = owner.get(url, headers=HTMX)

    assert (
        "updating the measurements" in waiting.content.decode() and "HX-Trigger-After-Settle" not in waiting
    )
    assert settled["HX-Trigger-After-Settle"] == "quality-run-finished"


def test_a_run_still_waiting_after_a_minute_is_polled_less_often(client, people, orders):
    run = QualityRun.objects.create(product=orders, version=orders.current_version)
    QualityRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - dt.timedelta(minutes=2))

    html = as_user(client, people["owner"]).get("/products/sales/orders/sla/").content.decode()

    assert 'hx-trigger="load delay:5s"' in html and "is waiting for a worker" in html
    assert 'data-action="run-checks"' not in html  # one run at a time


def test_pressing_again_while_a_run_is_in_flight_queues_nothing_more(
    client, people, orders, django_capture_on_commit_callbacks
):
    owner = as_user(client, people["owner"])
    with django_capture_on_commit_callbacks(execute=False):
        owner.post("/governance/products/sales/orders/runs/", headers=HTMX)
        again = owner.post("/governance/products/sales/orders/runs/", headers=HTMX)

    assert QualityRun.objects.filter(product=orders).count() == 1
    assert "already in progress" in again.content.decode()


def test_a_plain_form_post_goes_back_to_the_sla_tab(
    client, people, orders, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = as_user(client, people["owner"]).post("/governance/products/sales/orders/runs/")

    assert response.status_code == 302 and response["Location"] == "/products/sales/orders/sla/"
    assert QualityRun.objects.filter(product=orders, status="queued").count() == 1


def test_a_viewer_who_is_not_an_owner_gets_403_and_a_stranger_to_the_product_404(client, people, orders):
    assert (
        as_user(client, people["analyst"]).post("/governance/products/sales/orders/runs/").status_code == 403
    )
    hidden = as_user(client, people["analyst"]).post("/governance/products/sales/hidden/runs/")
    missing = as_user(client, people["analyst"]).post("/governance/products/sales/nothing/runs/")
    assert hidden.status_code == missing.status_code == 404 and hidden.content == missing.content
    assert not QualityRun.objects.exists()


def test_a_run_of_another_product_is_not_found_through_this_one(client, people, orders):
    other = DataProduct.objects.get(name="campaigns")
    run = QualityRun.objects.create(product=other, version=other.current_version)

    response = as_user(client, people["owner"]).get(f"/governance/products/sales/orders/runs/{run.pk}/")

    assert response.status_code == 404


# --- A check's history ----------------------------------------------------------------------


def test_a_checks_history_is_a_chart_of_its_count_against_its_threshold(client, people, orders):
    runs(orders, 12, failing_every=4)

    response = as_user(client, people["analyst"]).get(
        "/governance/products/sales/orders/checks/no_negative_amounts/"
    )
    html = response.content.decode()

    assert response.status_code == 200
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count('class="chart__point chart__point--fail"') == 3
    assert svg.count('class="chart__point chart__point--pass"') == 9
    assert svg.count('class="chart__mark chart__mark--fail"') == 3
    assert 'class="chart__threshold"' in svg and 'class="chart__line"' in svg
    assert "12 measurements" in svg and "3 failed" in svg
    assert html.count('<tr data-run="') == 12
    assert "SELECT COUNT(*) FROM orders WHERE total_amount &lt; 0" in html


def test_an_unknown_check_and_a_hidden_product_are_not_found(client, people, orders):
    analyst = as_user(client, people["analyst"])
    assert analyst.get("/governance/products/sales/orders/checks/nothing/").status_code == 404
    assert analyst.get("/governance/products/sales/hidden/checks/completeness/").status_code == 404


def test_the_check_history_reads_a_constant_number_of_queries(
    client, people, orders, django_assert_num_queries
):
    analyst = as_user(client, people["analyst"])
    url = "/governance/products/sales/orders/checks/no_negative_amounts/"
    runs(orders, 3, now=timezone.now() - dt.timedelta(days=3))
    analyst.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        analyst.get(url)
    runs(orders, 30)

    with django_assert_num_queries(len(few)):
        response = analyst.get(url)
    assert response.content.decode().count('<tr data-run="') == 33
