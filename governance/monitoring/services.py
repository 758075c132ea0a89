"""Monitoring writes: the sweeps, reading a finished run, and owners' actions on alerts.

- `products_due_sweep(now=)`: the beat sweep; claims products whose `next_check_at` is due
  (`select_for_update(skip_locked=True)` on PostgreSQL, a conditional UPDATE elsewhere), moves
  each one's next check forward and creates one queued run each, enqueued after the commit. Two
  sweeps at once never claim the same product.
- `freshness_sweep(now=)`: re-reads the freshness of products past `freshness_deadline_at`
  (no data is read: only the stored data time, the SLA and the clock).
- `run_process(run_id=, now=)`: the run task's body: execute the run, then `run_monitor`.
- `run_monitor(run_id=, now=)`: reads a finished run once (claimed with `monitored_at`):
  row-count change, data time, freshness, quality health, the next check, alerts.
- `product_run_request(...)`, `product_published_run(...)`: runs on demand and on publication.
- `alert_acknowledge(...)`, `alert_resolve(...)`: owners' actions, each an AlertEvent.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from catalog.models import DataProduct, FreshnessStatus, QualityHealth, ServiceLevel

from ..checks.service import quality_run_execute, quality_run_request
from ..models import (
    RUN_FINISHED,
    RUN_IN_FLIGHT,
    Alert,
    AlertEventKind,
    AlertState,
    CheckKind,
    CheckResult,
    MetricValue,
    QualityRun,
    QualityRunStatus,
    QualityRunTrigger,
)
from . import alerts as alert_rules
from .freshness import freshness_evaluate
from .notify import notifications_queue
from .scheduling import next_check_at
from .selectors import availability_counts
from .volume import files_modified_at, partition_counts, percent_change

logger = logging.getLogger(__name__)


def _now(now):
    return now or timezone.now()


def _enqueue_runs(run_ids: list[int]) -> None:
    from ..tasks import quality_run_task

    for run_id in run_ids:
        try:
            quality_run_task.delay(run_id)
        except Exception:  # a broker hiccup loses one message; the stuck-run sweep ends that run
            logger.exception("could not enqueue quality run %s", run_id)


# --- the beat sweeps -------------------------------------------------------------------------


def _due(now) -> Q:
    return Q(current_version__isnull=False) & (Q(next_check_at__lte=now) | Q(next_check_at__isnull=True))


def products_due_sweep(*, now: dt.datetime | None = None, batch: int | None = None) -> list[int]:
    """Claim every due product (in batches, one transaction each) and create one scheduled run
    for it. Returns the ids of the runs created; they are enqueued as each batch commits."""
    now = _now(now)
    batch = batch or settings.MESH_MONITOR_SWEEP_BATCH
    created: list[int] = []
    runs_stuck_close(now=now)
    while len(created) < settings.MESH_MONITOR_SWEEP_MAX:
        run_ids, claimed_rows = _claim_batch(now=now, batch=batch)
        created += run_ids
        if claimed_rows < batch:
            break
    return created


def _claim_batch(*, now, batch: int) -> tuple[list[int], int]:
    """(ids of the runs created, rows read) for one batch, in one transaction."""
    skip_locked = connection.features.has_select_for_update_skip_locked
    busy_since = now - dt.timedelta(seconds=settings.MESH_RUN_TIME_LIMIT_SECONDS * 2)
    with transaction.atomic():
        due = (
            DataProduct.objects.filter(_due(now))
            .order_by("next_check_at", "pk")
            .values_list("pk", "current_version_id", "next_check_at")
        )
        if skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        rows = list(due[:batch])
        if not rows:
            return [], 0
        product_ids = [pk for pk, _, _ in rows]
        crons = dict(
            ServiceLevel.objects.filter(version_id__in=[v for _, v, _ in rows]).values_list(
                "version_id", "update_schedule"
            )
        )
        # A product whose previous run is still queued or running (a slow queue) gets no second one.
        busy = set(
            QualityRun.objects.filter(
                product_id__in=product_ids, status__in=RUN_IN_FLIGHT, created_at__gte=busy_since
            ).values_list("product_id", flat=True)
        )
        by_next: dict[dt.datetime, list[tuple[int, int, dt.datetime | None]]] = defaultdict(list)
        for pk, version_id, old in rows:
            by_next[next_check_at(cron=crons.get(version_id) or "", now=now)].append((pk, version_id, old))
        claimed: list[tuple[int, int]] = []
        for when, group in by_next.items():
            if skip_locked:  # the rows are locked by us: one UPDATE per distinct next time
                DataProduct.objects.filter(pk__in=[pk for pk, _, _ in group]).update(next_check_at=when)
                claimed += [(pk, v) for pk, v, _ in group]
            else:  # no row locks (SQLite): each product is claimed by a conditional UPDATE
                for pk, version_id, old in group:
                    if DataProduct.objects.filter(pk=pk, next_check_at=old).update(next_check_at=when):
                        claimed.append((pk, version_id))
        runs = QualityRun.objects.bulk_create(
            [
                QualityRun(product_id=pk, version_id=version_id, trigger=QualityRunTrigger.SCHEDULE)
                for pk, version_id in claimed
                if pk not in busy
            ]
        )
        run_ids = [r.pk for r in runs]
        transaction.on_commit(lambda: _enqueue_runs(run_ids))
    return run_ids, len(rows)


def runs_stuck_close(*, now=None) -> int:
    """End runs whose worker is long gone (past the hard time limit twice) or that were never
    picked up, so a lost message does not keep a product 'running' forever."""
    now = _now(now)
    limit = dt.timedelta(seconds=settings.MESH_RUN_TIME_LIMIT_SECONDS * 2)
    closed = QualityRun.objects.filter(status=QualityRunStatus.RUNNING, started_at__lt=now - limit).update(
        status=QualityRunStatus.ERROR, finished_at=now, error="the worker running it was lost"
    )
    closed += QualityRun.objects.filter(
        status=QualityRunStatus.QUEUED,
        created_at__lt=now - dt.timedelta(hours=settings.MESH_RUN_QUEUED_MAX_HOURS),
    ).update(status=QualityRunStatus.ERROR, finished_at=now, error="never picked up by a worker")
    return closed


def freshness_sweep(*, now: dt.datetime | None = None, batch: int | None = None) -> int:
    """Re-evaluate freshness (state, deadline, freshness alerts) of the products past their
    deadline. One product's failure is logged and does not stop the others."""
    now = _now(now)
    batch = batch or settings.MESH_MONITOR_SWEEP_BATCH
    skip_locked = connection.features.has_select_for_update_skip_locked
    done = 0
    failed: set[int] = set()
    while True:
        with transaction.atomic():
            due = (
                DataProduct.objects.filter(freshness_deadline_at__lte=now)
                .exclude(pk__in=failed)
                .select_related("domain", "owning_team", "current_version__sla")
                .order_by("freshness_deadline_at", "pk")
            )
            if skip_locked:
                due = due.select_for_update(skip_locked=True, of=("self",))
            products = list(due[:batch])
            for product in products:
                try:
                    with transaction.atomic():
                        _freshness_refresh(product=product, now=now)
                    done += 1
                except Exception:
                    logger.exception("freshness sweep failed for product %s", product.pk)
                    failed.add(product.pk)
        if len(products) < batch:
            return done


