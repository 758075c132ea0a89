"""Celery tasks of governance: thin, they take ids and call a service.

Every task here is idempotent (a redelivery changes nothing twice), acknowledged late and
rejected back to the queue when its worker dies (`acks_late`, `reject_on_worker_lost`), retried
with exponential backoff only on connection errors (database or broker), and bounded by a hard
time limit. One product per task: one product's failure never stops another's.
"""

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError

CONNECTION_ERRORS = (OperationalError, InterfaceError, BrokerOperationalError, ConnectionError)
ROBUST = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": CONNECTION_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
    "time_limit": settings.MESH_RUN_TIME_LIMIT_SECONDS,
    "soft_time_limit": max(settings.MESH_RUN_TIME_LIMIT_SECONDS - 15, 1),
    "ignore_result": True,
}


@shared_task(name="governance.tasks.quality_run_task", **ROBUST)
def quality_run_task(run_id: int) -> None:
    """Execute a queued quality run and read it into the product's monitoring state. The run is
    claimed with a conditional UPDATE, results are unique per (run, name) and the monitoring
    claims the run with `monitored_at`, so a redelivery records nothing twice."""
    from governance.monitoring.services import run_process

    run_process(run_id=run_id)


@shared_task(name="governance.tasks.product_published_task", **ROBUST)
def product_published_task(product_id: int, version_id: int) -> None:
    """A newly published version: run its checks once."""
    from governance.monitoring.services import product_published_run

    product_published_run(product_id=product_id, version_id=version_id)


@shared_task(
    name="governance.tasks.monitoring_sweep_task", **{**ROBUST, "time_limit": 300, "soft_time_limit": 280}
)
def monitoring_sweep_task() -> int:
    """Beat, every minute: claim the products due for a check and enqueue a run for each."""
    from governance.monitoring.services import products_due_sweep

    return len(products_due_sweep())


@shared_task(
    name="governance.tasks.freshness_sweep_task", **{**ROBUST, "time_limit": 300, "soft_time_limit": 280}
)
def freshness_sweep_task() -> int:
    """Beat: re-read the freshness of the products past their freshness deadline."""
    from governance.monitoring.services import freshness_sweep

    return freshness_sweep()


@shared_task(
    name="governance.tasks.alert_notification_task",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    time_limit=120,
    soft_time_limit=100,
)
def alert_notification_task(self, notification_id: int) -> str:
    """Deliver one alert notification; retried with exponential backoff while the receiver
    fails (connection errors, timeouts, 5xx, 429), given up after MESH_NOTIFY_MAX_RETRIES."""
    from governance.monitoring.notify import DeliveryError, notification_deliver, notification_give_up

    try:
        return notification_deliver(notification_id=notification_id)
    except DeliveryError as exc:
        if self.request.retries >= settings.MESH_NOTIFY_MAX_RETRIES:
            notification_give_up(notification_id=notification_id)
            return "failed"
        countdown = min(settings.MESH_NOTIFY_RETRY_BASE_SECONDS * 2**self.request.retries, 3600)
        raise self.retry(exc=exc, countdown=countdown) from exc
