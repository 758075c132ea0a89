import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesh_portal.settings")

app = Celery("mesh_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.imports = ("mesh_portal.tasks", "governance.compliance.tasks")

# Static sweeps only: per-product timing lives in indexed columns that the sweeps read.
app.conf.beat_schedule = {
    "heartbeat": {
        "task": "mesh_portal.tasks.heartbeat",
        "schedule": float(os.environ.get("MESH_HEARTBEAT_SECONDS", "60")),
    },
    # Reads refuse expired grants by themselves; the sweep removes their permissions and notifies.
    "access-grants-expire": {
        "task": "access.tasks.access_grants_expire_task",
        "schedule": float(os.environ.get("MESH_GRANT_EXPIRY_SECONDS", "300")),
    },
    # Claims the products whose next_check_at is due and enqueues one quality run each.
    "monitoring-sweep": {
        "task": "governance.tasks.monitoring_sweep_task",
        "schedule": float(os.environ.get("MESH_MONITOR_SWEEP_SECONDS", "60")),
    },
    # Re-reads freshness (and freshness alerts) of the products past freshness_deadline_at.
    "freshness-sweep": {
        "task": "governance.tasks.freshness_sweep_task",
        "schedule": float(os.environ.get("MESH_FRESHNESS_SWEEP_SECONDS", "60")),
    },
    # Folds the increments that the triggers add to the browse facet counts into one row each.
    "catalog-facet-counts-compact": {
        "task": "catalog.tasks.facet_counts_compact_task",
        "schedule": float(os.environ.get("MESH_FACET_COUNTS_COMPACT_SECONDS", "60")),
    },
    # Daily, in TIME_ZONE: waivers first (expiries recorded, reminders sent), then the report.
    "compliance-waivers-sweep": {
        "task": "governance.compliance.tasks.waivers_sweep_task",
        "schedule": crontab(minute=5, hour=0),
    },
    "compliance-report-daily": {
        "task": "governance.compliance.tasks.compliance_report_task",
        "schedule": crontab(minute=15, hour=0),
        "args": ("schedule",),
    },
}