def _sla(product) -> tuple[float | None, str]:
    version = product.current_version
    sla = getattr(version, "sla", None) if version else None
    if sla is None:
        return None, ""
    return sla.freshness_max_age_hours, sla.update_schedule or ""


def _age_thresholds(rules: list[dict]) -> tuple[float, ...]:
    return tuple(
        float(r["value"]) for r in rules if r.get("metric") == "age_hours" and r.get("op") in (">", ">=")
    )


def _freshness_refresh(*, product: DataProduct, now) -> None:
    rules = alert_rules.rules_of(product.current_version.contract) if product.current_version else []
    max_age, cron = _sla(product)
    fresh = freshness_evaluate(
        data_updated_at=product.data_updated_at,
        max_age_hours=max_age,
        cron=cron,
        now=now,
        age_thresholds=_age_thresholds(rules),
    )
    DataProduct.objects.filter(pk=product.pk).update(
        freshness_status=fresh.status, freshness_deadline_at=fresh.deadline
    )
    observation = alert_rules.Observation(values={"age_hours": fresh.age_hours})
    if fresh.status != FreshnessStatus.UNKNOWN:
        observation.events["freshness_violation"] = (
            fresh.status == FreshnessStatus.STALE,
            fresh.age_hours,
            f"the newest data is {fresh.age_display} old; the SLA allows {max_age:g} h"
            if max_age is not None
            else f"the newest data is {fresh.age_display} old",
        )
    events = alert_rules.alerts_apply(product=product, rules=rules, observation=observation, now=now)
    notifications_queue(events)


