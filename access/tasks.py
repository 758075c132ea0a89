"""Thin Celery tasks: they take ids and call a service."""

from celery import shared_task


@shared_task(name="access.tasks.access_request_notify")
def access_request_notify(request_id: int, event: str) -> int:
    from .services import access_request_notification_send

    return access_request_notification_send(request_id=request_id, event=event)


@shared_task(name="access.tasks.access_grant_notify")
def access_grant_notify(grant_id: int, event: str) -> int:
    from .services import access_grant_notification_send

    return access_grant_notification_send(grant_id=grant_id, event=event)


@shared_task(name="access.tasks.access_grants_expire_task")
def access_grants_expire_task() -> int:
    """The beat sweep: end the grants past their end date and notify their holders."""
    from .services import access_grants_expire

    return len(access_grants_expire())
