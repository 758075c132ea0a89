"""Monitoring reads for the API and the pages: runs, results, metric history, alerts.

Every read starts from a product the caller may see (`DataProduct.objects.for_user`) or from
the products they may change (their alerts page); query counts do not grow with the rows.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from catalog.models import DataProduct

from ..models import Alert, AlertEvent, AlertState, CheckResult, MetricValue, QualityRun

ALERT_STATE_FILTERS = {
    "active": Q(state__in=[AlertState.OPEN, AlertState.ACKNOWLEDGED]),
    "open": Q(state=AlertState.OPEN),
    "acknowledged": Q(state=AlertState.ACKNOWLEDGED),
    "resolved": Q(state=AlertState.RESOLVED),
    "all": Q(),
}


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


def product_sla_measured(*, product: DataProduct, now=None) -> dict:
    """Measured beside promised, for the SLA tab: freshness age against max age (at `now`, from
    the stored data time: no data is read), completeness against its threshold, availability
    (promised only: not measured yet), and every check's latest count against its threshold."""
    from django.utils import timezone

    from ..models import QualityRunStatus
    from .freshness import age_display

    now = now or timezone.now()
    version = product.current_version
    sla = getattr(version, "sla", None) if version is not None else None
    run = (
        QualityRun.objects.filter(
            product=product,
            status__in=[QualityRunStatus.PASSED, QualityRunStatus.FAILED, QualityRunStatus.ERROR],
        )
        .order_by("-finished_at", "-id")
        .first()
    )
    results = list(CheckResult.objects.filter(run=run).order_by("position")) if run else []
    by_name = {r.name: r for r in results}
    age = (now - product.data_updated_at).total_seconds() / 3600 if product.data_updated_at else None
    completeness = by_name.get("completeness")
    return {
        "run": run,
        "quality_health": product.quality_health,
        "last_checked_at": product.last_checked_at,
        "next_check_at": product.next_check_at,
        "freshness": {
            "status": product.freshness_status,
            "data_updated_at": product.data_updated_at,
            "age_hours": round(age, 3) if age is not None else None,
            "age_display": age_display(age),
            "max_age_hours": sla.freshness_max_age_hours if sla else None,
            "update_schedule": sla.update_schedule if sla else "",
        },
        "completeness": {
            "measured": completeness.count if completeness else None,
            "threshold": sla.completeness_min if sla else None,
            "passed": completeness.passed if completeness else None,
        },
        "availability": {"promised": sla.availability if sla else None, "measured": None},
        "checks": [
            {
                "name": r.name,
                "kind": r.kind,
                "column": r.column,
                "count": r.count,
                "threshold": r.threshold,
                "passed": r.passed,
                "severity": r.severity,
                "message": r.message,
            }
            for r in results
        ],
    }