# --- a finished run --------------------------------------------------------------------------


def run_process(*, run_id: int, now: dt.datetime | None = None) -> bool:
    """Execute a queued run (if not done yet) and read it into the product's monitoring state.
    Both steps are idempotent, so a redelivered task records one result and one evaluation."""
    quality_run_execute(run_id=run_id, now=now)
    return run_monitor(run_id=run_id, now=now)


def run_monitor(*, run_id: int, now: dt.datetime | None = None) -> bool:
    """Read a finished run once: returns False when it is not finished or was read already."""
    moved_clock = now
    now = _now(now)
    with transaction.atomic():
        if not QualityRun.objects.filter(
            pk=run_id, status__in=RUN_FINISHED, monitored_at__isnull=True
        ).update(monitored_at=now):
            return False
        run = QualityRun.objects.select_related("version").get(pk=run_id)
        # The product row lock orders this evaluation with the freshness sweep and other runs.
        product = (
            DataProduct.objects.select_for_update(of=("self",))
            .select_related("domain", "owning_team", "current_version__sla")
            .get(pk=run.product_id)
        )
        # The engine measured ages at the run's start (or at the clock the caller moved).
        measured_at = moved_clock or run.started_at or now
        observation, data_time = _observe(run=run, product=product, measured_at=measured_at, now=now)
        newer = QualityRun.objects.filter(
            product_id=product.pk, monitored_at__isnull=False, finished_at__gt=run.finished_at
        ).exclude(pk=run.pk)
        if newer.exists():
            return True  # a newer run already set the product's state; this one only adds history
        _product_state_store(product=product, run=run, observation=observation, data_time=data_time, now=now)
        contract = product.current_version.contract if product.current_version else run.version.contract
        rules = alert_rules.rules_of(contract)
        events = alert_rules.alerts_apply(
            product=product, rules=rules, observation=observation, now=now, complete=True
        )
        notifications_queue(events)
    return True


