"""Reads for the monitoring pages: the SLA tab's measured column, check histories, run status.

Every function takes a product the caller already obtained through
`DataProduct.objects.for_user()` (catalog.visibility / catalog.selectors) and reads a fixed
number of queries whatever the length of the history: the newest finished runs (one query on
the `qrun_product_finished` index), their check results (one), their metrics (one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from catalog.models import FreshnessStatus

from .charts import Chart, Sample, format_number, time_chart
from .models import RUN_FINISHED, RUN_IN_FLIGHT, CheckResult, MetricValue, QualityRun
from .monitoring import selectors as alert_selectors
from .monitoring.freshness import age_display

SLA_HISTORY_RUNS = 30  # runs behind the sparklines and charts of the SLA tab
CHECK_HISTORY_RUNS = 90  # runs on a check's own page
UNITS = {"constraint": "rows", "completeness": "%", "freshness": "h", "schema": "columns", "sql": ""}


def unit_of(kind: str) -> str:
    return UNITS.get(kind, "")


@dataclass
class Measured:
    """One cell of the measured column: what was measured, and how it compares."""

    text: str
    state: str = "none"  # ok | warn | error | none (not measured)
    detail: str = ""
    badge: str = ""

    @property
    def measured(self) -> bool:
        return self.state != "none"


NOT_MEASURED = Measured("not measured yet")


def measured_result(result: dict | None, kind: str) -> Measured:
    """A check result (count, threshold, passed, message) as a measured cell."""
    if result is None:
        return NOT_MEASURED
    if result["count"] is None:
        return Measured("could not be measured", "error", result["message"], "failed")
    unit = unit_of(kind)
    op = "≥" if kind == "completeness" else "≤"
    return Measured(
        format_number(result["count"], unit),
        "ok" if result["passed"] else "error",
        f"{op} {format_number(result['threshold'], unit)} required",
        "passed" if result["passed"] else "failed",
    )


@dataclass
class CheckRow:
    name: str
    kind: str
    unit: str
    severity: str
    threshold: float | None
    latest: dict | None  # the newest result: count, threshold, passed, message
    chart: Chart
    description: str = ""
    query: str = ""

    @property
    def measured(self) -> Measured:
        return measured_result(self.latest, self.kind)


@dataclass
class Monitoring:
    """What the SLA tab shows beside the contract's promises."""

    latest_run: QualityRun | None
    in_flight: QualityRun | None
    runs_shown: int
    targets: dict[str, Measured] = field(default_factory=dict)
    sql_checks: list[CheckRow] = field(default_factory=list)
    builtin_checks: list[CheckRow] = field(default_factory=list)
    row_count_chart: Chart | None = None
    freshness_chart: Chart | None = None


def recent_finished_runs(*, product, limit: int) -> list[QualityRun]:
    """The product's newest finished runs, newest first, with their version number."""
    return list(
        QualityRun.objects.filter(product=product, status__in=RUN_FINISHED)
        .select_related("version")
        .only(
            "id", "status", "trigger", "error", "created_at", "started_at", "finished_at", "version__version"
        )
        .order_by("-finished_at", "-id")[:limit]
    )


def run_in_flight(*, product, now: dt.datetime | None = None) -> QualityRun | None:
    """The queued or running run that "Run checks now" would return instead of a new one
    (governance.monitoring.services.product_run_request: younger than twice the run limit)."""
    now = now or timezone.now()
    oldest = now - dt.timedelta(seconds=settings.MESH_RUN_TIME_LIMIT_SECONDS * 2)
    return (
        QualityRun.objects.filter(product=product, status__in=RUN_IN_FLIGHT, created_at__gte=oldest)
        .order_by("-created_at", "-id")
        .first()
    )


def _run_label(run: QualityRun) -> str:
    return f"run #{run.pk} of v{run.version.version}"


def _run_time(run: QualityRun) -> dt.datetime:
    return run.finished_at or run.started_at or run.created_at


