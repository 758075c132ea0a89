"""Celery tasks of compliance: thin, they take ids and call a service."""

from celery import shared_task


@shared_task(name="governance.compliance.tasks.compliance_report_task", ignore_result=True)
def compliance_report_task(trigger: str = "schedule", requested_by_id: int | None = None) -> int:
    """Beat runs it daily (trigger "schedule"); the dashboard's button enqueues it ("manual")."""
    from django.contrib.auth import get_user_model

    from .services import compliance_report_run

    user = get_user_model().objects.filter(pk=requested_by_id).first() if requested_by_id else None
    return compliance_report_run(trigger=trigger, requested_by=user).pk


@shared_task(name="governance.compliance.tasks.waivers_sweep_task", ignore_result=True)
def waivers_sweep_task() -> dict:
    """Daily: record waivers past their date and remind owners a week before a waiver ends."""
    from .services import waivers_sweep

    return waivers_sweep()
