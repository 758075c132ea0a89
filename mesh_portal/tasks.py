import logging
import os
import socket

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="mesh_portal.tasks.heartbeat")
def heartbeat() -> dict:
    """Prove the worker and beat are alive: logs and returns where and when it ran."""
    result = {"at": timezone.now().isoformat(), "host": socket.gethostname(), "pid": os.getpid()}
    logger.info("heartbeat ok %s", result)
    return result


@shared_task(name="mesh_portal.tasks.echo")
def echo(value):
    """Round-trip a JSON value through the broker (used by the broker health test)."""
    return {"echo": value, "pid": os.getpid()}