def product_monitoring(*, product, sla, checks, now: dt.datetime | None = None) -> Monitoring:
    """The measured column of the SLA tab: freshness, completeness, availability and each
    check's newest count against its threshold, with sparklines of the last runs. Five queries
    when the product has runs, three when it has none, however long the history."""
    now = now or timezone.now()
    runs = recent_finished_runs(product=product, limit=SLA_HISTORY_RUNS)
    by_run = {r.pk: r for r in runs}
    results: list[dict] = []
    metrics: list[dict] = []
    if runs:
        results = list(
            CheckResult.objects.filter(run_id__in=by_run).values(
                "run_id", "position", "name", "kind", "passed", "count", "threshold", "severity", "message"
            )
        )
        metrics = list(
            MetricValue.objects.filter(
                product=product, run_id__in=by_run, name__in=("row_count", "freshness_age_hours"), column=""
            ).values("run_id", "name", "value")
        )
    latest = runs[0] if runs else None
    monitoring = Monitoring(
        latest_run=latest, in_flight=run_in_flight(product=product, now=now), runs_shown=len(runs)
    )

    history: dict[str, list[Sample]] = {}
    latest_results: dict[str, dict] = {}
    for r in results:
        run = by_run[r["run_id"]]
        history.setdefault(r["name"], []).append(
            Sample(_run_time(run), r["count"], r["threshold"], r["passed"], _run_label(run))
        )
        if latest is not None and r["run_id"] == latest.pk:
            latest_results[r["name"]] = r

    def row(name, kind, severity, threshold, latest_result, **extra) -> CheckRow:
        unit = unit_of(kind)
        chart = time_chart(history.get(name, []), title=f"{name} over the last runs", unit=unit, compact=True)
        return CheckRow(name, kind, unit, severity, threshold, latest_result, chart, **extra)

    declared = {c.name for c in checks}
    monitoring.sql_checks = [
        row(
            c.name,
            "sql",
            c.severity,
            c.threshold,
            latest_results.get(c.name),
            description=c.description,
            query=c.query,
        )
        for c in checks
    ]
    monitoring.builtin_checks = [
        row(r["name"], r["kind"], r["severity"], r["threshold"], r)
        for r in sorted(latest_results.values(), key=lambda r: r["position"])
        if r["name"] not in declared
    ]

    monitoring.targets = {
        "freshness": _freshness(product=product, sla=sla, latest=latest, results=latest_results, now=now),
        "completeness": measured_result(latest_results.get("completeness"), "completeness"),
        "availability": _availability(product=product, sla=sla, now=now) if runs else NOT_MEASURED,
    }

    freshness_threshold = {
        r["run_id"]: r["threshold"]
        for r in results
        if r["name"] == "freshness" and r["threshold"] is not None
    }
    default_max_age = getattr(sla, "freshness_max_age_hours", None)
    rows, ages = [], []
    for m in metrics:
        run = by_run[m["run_id"]]
        if m["name"] == "row_count":
            rows.append(Sample(_run_time(run), m["value"], label=_run_label(run)))
        else:
            limit = freshness_threshold.get(run.pk, default_max_age)
            passed = None if limit is None or m["value"] is None else m["value"] <= limit
            ages.append(Sample(_run_time(run), m["value"], limit, passed, _run_label(run)))
    monitoring.row_count_chart = time_chart(rows, title="Row count", unit="rows", width=560, height=220)
    monitoring.freshness_chart = time_chart(
        ages, title="Data age at each run", unit="h", width=560, height=220
    )
    return monitoring


def _freshness(*, product, sla, latest, results, now) -> Measured:
    """The data's age now: from the monitoring's `data_updated_at`, else from the newest run's
    freshness check (its age at the run plus the time since)."""
    max_age = getattr(sla, "freshness_max_age_hours", None)
    updated_at = product.data_updated_at
    if updated_at is None and latest is not None:
        r = results.get("freshness")
        if r is not None and r["count"] is not None:
            updated_at = (latest.started_at or _run_time(latest)) - dt.timedelta(hours=r["count"])
    if updated_at is None:
        return NOT_MEASURED
    age = max(0.0, (now - updated_at).total_seconds() / 3600)
    status = product.freshness_status
    if status == FreshnessStatus.UNKNOWN and max_age is not None:
        status = FreshnessStatus.FRESH if age <= max_age else FreshnessStatus.STALE
    state = {FreshnessStatus.FRESH: "ok", FreshnessStatus.LATE: "warn", FreshnessStatus.STALE: "error"}.get(
        status, "none"
    )
    detail = f"newest data {updated_at:%Y-%m-%d %H:%M} UTC"
    if max_age is not None:
        detail += f"; at most {age_display(max_age)} allowed"
    badge = FreshnessStatus(status).label.lower() if status != FreshnessStatus.UNKNOWN else ""
    return Measured(f"{age_display(age)} old", state if state != "none" else "ok", detail, badge)


def _availability(*, product, sla, now) -> Measured:
    """Measured availability: the share of the last 30 days' finished runs that could read
    the product's data (a run ends in `error` when the data could not be read)."""
    readable, total = alert_selectors.availability_counts(product_id=product.pk, now=now)
    if not total:
        return NOT_MEASURED
    share = 100.0 * readable / total
    promised = getattr(sla, "availability", None)
    state = "ok" if promised is None or share >= promised else "error"
    return Measured(
        f"{share:.4g}%",
        state,
        f"{readable} of {total} run{'s' if total != 1 else ''} read the data in the last 30 days",
        "met" if state == "ok" else "missed",
    )