def _observe(
    *, run: QualityRun, product: DataProduct, measured_at, now
) -> tuple[alert_rules.Observation, dt.datetime | None]:
    results = list(CheckResult.objects.filter(run=run))
    metrics = {m.name: m for m in MetricValue.objects.filter(run=run, column="")}
    values: dict[str, float | None] = {name: m.value for name, m in metrics.items()}
    extra: list[MetricValue] = []

    # Data time: the freshness check's newest timestamp, else the files' modification time.
    freshness = next((r for r in results if r.kind == CheckKind.FRESHNESS), None)
    data_time = None
    if freshness is not None and freshness.count is not None:
        data_time = measured_at - dt.timedelta(hours=freshness.count)
    elif (mtime := files_modified_at(run.version.contract)) is not None:
        data_time = mtime
        age = round((now - mtime).total_seconds() / 3600, 3)
        extra.append(
            MetricValue(
                run=run,
                product_id=run.product_id,
                name="freshness_age_hours",
                value=age,
                detail={"source": "file modification time"},
            )
        )
    values["age_hours"] = round((now - data_time).total_seconds() / 3600, 4) if data_time else None

    # Volume: the newest partition against the one before, else row_count against the last run.
    change, detail = None, None
    parts = partition_counts(run.version.contract)
    if parts and len(parts) == 2:
        (newest, rows), (before, rows_before) = parts
        change = percent_change(rows_before, rows)
        detail = {
            "basis": "partition",
            "partition": newest,
            "rows": rows,
            "previous": before,
            "previous_rows": rows_before,
        }
    elif values.get("row_count") is not None:
        previous = (
            MetricValue.objects.filter(
                product_id=run.product_id, name="row_count", column="", run_id__lt=run.pk
            )
            .order_by("-run_id")
            .values_list("run_id", "value")
            .first()
        )
        if previous is not None:
            change = percent_change(previous[1], values["row_count"])
            detail = {
                "basis": "previous_run",
                "previous_run": previous[0],
                "previous_rows": previous[1],
                "rows": values["row_count"],
            }
    if detail is not None:
        extra.append(
            MetricValue(
                run=run, product_id=run.product_id, name="row_count_change", value=change, detail=detail
            )
        )
    values["row_count_change"] = change
    MetricValue.objects.bulk_create(extra, ignore_conflicts=True)

    checks = [r for r in results if r.kind in (CheckKind.SQL, CheckKind.CONSTRAINT) and r.count is not None]
    failed = [r for r in checks if not r.passed]
    if checks:
        values["quality_checks_failed"] = float(len(failed))
    if values.get("completeness") is not None:
        values["null_rate"] = round(100.0 - values["completeness"], 6)

    observation = alert_rules.Observation(values=values, run_id=run.pk)
    if checks:
        names = ", ".join(r.name for r in failed[:5]) + (" …" if len(failed) > 5 else "")
        observation.events["quality_check_failed"] = (
            bool(failed),
            float(len(failed)),
            f"{len(failed)} of {len(checks)} checks failed: {names}"
            if failed
            else f"all {len(checks)} checks pass",
        )
    observation.events["quality_run_failed"] = (
        run.status == QualityRunStatus.ERROR,
        1.0 if run.status == QualityRunStatus.ERROR else 0.0,
        run.error or f"run {run.pk} {run.status}",
    )
    schema = [r for r in results if r.kind == CheckKind.SCHEMA and r.count is not None]
    if schema:
        drift = sum(r.count for r in schema)
        observation.events["schema_drift_detected"] = (
            drift > 0,
            drift,
            "; ".join(r.message for r in schema if r.count) or "the columns match the contract",
        )
    completeness = next(
        (r for r in results if r.kind == CheckKind.COMPLETENESS and r.count is not None), None
    )
    if completeness is not None:
        observation.events["completeness_violation"] = (
            not completeness.passed,
            completeness.count,
            completeness.message,
        )
    return observation, data_time


def _availability_observe(*, product, rules: list[dict], observation, now) -> None:
    """`availability_violation`: the share of the last 30 days' runs that could read the data
    (the SLA tab's figure, this run included) against `sla.availability`. Read only when a
    rule names the event and the SLA promises an availability."""
    version = product.current_version
    promised = getattr(getattr(version, "sla", None), "availability", None) if version else None
    if promised is None or not any(r.get("event") == "availability_violation" for r in rules):
        return
    readable, total = availability_counts(product_id=product.pk, now=now)
    if not total:
        return
    share = 100.0 * readable / total
    observation.events["availability_violation"] = (
        share < float(promised),
        round(share, 4),
        f"{readable} of {total} run{'s' if total != 1 else ''} in the last 30 days read the data "
        f"({share:.4g}%); the SLA promises {float(promised):g}%",
    )


def _health(run: QualityRun) -> str:
    if run.status == QualityRunStatus.PASSED:
        return QualityHealth.PASSING
    if run.status == QualityRunStatus.ERROR:
        return QualityHealth.FAILING
    severities = set(run.results.filter(passed=False).values_list("severity", flat=True))
    return QualityHealth.FAILING if severities & {"critical", "error"} else QualityHealth.WARNING


def _product_state_store(*, product, run, observation, data_time, now) -> None:
    rules = alert_rules.rules_of(product.current_version.contract) if product.current_version else []
    max_age, cron = _sla(product)
    fresh = freshness_evaluate(
        data_updated_at=data_time,
        max_age_hours=max_age,
        cron=cron,
        now=now,
        age_thresholds=_age_thresholds(rules),
    )
    if fresh.status != FreshnessStatus.UNKNOWN:
        observation.events["freshness_violation"] = (
            fresh.status == FreshnessStatus.STALE,
            fresh.age_hours,
            f"the newest data is {fresh.age_display} old"
            + (f"; the SLA allows {max_age:g} h" if max_age is not None else ""),
        )
    _availability_observe(product=product, rules=rules, observation=observation, now=now)
    product.quality_health = _health(run)
    product.freshness_status = fresh.status
    product.freshness_deadline_at = fresh.deadline
    product.data_updated_at = data_time
    product.last_checked_at = now
    product.next_check_at = next_check_at(cron=cron, now=now) if product.current_version_id else None
    DataProduct.objects.filter(pk=product.pk).update(
        quality_health=product.quality_health,
        freshness_status=product.freshness_status,
        freshness_deadline_at=product.freshness_deadline_at,
        data_updated_at=product.data_updated_at,
        last_checked_at=product.last_checked_at,
        next_check_at=product.next_check_at,
    )


