"""Celery tasks of governance: thin, they take ids and call a service."""

from celery import shared_task


@shared_task(
    name="governance.tasks.quality_run_task",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def quality_run_task(run_id: int) -> None:
    """Execute a queued quality run. Idempotent: the service claims the run with a conditional
    UPDATE and results are unique per (run, name), so a redelivery records nothing twice."""
    from governance.checks.service import quality_run_execute

    quality_run_execute(run_id=run_id)
