"""OpenAPI examples of the compliance API (the products of the seed world, as in the tests)."""

from drf_spectacular.utils import OpenApiExample

SUMMARY = {
    "id": 7,
    "as_of": "2026-11-26",
    "trigger": "schedule",
    "policy_set_version": 1,
    "started_at": "2026-11-26T00:15:00+00:00",
    "finished_at": "2026-11-26T00:15:02+00:00",
    "products": 12,
    "compliant": 11,
    "score": 96.1,
    "open_violations": 6,
    "by_severity": {"critical": 1, "error": 1, "warning": 4, "info": 6},
    "by_policy": {
        "domain_data_quality": 1,
        "observability_requirements": 2,
        "pii_handling": 2,
        "schema_validation": 1,
    },
    "waived": 0,
}
DOMAIN = {
    "domain": "marketing",
    "products": 3,
    "compliant": 2,
    "score": 88.3,
    "by_severity": {"critical": 1, "error": 1, "warning": 0, "info": 0},
    "by_policy": {"pii_handling": 2},
    "waived": 0,
}
VIOLATION = {
    "policy": "pii_handling",
    "severity": "critical",
    "field": "encryption_enabled",
    "message": "The product has PII fields (contact_email, contact_name) but column encryption is not enabled.",
    "fix": "Set encryption_enabled: true.",
    "measured": False,
    "waived": False,
    "waiver": None,
}
PRODUCT_ROW = {
    "product": "marketing/lead_attribution",
    "version": "0.9.0",
    "version_status": "draft",
    "score": 65.0,
    "compliant": False,
    "by_severity": {"critical": 1, "error": 1, "warning": 0, "info": 0},
    "waived": 0,
    "violations": [VIOLATION],
}
WAIVER = {
    "id": 3,
    "product": "sales/sales_orders_analytical",
    "policy": "schema_validation",
    "reason": "The primary key lands with the Q1 migration of the order store.",
    "expires_on": "2027-01-31",
    "created_by": "governance",
    "created_at": "2026-11-26T10:00:00+00:00",
    "in_force": True,
    "reminder_sent_at": None,
    "ended_at": None,
    "end_reason": "",
}


def page(*items: dict) -> dict:
    return {"count": len(items), "next": None, "previous": None, "results": list(items)}


REPORT_PAGE = OpenApiExample("A page of reports", value=page(SUMMARY), response_only=True)
REPORT_QUEUED = OpenApiExample("Queued", value={"queued": True}, response_only=True, status_codes=["202"])
REPORT = OpenApiExample(
    "The latest report", value={"report": SUMMARY, "domains": [DOMAIN]}, response_only=True
)
REPORT_PRODUCTS = OpenApiExample(
    "Products with open pii_handling violations", value=page(PRODUCT_ROW), response_only=True
)
DASHBOARD = OpenApiExample(
    "Dashboard",
    value={
        "report": SUMMARY,
        "tables": {
            "sla": [
                {
                    "domain": "sales",
                    "products": 3,
                    "freshness_measured": 2,
                    "fresh": 2,
                    "late": 0,
                    "stale": 0,
                    "freshness_attainment": 100.0,
                    "quality_measured": 2,
                    "passing": 1,
                    "warning": 1,
                    "failing": 0,
                    "quality_attainment": 50.0,
                }
            ]
        },
        "totals": {"violations": 6},
    },
    response_only=True,
)
PRODUCT_COMPLIANCE = OpenApiExample(
    "An owner reads a draft product's compliance",
    value={
        **PRODUCT_ROW,
        "history": [{"report": 7, "as_of": "2026-11-26", "score": 65.0, "compliant": False}],
    },
    response_only=True,
)
PRODUCT_COMPLIANCE_SCORE_ONLY = OpenApiExample(
    "An analyst reads the score only",
    value={
        **PRODUCT_ROW,
        "violations": None,
        "history": [],
    },
    response_only=True,
)
WAIVER_PAGE = OpenApiExample("Waivers", value=page(WAIVER), response_only=True)
WAIVER_CREATE = OpenApiExample(
    "Waive the primary-key warning until the end of January",
    value={
        "product": "sales/sales_orders_analytical",
        "policy": "schema_validation",
        "reason": "The primary key lands with the Q1 migration of the order store.",
        "expires_on": "2027-01-31",
    },
    request_only=True,
)
WAIVER_CREATED = OpenApiExample("Created", value=WAIVER, response_only=True, status_codes=["201"])
WAIVER_READ = OpenApiExample("A waiver", value=WAIVER, response_only=True)
