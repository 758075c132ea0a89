"""Monitoring reads for the API and the pages: runs, results, metric history, alerts.

Every read starts from a product the caller may see (`DataProduct.objects.for_user`) or from
the products they may change (their alerts page); query counts do not grow with the rows.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet

from catalog.models import DataProduct

from ..models import (
    RUN_FINISHED,
    Alert,
    AlertEvent,
    AlertState,
    CheckResult,
    MetricValue,
    QualityRun,
    QualityRunStatus,
)

AVAILABILITY_WINDOW = dt.timedelta(days=30)

ALERT_STATE_FILTERS = {
    "active": Q(state__in=[AlertState.OPEN, AlertState.ACKNOWLEDGED]),
    "open": Q(state=AlertState.OPEN),
    "acknowledged": Q(state=AlertState.ACKNOWLEDGED),
    "resolved": Q(state=AlertState.RESOLVED),
    "all": Q(),
}


def availability_counts(*, product_id: int, now) -> tuple[int, int]:
    """Availability's two numbers: of the product's runs finished in the 30 days before `now`,
    how many could read its data (a run ends in `error` when they could not), and how many."""
    counts = QualityRun.objects.filter(
        product_id=product_id, status__in=RUN_FINISHED, finished_at__gte=now - AVAILABILITY_WINDOW
    ).aggregate(total=Count("id"), readable=Count("id", filter=~Q(status=QualityRunStatus.ERROR)))
    return counts["readable"], counts["total"]


def product_runs(*, product: DataProduct) -> QuerySet[QualityRun]:
    """The product's runs, newest first, with their pass/fail counts."""
    return (
        QualityRun.objects.filter(product=product)
        .select_related("version", "requested_by")
        .annotate(
            checks_total=Count("results"),
            checks_failed=Count("results", filter=Q(results__passed=False)),
        )
        .order_by("-created_at", "-id")
    )


def product_run(*, product: DataProduct, run_id: int) -> QualityRun | None:
    return (
        product_runs(product=product)
        .prefetch_related(
            Prefetch("results", queryset=CheckResult.objects.order_by("position")),
            Prefetch("metric_values", queryset=MetricValue.objects.order_by("name", "column")),
        )
        .filter(pk=run_id)
        .first()
    )


def metric_history(
    *, product: DataProduct, names: list[str], column: str = "", limit: int = 100
) -> dict[str, list[dict]]:
    """Per metric name, its values over the product's finished runs, oldest first (at most
    `limit` newest points each): what the charts draw."""
    out: dict[str, list[dict]] = {}
    for name in names:
        rows = (
            MetricValue.objects.filter(product=product, name=name, column=column)
            .select_related("run")
            .order_by("-run_id")[:limit]
        )
        out[name] = [
            {
                "run": m.run_id,
                "at": m.run.finished_at or m.run.created_at,
                "value": m.value,
                "detail": m.detail,
            }
            for m in reversed(list(rows))
        ]
    return out


def check_history(*, product: DataProduct, check: str, limit: int = 100) -> list[dict]:
    """One check's outcomes over time (passed, counted value, threshold), oldest first."""
    rows = (
        CheckResult.objects.filter(run__product=product, name=check)
        .select_related("run")
        .order_by("-run_id")[:limit]
    )
    return [
        {
            "run": r.run_id,
            "at": r.run.finished_at or r.run.created_at,
            "passed": r.passed,
            "count": r.count,
            "threshold": r.threshold,
        }
        for r in reversed(list(rows))
    ]


def metric_names(*, product: DataProduct) -> list[str]:
    return sorted(
        set(MetricValue.objects.filter(product=product, column="").values_list("name", flat=True).distinct())
    )


def _alerts() -> QuerySet[Alert]:
    return Alert.objects.select_related("product__domain", "acknowledged_by", "resolved_by").prefetch_related(
        Prefetch("events", queryset=AlertEvent.objects.select_related("actor").order_by("at", "id"))
    )


def product_alerts(*, product: DataProduct, state: str = "all") -> QuerySet[Alert]:
    return _alerts().filter(ALERT_STATE_FILTERS[state], product=product).order_by("-opened_at", "-id")


def user_alerts(*, user, state: str = "active") -> QuerySet[Alert]:
    """The alerts of every product the user may change (owners: their team's products)."""
    mine = DataProduct.objects.for_user(user, "change").values("pk")
    return _alerts().filter(ALERT_STATE_FILTERS[state], product__in=mine).order_by("-opened_at", "-id")
