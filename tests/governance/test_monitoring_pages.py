"""The monitoring pages: the SLA tab's measured column, "Run checks now", a check's history,
the alerts of a product and of all the user's products.

Three users in every test, as in the rest of the suite: `owner` (member of sales-analytics,
which owns sales/orders), `analyst` (sees sales/orders, owns nothing) and `stranger` (owns a
marketing product and cannot see sales/hidden). Histories are made by `runs()`, which writes
finished runs with results and metrics as the runner stores them; one test measures real data.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pytest
from django.utils import timezone

from catalog.models import DataProduct
from governance.charts import Sample, nice_ticks, time_chart
from governance.checks.service import quality_run_now
from governance.models import (
    Alert,
    AlertEvent,
    CheckResult,
    MetricValue,
    QualityRun,
)
from governance.monitoring.services import run_process
from tests.factories import make_user, publish, publish_ok

pytestmark = pytest.mark.django_db

HIDDEN_ACCESS = {
    "discovery": "restricted",
    "read": [{"role": "data_scientist"}],
    "write": [{"domain": "sales"}],
}


@pytest.fixture
def people():
    return {
        "owner": make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics"),
        "analyst": make_user("analyst", role="analyst", home_domain="finance"),
        "stranger": make_user(
            "stranger", role="product_owner", home_domain="marketing", team="marketing-team"
        ),
    }


@pytest.fixture
def orders(people, tmp_path):
    """sales/orders with its data: 100 orders, 3 with a negative amount; and sales/hidden,
    which only data scientists (and its owners) may see."""
    folder = tmp_path / "s3" / "sales" / "orders"
    folder.mkdir(parents=True)
    duckdb.sql(
        "COPY (SELECT 'ORD-' || i AS order_id, CAST(i AS DECIMAL(12,2)) - 3 AS total_amount FROM range(100) t(i)) "
        f"TO '{folder / 'part-0.parquet'}'"
    )
    assert publish().published
    publish_ok(name="hidden", access=HIDDEN_ACCESS, **{"schema.location": "s3://data-products/sales/hidden/"})
    publish_ok(
        name="campaigns",
        domain="marketing",
        owner={"team": "marketing-team"},
        access={"discovery": "public", "read": [{"role": "analyst"}], "write": [{"domain": "marketing"}]},
        **{"schema.location": "s3://data-products/marketing/campaigns/"},
    )
    return DataProduct.objects.select_related("current_version").get(name="orders")


def as_user(client, user):
    client.force_login(user)
    return client


def runs(product, n: int, *, now=None, every=dt.timedelta(hours=1), failing_every: int = 5, error_at=()):
    """`n` finished runs, the newest `now`, one each `every`; each `failing_every`-th run finds
    2 negative amounts (a failure); runs at the indexes in `error_at` could not read the data."""
    now = now or timezone.now()
    version = product.current_version
    made = []
    for i in range(n):
        at = now - every * (n - 1 - i)
        error = i in error_at
        failing = failing_every and i % failing_every == failing_every - 1
        run = QualityRun.objects.create(
            product=product,
            version=version,
            status="error" if error else ("failed" if failing else "passed"),
            trigger="schedule",
            attempt=1,
            started_at=at - dt.timedelta(seconds=5),
            finished_at=at,
            error="DataUnavailable: no file" if error else "",
        )
        QualityRun.objects.filter(pk=run.pk).update(created_at=at - dt.timedelta(seconds=6))
        made.append(run)
        if error:
            CheckResult.objects.create(
                run=run,
                name="no_negative_amounts",
                kind="sql",
                passed=False,
                count=None,
                threshold=0,
                severity="critical",
                message="the data could not be read",
            )
            continue
        age = 2.0 + i % 4
        CheckResult.objects.bulk_create(
            [
                CheckResult(
                    run=run,
                    position=0,
                    name="order_id_unique",
                    kind="constraint",
                    passed=True,
                    count=0,
                    threshold=0,
                    severity="critical",
                ),
                CheckResult(
                    run=run,
                    position=1,
                    name="completeness",
                    kind="completeness",
                    passed=True,
                    count=99.8,
                    threshold=99.5,
                    severity="error",
                ),
                CheckResult(
                    run=run,
                    position=2,
                    name="freshness",
                    kind="freshness",
                    passed=True,
                    count=age,
                    threshold=24,
                    severity="error",
                ),
                CheckResult(
                    run=run,
                    position=3,
                    name="no_negative_amounts",
                    kind="sql",
                    passed=not failing,
                    count=2 if failing else 0,
                    threshold=0,
                    severity="critical",
                    message="2 rows" if failing else "",
                ),
            ]
        )
        MetricValue.objects.bulk_create(
            [
                MetricValue(run=run, product=product, name="row_count", value=1000 + 10 * i),
                MetricValue(run=run, product=product, name="freshness_age_hours", value=age),
            ]
        )
    return made


def alerts(product, n: int, *, now=None):
    """`n` alerts on `product`, alternately open, acknowledged and resolved, each with its events."""
    now = now or timezone.now()
    made = []
    start = Alert.objects.count()  # rule keys stay unique per product across calls
    for i in range(n):
        state = ("open", "acknowledged", "resolved")[i % 3]
        opened = now - dt.timedelta(hours=n - i)
        alert = Alert.objects.create(
            product=product,
            rule_key=f"volume:row_count_change > {start + i}%",
            rule_type="volume",
            condition=f"row_count_change > {i}%",
            metric="row_count_change",
            severity=("critical", "warning")[i % 2],
            state=state,
            message=f"row count changed by {60 + i}%",
            last_value=60 + i,
            threshold=i,
            opened_at=opened,
            last_seen_at=opened + dt.timedelta(minutes=30),
            acknowledged_at=opened + dt.timedelta(minutes=10) if state != "open" else None,
            resolved_at=opened + dt.timedelta(minutes=40) if state == "resolved" else None,
        )
        AlertEvent.objects.create(alert=alert, kind="opened", at=opened, value=60 + i, note="opened by a run")
        if state != "open":
            AlertEvent.objects.create(alert=alert, kind="acknowledged", at=opened + dt.timedelta(minutes=10))
        if state == "resolved":
            AlertEvent.objects.create(alert=alert, kind="resolved", at=opened + dt.timedelta(minutes=40))
        made.append(alert)
    return made


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


# --- Alerts ---------------------------------------------------------------------------------


def test_the_product_alerts_page_lists_active_alerts_with_their_history(client, people, orders):
    made = alerts(orders, 6)

    html = (
        as_user(client, people["analyst"]).get("/governance/products/sales/orders/alerts/").content.decode()
    )

    shown = re.findall(r'data-alert="(\d+)" data-state="(\w+)"', html)
    assert {int(pk) for pk, _ in shown} == {a.pk for a in made if a.state != "resolved"}
    assert 'data-event="opened"' in html and 'data-event="acknowledged"' in html
    assert "by the monitoring" in html
    assert 'data-action="acknowledge"' not in html and 'data-action="resolve"' not in html  # not an owner
    counts = dict(re.findall(r'data-state-filter="(\w+)">\w+ <span class="state-filter__count">(\d+)', html))
    assert counts == {"active": "4", "open": "2", "acknowledged": "2", "resolved": "2", "all": "6"}


def test_the_resolved_filter_shows_who_resolved_or_that_it_resolved_itself(client, people, orders):
    alerts(orders, 3)

    html = (
        as_user(client, people["owner"])
        .get("/governance/products/sales/orders/alerts/?state=resolved")
        .content.decode()
    )

    assert re.findall(r'data-state="(\w+)"', html) == ["resolved"]
    assert "by itself (the condition cleared)" in html and 'data-action="resolve"' not in html


def test_an_owner_acknowledges_then_resolves_an_alert_and_each_step_is_an_event(client, people, orders):
    alert = alerts(orders, 1)[0]
    owner = as_user(client, people["owner"])
    page = owner.get("/governance/products/sales/orders/alerts/").content.decode()
    assert 'data-action="acknowledge"' in page and 'data-action="resolve"' in page

    card = owner.post(f"/governance/alerts/{alert.pk}/acknowledge/", headers={"HX-Request": "true"})
    assert card.status_code == 200 and 'data-state="acknowledged"' in card.content.decode()
    assert "by owner" in card.content.decode() and card["HX-Trigger"] == "alert-changed"
    done = owner.post(
        f"/governance/alerts/{alert.pk}/resolve/", {"next": "/governance/products/sales/orders/alerts/"}
    )

    assert done.status_code == 302 and done["Location"] == "/governance/products/sales/orders/alerts/"
    alert.refresh_from_db()
    assert alert.state == "resolved" and alert.resolved_by == people["owner"]
    assert list(alert.events.values_list("kind", "actor__username")) == [
        ("opened", None),
        ("acknowledged", "owner"),
        ("resolved", "owner"),
    ]


def test_acknowledging_a_resolved_alert_changes_nothing_and_says_why(client, people, orders):
    alert = alerts(orders, 3)[2]
    owner = as_user(client, people["owner"])

    card = owner.post(f"/governance/alerts/{alert.pk}/acknowledge/", headers={"HX-Request": "true"})

    assert "The alert is resolved; only an open alert can be acknowledged." in card.content.decode()
    assert alert.events.count() == 3


def test_only_owners_act_on_alerts_and_a_hidden_products_alert_is_not_found(client, people, orders):
    visible = alerts(orders, 1)[0]
    hidden = alerts(DataProduct.objects.get(name="hidden"), 1)[0]
    analyst = as_user(client, people["analyst"])

    assert analyst.post(f"/governance/alerts/{visible.pk}/acknowledge/").status_code == 403
    assert analyst.post(f"/governance/alerts/{visible.pk}/resolve/").status_code == 403
    not_visible = analyst.post(f"/governance/alerts/{hidden.pk}/resolve/")
    missing = analyst.post("/governance/alerts/999999/resolve/")
    assert not_visible.status_code == missing.status_code == 404 and not_visible.content == missing.content
    assert analyst.get("/governance/products/sales/hidden/alerts/").status_code == 404
    assert Alert.objects.filter(state="resolved").count() == 0


def test_the_alerts_page_lists_the_alerts_of_my_teams_products_only(client, people, orders):
    mine = alerts(orders, 2) + alerts(DataProduct.objects.get(name="hidden"), 1)
    theirs = alerts(DataProduct.objects.get(name="campaigns"), 2)

    html = as_user(client, people["owner"]).get("/governance/alerts/").content.decode()
    shown = {int(pk) for pk in re.findall(r'data-alert="(\d+)"', html)}
    assert shown == {a.pk for a in mine}
    assert 'href="/governance/products/sales/hidden/alerts/"' in html

    stranger = as_user(client, people["stranger"]).get("/governance/alerts/").content.decode()
    assert {int(pk) for pk in re.findall(r'data-alert="(\d+)"', stranger)} == {a.pk for a in theirs}
    assert "sales/hidden" not in stranger

    analyst = as_user(client, people["analyst"]).get("/governance/alerts/").content.decode()
    assert "data-alert=" not in analyst and "No alert on your products yet." in analyst


def test_a_governance_lead_sees_every_products_alerts_and_may_act(client, people, orders):
    made = alerts(orders, 1) + alerts(DataProduct.objects.get(name="campaigns"), 1)
    lead = make_user("lead", governance=True)

    html = as_user(client, lead).get("/governance/alerts/").content.decode()

    assert {int(pk) for pk in re.findall(r'data-alert="(\d+)"', html)} == {a.pk for a in made}
    assert html.count('data-action="acknowledge"') == 2


def test_the_alerts_page_filters_by_severity_and_pages(client, people, orders):
    alerts(orders, 90)
    owner = as_user(client, people["owner"])

    first = owner.get("/governance/alerts/?state=all").content.decode()
    critical = owner.get("/governance/alerts/?state=all&severity=critical").content.decode()

    assert first.count('data-alert="') == 25 and "Page 1 of 4" in first
    assert 'href="?state=all&amp;page=2"' in first
    assert critical.count("badge--critical") == 25 and "badge--warning" not in critical
    assert "Page 1 of 2" in critical


@pytest.mark.parametrize(
    "url", ["/governance/alerts/?state=all", "/governance/products/sales/orders/alerts/?state=all"]
)
def test_the_alerts_pages_read_a_constant_number_of_queries(
    client, people, orders, django_assert_num_queries, url
):
    owner = as_user(client, people["owner"])
    alerts(orders, 3)
    owner.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        owner.get(url)
    alerts(orders, 30)

    with django_assert_num_queries(len(few)):
        response = owner.get(url)
    assert response.content.decode().count('data-alert="') >= 25


def test_team_members_get_an_alerts_link_in_the_navigation(client, people, orders):
    assert 'href="/governance/alerts/"' in as_user(client, people["owner"]).get("/").content.decode()
    assert 'href="/governance/alerts/"' not in as_user(client, people["analyst"]).get("/").content.decode()


def test_monitoring_pages_carry_no_inline_script_or_style(client, people, orders):
    runs(orders, 5)
    alerts(orders, 3)
    owner = as_user(client, people["owner"])
    for url in (
        "/products/sales/orders/sla/",
        "/governance/products/sales/orders/checks/no_negative_amounts/",
        "/governance/products/sales/orders/alerts/",
        "/governance/alerts/",
    ):
        response = owner.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert " style=" not in html and "<style" not in html, url
        assert not re.search(r"\son[a-z]+=", html), url


# --- Charts ---------------------------------------------------------------------------------


def _at(hours: float) -> dt.datetime:
    return dt.datetime(2026, 11, 1, tzinfo=dt.UTC) + dt.timedelta(hours=hours)


def test_a_chart_places_points_inside_the_plot_and_higher_values_higher():
    chart = time_chart([Sample(_at(h), v, 5, v <= 5) for h, v in ((0, 0), (1, 10), (2, 5))], title="t")

    xs = [p.x for p in chart.points]
    ys = [p.y for p in chart.points]
    assert xs == sorted(xs) and xs[0] == chart.left and xs[-1] == chart.right
    assert all(chart.top <= y <= chart.bottom for y in ys)
    assert ys[1] < ys[2] < ys[0]  # 10 above 5 above 0 (SVG y grows downwards)
    assert [p.state for p in chart.points] == ["pass", "fail", "pass"]
    assert chart.threshold_line.startswith(f"M{chart.left},{ys[2]}")


def test_a_threshold_that_changes_between_versions_is_drawn_as_a_step():
    chart = time_chart([Sample(_at(0), 1, 0, False), Sample(_at(1), 1, 5, True)], title="t")

    assert chart.threshold_line.count("L") == 3  # up at the second run, then to the right edge


def test_an_unmeasured_run_breaks_the_line_and_is_a_failure_mark():
    samples = [
        Sample(_at(0), 1, 0, False),
        Sample(_at(1), 2, 0, False),
        Sample(_at(2), None, 0, False),
        Sample(_at(3), 3, 0, False),
        Sample(_at(4), 4, 0, False),
    ]
    chart = time_chart(samples, title="t")

    assert chart.line.count("M") == 2 and chart.points[2].y is None and chart.failures == 5


def test_an_empty_chart_says_so_and_a_single_point_sits_in_the_middle():
    assert time_chart([], title="Row count").empty
    one = time_chart([Sample(_at(0), 7)], title="Row count", unit="rows")
    assert one.points[0].x == (one.left + one.right) / 2 and "latest 7 rows" in one.description


def test_ticks_are_round_numbers_covering_the_range():
    assert nice_ticks(0, 97) == [0, 25, 50, 75, 100]
    assert nice_ticks(0, 1) == [0, 0.25, 0.5, 0.75, 1]


@pytest.mark.parametrize("nxt", ["//evil.example/", "/\\evil.example/", "https://evil.example/"])
def test_an_action_never_redirects_off_the_site(client, people, orders, nxt):
    alert = alerts(orders, 1)[0]

    response = as_user(client, people["owner"]).post(
        f"/governance/alerts/{alert.pk}/acknowledge/", {"next": nxt}
    )

    assert response.status_code == 302 and response["Location"] == "/governance/alerts/"
