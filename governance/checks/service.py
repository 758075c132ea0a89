"""Quality runs: request one, execute one, idempotently.

`quality_run_request(*, product, trigger, user=None)` creates a queued run of the product's
current version (else its newest) and enqueues `governance.tasks.quality_run_task` on commit.
`quality_run_execute(*, run_id)` is the task's body: it claims the run with a conditional
UPDATE (queued -> running, or a running run whose worker died, when redelivered), measures,
and writes the results under the (run, name) unique constraints, so a redelivered or
concurrent execution records each result once.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import DataProduct, ProductVersion

from ..models import CheckResult, MetricValue, QualityRun, QualityRunStatus, QualityRunTrigger
from .runner import RunReport, run_checks

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


def product_version_to_check(product: DataProduct) -> ProductVersion | None:
    if product.current_version_id:
        return product.current_version
    return product.versions.order_by("-major", "-minor", "-patch", "-created_at").first()


def quality_run_request(
    *, product: DataProduct, trigger: str = QualityRunTrigger.MANUAL, user=None
) -> QualityRun:
    """Create a queued run and enqueue it once the surrounding transaction commits."""
    from ..tasks import quality_run_task

    version = product_version_to_check(product)
    if version is None:
        raise ValueError(f"{product.ref} has no version to check")
    run = QualityRun.objects.create(
        product=product,
        version=version,
        trigger=trigger,
        requested_by=user if getattr(user, "pk", None) else None,
    )
    transaction.on_commit(lambda: quality_run_task.delay(run.pk))
    return run


def _claim(run_id: int) -> bool:
    """queued -> running; a run left `running` by a worker that died is claimed again
    (redelivery), at most MAX_ATTEMPTS times in all."""
    now = timezone.now()
    claimed = QualityRun.objects.filter(
        Q(status=QualityRunStatus.QUEUED) | Q(status=QualityRunStatus.RUNNING),
        pk=run_id,
        attempt__lt=MAX_ATTEMPTS,
    ).update(status=QualityRunStatus.RUNNING, started_at=now, attempt=F("attempt") + 1)
    if claimed:
        return True
    QualityRun.objects.filter(
        pk=run_id, status__in=[QualityRunStatus.QUEUED, QualityRunStatus.RUNNING], attempt__gte=MAX_ATTEMPTS
    ).update(status=QualityRunStatus.ERROR, finished_at=now, error=f"gave up after {MAX_ATTEMPTS} attempts")
    return False


def quality_run_execute(*, run_id: int, now: dt.datetime | None = None) -> QualityRun | None:
    """Run the checks of a queued run and store the results. Returns the run, or None when the
    run is already finished (a duplicate delivery) or does not exist."""
    if not _claim(run_id):
        return None
    run = QualityRun.objects.select_related("product__owning_team__domain", "version").get(pk=run_id)
    try:
        report = run_checks(contract=run.version.contract, product=run.product, now=now)
    except Exception as exc:  # the run must end in a state, whatever the engine raised
        logger.exception("quality run %s crashed", run_id)
        report = RunReport(error=f"{type(exc).__name__}: {exc}"[:2000])
    report_store(run=run, report=report)
    return run


def report_store(*, run: QualityRun, report: RunReport) -> None:
    """Write a report's results and finish the run; safe to call twice for the same run."""
    with transaction.atomic():
        CheckResult.objects.bulk_create(
            [
                CheckResult(
                    run=run,
                    position=i,
                    name=o.check.name,
                    kind=o.check.kind,
                    column=o.check.column or "",
                    passed=o.passed,
                    count=o.count,
                    threshold=o.check.threshold,
                    severity=o.check.severity,
                    message=o.message[:4000],
                )
                for i, o in enumerate(report.outcomes)
            ],
            ignore_conflicts=True,
        )
        MetricValue.objects.bulk_create(
            [
                MetricValue(
                    run=run,
                    product_id=run.product_id,
                    name=m.name,
                    column=m.column,
                    value=m.value,
                    detail=m.detail,
                )
                for m in report.metrics
            ],
            ignore_conflicts=True,
        )
        if report.error and all(o.count is None for o in report.outcomes):
            status = QualityRunStatus.ERROR
        else:
            status = QualityRunStatus.PASSED if report.passed else QualityRunStatus.FAILED
        run.status, run.error, run.finished_at = status, report.error, timezone.now()
        QualityRun.objects.filter(pk=run.pk).exclude(
            status__in=[QualityRunStatus.PASSED, QualityRunStatus.FAILED, QualityRunStatus.ERROR]
        ).update(status=status, error=report.error, finished_at=run.finished_at)


def quality_run_now(
    *,
    product: DataProduct,
    trigger: str = QualityRunTrigger.MANUAL,
    user=None,
    now=None,
    metrics: bool = True,
):
    """Create a run and execute it in this process (the management command). Returns (run, report)."""
    version = product_version_to_check(product)
    if version is None:
        raise ValueError(f"{product.ref} has no version to check")
    run = QualityRun.objects.create(product=product, version=version, trigger=trigger, requested_by=user)
    if not _claim(run.pk):  # pragma: no cover - a fresh run is always claimable
        raise IntegrityError("could not claim a new run")
    run.refresh_from_db()
    report = run_checks(contract=version.contract, product=product, now=now, metrics=metrics)
    report_store(run=run, report=report)
    run.refresh_from_db()
    return run, report


def latest_run_summary(product: DataProduct) -> dict | None:
    """What governance.rules.measured reads: the newest finished run of the product."""
    run = (
        QualityRun.objects.filter(
            product=product,
            status__in=[QualityRunStatus.PASSED, QualityRunStatus.FAILED, QualityRunStatus.ERROR],
        )
        .order_by("-finished_at", "-id")
        .first()
    )
    if run is None:
        return None
    return run_summary(run)


def run_summary(run: QualityRun) -> dict:
    results = list(run.results.values("name", "kind", "passed", "count", "threshold", "severity"))
    return {
        "run_id": run.pk,
        "status": run.status,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "error": run.error,
        "checks": results,
    }