# --- runs on demand and on publication ---------------------------------------------------------


def product_run_request(*, product: DataProduct, user) -> tuple[QualityRun, bool]:
    """An owner's "run checks now": (run, created). A run still queued or running is returned
    instead of a second one, so pressing the button twice runs the checks once."""
    if not DataProduct.objects.for_user(user, "change").filter(pk=product.pk).exists():
        raise PermissionDenied("Only the product's owners may run its checks.")
    with transaction.atomic():
        DataProduct.objects.select_for_update(of=("self",)).filter(pk=product.pk).first()
        busy_since = timezone.now() - dt.timedelta(seconds=settings.MESH_RUN_TIME_LIMIT_SECONDS * 2)
        running = (
            QualityRun.objects.filter(product=product, status__in=RUN_IN_FLIGHT, created_at__gte=busy_since)
            .order_by("-created_at")
            .first()
        )
        if running is not None:
            return running, False
        return quality_run_request(product=product, trigger=QualityRunTrigger.MANUAL, user=user), True


def product_published_run(*, product_id: int, version_id: int, now=None) -> int | None:
    """The publication task's body: one run of the newly published version, executed here.
    A redelivered task finds the run it created and only finishes it."""
    product = DataProduct.objects.filter(pk=product_id, current_version_id=version_id).first()
    if product is None:
        return None  # superseded by a newer version, or gone: its own publication runs it
    run = QualityRun.objects.filter(
        product_id=product_id, version_id=version_id, trigger=QualityRunTrigger.PUBLISH
    ).first()
    if run is None:
        run = QualityRun.objects.create(
            product_id=product_id, version_id=version_id, trigger=QualityRunTrigger.PUBLISH
        )
    run_process(run_id=run.pk, now=now)
    return run.pk


# --- owners' actions on alerts ---------------------------------------------------------------


def _alert_for_owner(*, alert_id: int, user) -> Alert:
    """The alert, locked; Alert.DoesNotExist when the user may not see its product (the caller
    answers 404), PermissionDenied when they may see it but not act on it."""
    alert = (
        Alert.objects.select_for_update(of=("self",))
        .select_related("product__domain", "product__owning_team")
        .filter(pk=alert_id, product__in=DataProduct.objects.for_user(user))
        .first()
    )
    if alert is None:
        raise Alert.DoesNotExist(alert_id)
    if not DataProduct.objects.for_user(user, "change").filter(pk=alert.product_id).exists():
        raise PermissionDenied("Only the product's owners may acknowledge or resolve its alerts.")
    return alert


class AlertStateError(Exception):
    """The alert is not in a state the action applies to."""


def alert_acknowledge(*, alert_id: int, user, note: str = "") -> Alert:
    """open -> acknowledged, by an owner."""
    with transaction.atomic():
        alert = _alert_for_owner(alert_id=alert_id, user=user)
        if alert.state != AlertState.OPEN:
            raise AlertStateError(f"the alert is {alert.state}; only an open alert can be acknowledged")
        alert_rules.alert_transition(
            alert=alert, kind=AlertEventKind.ACKNOWLEDGED, at=timezone.now(), actor=user, note=note
        )
    return alert


def alert_resolve(*, alert_id: int, user, note: str = "") -> Alert:
    """open or acknowledged -> resolved, by an owner. Should the condition still hold at the
    next evaluation, a new alert opens."""
    with transaction.atomic():
        alert = _alert_for_owner(alert_id=alert_id, user=user)
        if alert.state == AlertState.RESOLVED:
            raise AlertStateError("the alert is already resolved")
        event = alert_rules.alert_transition(
            alert=alert, kind=AlertEventKind.RESOLVED, at=timezone.now(), actor=user, note=note
        )
        notifications_queue([event])
    return alert
