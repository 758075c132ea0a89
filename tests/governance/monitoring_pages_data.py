"""Data for the monitoring page tests: three users, sales/orders with real data, and
`runs()` / `alerts()`, which write finished runs (results and metrics as the runner stores
them) and alerts with their events.

Three users in every test, as in the rest of the suite: `owner` (member of sales-analytics,
which owns sales/orders), `analyst` (sees sales/orders, owns nothing) and `stranger` (owns a
marketing product and cannot see sales/hidden).
"""

from __future__ import annotations

import datetime as dt

import duckdb
from django.utils import timezone

from catalog.models import DataProduct
from governance.models import Alert, AlertEvent, CheckResult, MetricValue, QualityRun
from tests.factories import make_user, publish, publish_ok

HIDDEN_ACCESS = {
    "discovery": "restricted",
    "read": [{"role": "data_scientist"}],
    "write": [{"domain": "sales"}],
}


def make_people() -> dict:
    return {
        "owner": make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics"),
        "analyst": make_user("analyst", role="analyst", home_domain="finance"),
        "stranger": make_user(
            "stranger", role="product_owner", home_domain="marketing", team="marketing-team"
        ),
    }


def make_orders(tmp_path):
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