@dataclass
class CheckHistory:
    name: str
    kind: str
    unit: str
    severity: str
    results: list[CheckResult]
    chart: Chart

    @property
    def latest(self) -> CheckResult | None:
        return self.results[0] if self.results else None

    @property
    def kind_label(self) -> str:
        from .models import CheckKind

        return CheckKind(self.kind).label if self.kind in CheckKind.values else self.kind

    @property
    def failures(self) -> int:
        return sum(1 for r in self.results if not r.passed)


def check_history(*, product, name: str, limit: int = CHECK_HISTORY_RUNS) -> CheckHistory | None:
    """One check's results over the product's newest finished runs (one query), newest first;
    None when no run ever measured a check of that name."""
    results = list(
        CheckResult.objects.filter(run__product=product, run__status__in=RUN_FINISHED, name=name)
        .select_related("run__version")
        .defer(*(f"run__version__{f}" for f in ("contract_text", "document", "contract", "violations")))
        .order_by("-run__finished_at", "-run_id")[:limit]
    )
    if not results:
        return None
    newest = results[0]
    unit = unit_of(newest.kind)
    samples = [Sample(_run_time(r.run), r.count, r.threshold, r.passed, _run_label(r.run)) for r in results]
    return CheckHistory(
        name=name,
        kind=newest.kind,
        unit=unit,
        severity=newest.severity,
        results=results,
        chart=time_chart(
            samples, title=f"{name}: counted value against its threshold", unit=unit, width=1080, height=300
        ),
    )


MONITOR_GRACE = dt.timedelta(seconds=30)


def run_settled(run: QualityRun, now: dt.datetime | None = None) -> bool:
    """Finished, and read by the monitoring (the data age, health and alerts it updates are what
    the refreshed tab shows); a run the monitoring has not read 30 s after it finished counts as
    settled all the same, so a page never polls for ever."""
    if not run.is_finished:
        return False
    now = now or timezone.now()
    return run.monitored_at is not None or (
        run.finished_at is not None and now - run.finished_at > MONITOR_GRACE
    )


def run_for_status(*, product, run_id: int) -> QualityRun | None:
    """A run of `product` (None for another product's run: the caller answers 404)."""
    return (
        QualityRun.objects.filter(product=product, pk=run_id)
        .select_related("version")
        .annotate(
            checks_failed=Count("results", filter=Q(results__passed=False)), checks_total=Count("results")
        )
        .first()
    )


def declared_check(*, product, name: str):
    """The current version's SQL check of that name (its description and query), if any."""
    from catalog.models import QualityCheck

    if not product.current_version_id:
        return None
    return QualityCheck.objects.filter(version_id=product.current_version_id, name=name).first()


# --- Alerts ------------------------------------------------------------------------------------
# The lists are governance.monitoring.selectors' (the API reads the same); the pages add the
# count of each state and a page of the cross-product list.

ALERTS_PER_PAGE = 25
STATE_FILTERS = tuple(alert_selectors.ALERT_STATE_FILTERS)


def alert_state_counts(queryset) -> dict[str, int]:
    """{"open": n, "acknowledged": n, "resolved": n, "active": n, "all": n} in one query."""
    from .models import AlertState

    counts = {s: 0 for s in AlertState.values}
    for row in queryset.order_by().values("state").annotate(n=Count("id")):
        counts[row["state"]] = row["n"]
    counts["active"] = counts[AlertState.OPEN] + counts[AlertState.ACKNOWLEDGED]
    counts["all"] = counts["active"] + counts[AlertState.RESOLVED]
    return counts


def product_alerts(*, product, state: str = "active", limit: int = 100) -> tuple[list, dict]:
    """The product's alerts in `state` (newest first, each with its events) and the count of
    each state: three queries."""
    listed = alert_selectors.product_alerts(product=product, state=state)[:limit]
    return list(listed), alert_state_counts(alert_selectors.product_alerts(product=product, state="all"))


def user_alerts(*, user, state: str = "active", severity: str = "", page: int = 1):
    """A page of the alerts on the products the user may act on (their teams' products; every
    product for a governance lead), newest first, each with its events, and the count of each
    state: four queries whatever the page size."""
    from django.core.paginator import Paginator

    every = alert_selectors.user_alerts(user=user, state="all")
    listed = alert_selectors.user_alerts(user=user, state=state)
    if severity:
        every, listed = every.filter(severity=severity), listed.filter(severity=severity)
    counts = alert_state_counts(every)
    paginator = Paginator(listed, ALERTS_PER_PAGE)
    # The count is already known: spare the paginator its COUNT(*).
    paginator.count = counts[state]
    return paginator.get_page(page), counts


def alert_with_history(*, alert_id: int):
    """One alert with its product and events (after an action; the caller checked access)."""
    from django.db.models import Prefetch

    from .models import Alert, AlertEvent

    return (
        Alert.objects.select_related("product__domain", "acknowledged_by", "resolved_by")
        .prefetch_related(
            Prefetch("events", queryset=AlertEvent.objects.select_related("actor").order_by("at", "id"))
        )
        .get(pk=alert_id)
    )
