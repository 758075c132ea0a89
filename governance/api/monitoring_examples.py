"""OpenAPI examples of the monitoring API. They name `sales/orders`, the product of the README's
walkthrough that the schemathesis test loads too, so its examples phase reaches a real product."""

from drf_spectacular.utils import OpenApiExample


def page(item: dict) -> dict:
    return {"count": 1, "next": None, "previous": None, "results": [item]}


RUN = {
    "id": 41,
    "version": "2.1.0",
    "status": "failed",
    "trigger": "schedule",
    "attempt": 1,
    "error": "",
    "requested_by": None,
    "created_at": "2025-06-02T12:00:00Z",
    "started_at": "2025-06-02T12:00:01Z",
    "finished_at": "2025-06-02T12:00:02Z",
    "checks_total": 9,
    "checks_failed": 1,
}
QUEUED_RUN = {
    **RUN,
    "status": "queued",
    "trigger": "manual",
    "attempt": 0,
    "requested_by": "owner",
    "started_at": None,
    "finished_at": None,
    "checks_total": 0,
    "checks_failed": 0,
}
ALERT = {
    "id": 7,
    "product": "sales/orders",
    "rule_key": "freshness:age_hours > 30",
    "rule_type": "freshness",
    "condition": "age_hours > 30",
    "metric": "age_hours",
    "severity": "critical",
    "state": "open",
    "message": "age_hours is 72.00 h (3 d); the rule is age_hours > 30",
    "last_value": 72.0,
    "last_value_display": "3 d",
    "threshold": 30.0,
    "run": 41,
    "opened_at": "2025-06-02T12:00:00Z",
    "last_seen_at": "2025-06-02T12:00:00Z",
    "acknowledged_at": None,
    "acknowledged_by": None,
    "resolved_at": None,
    "resolved_by": None,
    "events": [
        {
            "kind": "opened",
            "at": "2025-06-02T12:00:00Z",
            "actor": None,
            "value": 72.0,
            "note": "age_hours is 72.00 h (3 d); the rule is age_hours > 30",
        }
    ],
}
ACKNOWLEDGED_ALERT = {
    **ALERT,
    "state": "acknowledged",
    "acknowledged_at": "2025-06-02T12:30:00Z",
    "acknowledged_by": "owner",
    "events": [
        *ALERT["events"],
        {
            "kind": "acknowledged",
            "at": "2025-06-02T12:30:00Z",
            "actor": "owner",
            "value": None,
            "note": "Looking into the export job.",
        },
    ],
}
RESOLVED_ALERT = {
    **ACKNOWLEDGED_ALERT,
    "state": "resolved",
    "resolved_at": "2025-06-02T14:00:00Z",
    "resolved_by": "owner",
    "events": [
        *ACKNOWLEDGED_ALERT["events"],
        {
            "kind": "resolved",
            "at": "2025-06-02T14:00:00Z",
            "actor": "owner",
            "value": None,
            "note": "Export job restarted.",
        },
    ],
}

RUN_PAGE = OpenApiExample("A page of runs", value=page(RUN), response_only=True)
RUN_QUEUED = OpenApiExample(
    "Queued", value={"created": True, "run": QUEUED_RUN}, response_only=True, status_codes=["202"]
)
RUN_ALREADY_QUEUED = OpenApiExample(
    "Already queued (pressed twice)",
    value={"created": False, "run": QUEUED_RUN},
    response_only=True,
    status_codes=["200"],
)
RUN_DETAIL = OpenApiExample(
    "A finished run",
    value={
        **RUN,
        "results": [
            {
                "name": "freshness",
                "kind": "freshness",
                "column": "loaded_at",
                "passed": False,
                "count": 72.0,
                "threshold": 24.0,
                "severity": "critical",
                "message": "newest loaded_at is 2025-05-30T12:00:00, 72 hours old",
            }
        ],
        "metrics": [{"name": "row_count", "column": "", "value": 5400.0, "detail": None}],
    },
    response_only=True,
)
METRIC_HISTORY = OpenApiExample(
    "Row count and a check over three runs",
    value={
        "metrics": {
            "row_count": [
                {"run": 39, "at": "2025-06-01T12:00:02Z", "value": 5200.0, "detail": None},
                {"run": 40, "at": "2025-06-02T02:10:02Z", "value": 5300.0, "detail": None},
                {"run": 41, "at": "2025-06-02T12:00:02Z", "value": 5400.0, "detail": None},
            ]
        },
        "checks": {
            "freshness": [
                {"run": 40, "at": "2025-06-02T02:10:02Z", "passed": True, "count": 14.2, "threshold": 24.0},
                {"run": 41, "at": "2025-06-02T12:00:02Z", "passed": False, "count": 72.0, "threshold": 24.0},
            ]
        },
        "available": ["completeness", "freshness_age_hours", "row_count", "row_count_change"],
    },
    response_only=True,
)
ALERT_PAGE = OpenApiExample("An open freshness alert", value=page(ALERT), response_only=True)
ACKNOWLEDGE = OpenApiExample("A note", value={"note": "Looking into the export job."}, request_only=True)
ACKNOWLEDGED = OpenApiExample("Acknowledged", value=ACKNOWLEDGED_ALERT, response_only=True)
RESOLVE = OpenApiExample("A note", value={"note": "Export job restarted."}, request_only=True)
RESOLVED = OpenApiExample("Resolved", value=RESOLVED_ALERT, response_only=True)
