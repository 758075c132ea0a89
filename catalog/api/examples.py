"""OpenAPI examples of the catalog API (they name the `sales/orders` product of the README's
walkthrough, which the schemathesis test loads too, so its examples phase hits real objects)."""

from drf_spectacular.utils import OpenApiExample

ORDERS_SUMMARY = {
    "domain": "sales",
    "name": "orders",
    "version": "1.0.0",
    "classification": "internal",
    "status": "published",
    "description": "Orders placed in the web shop.",
    "owning_team": "sales-analytics",
    "tags": ["orders"],
    "updated_at": "2024-01-15T09:30:00Z",
}

PRODUCT_SEARCH = OpenApiExample(
    "Search for orders",
    value={
        "count": 1,
        "page": 1,
        "pages": 1,
        "next": None,
        "previous": None,
        "results": [ORDERS_SUMMARY],
        "facets": {
            "domain": [{"value": "sales", "label": "sales", "count": 1, "selected": False}],
            "classification": [{"value": "internal", "label": "Internal", "count": 1, "selected": False}],
        },
    },
    response_only=True,
)

PRODUCT_DETAIL = OpenApiExample(
    "sales/orders",
    value={
        **ORDERS_SUMMARY,
        "current_version": "1.0.0",
        "discovery": "public",
        "contact": "sales@example.com",
        "fields": [
            {
                "name": "order_id",
                "type": "string",
                "description": "Unique order identifier",
                "constraints": ["unique", "not_null"],
                "is_primary_key": True,
                "is_pii": False,
                "pii_category": "",
            }
        ],
        "output_ports": [
            {
                "name": "orders",
                "type": "parquet",
                "location": "s3://data-products/sales/orders/",
                "description": "",
            }
        ],
        "input_ports": [{"table": "raw_orders", "product": "sales/raw_orders"}],
    },
    response_only=True,
)

VERSION_LIST = OpenApiExample(
    "A draft kept by the gate (as an owner: with the findings)",
    # One item: drf-spectacular lists it, as the response is a list.
    value={
        "version": "1.1.0",
        "status": "draft",
        "breaking": False,
        "published_at": None,
        "created_at": "2024-02-01T08:00:00Z",
        "date": "2024-02-01",
        "changes": ["Add the currency column"],
        "violations": [
            {
                "policy": "pii_classification",
                "severity": "error",
                "message": "A PII field needs classification confidential or restricted.",
                "field": "schema.fields[2]",
                "fix": "Set classification: confidential.",
            }
        ],
    },
    response_only=True,
)

# A complete contract in the seed format (docs/contract-format.md): version 1.1.0 of sales/orders.
CONTRACT_YAML_TEXT = """\
name: orders
version: 1.1.0
domain: sales
owner:
  team: sales-analytics
  contact: sales@example.com
description: Orders placed in the web shop.
classification: internal
retention_days: 1095
tags:
- orders
schema:
  type: parquet
  location: s3://data-products/sales/orders/
  fields:
  - name: order_id
    type: string
    description: Unique order identifier
    is_primary_key: true
    constraints:
    - unique
    - not_null
  - name: total_amount
    type: decimal(12,2)
    description: Order total
    constraints:
    - min: 0
access:
  discovery: public
  read:
  - role: analyst
  write:
  - domain: sales
sla:
  availability: 99.9%
  freshness:
    max_age_hours: 24
    update_schedule: 0 2 * * *
  completeness:
    min_threshold: 99.5%
  quality_checks:
  - name: no_negative_amounts
    query: SELECT COUNT(*) FROM orders WHERE total_amount < 0
    threshold: 0
observability:
  metrics:
  - row_count
  - null_percentage_by_column
  - distinct_count
  alerts:
  - type: freshness
    condition: age_hours > 26
    severity: critical
  - type: volume
    condition: row_count_change > 50%
    severity: warning
  - type: quality
    condition: quality_check_failed
    severity: critical
  - type: schema
    condition: schema_drift_detected
    severity: warning
changelog:
- version: 1.1.0
  date: '2024-02-01'
  changes:
  - Describe the order total in the contract
  breaking: false
- version: 1.0.0
  date: '2024-01-15'
  changes:
  - First version
  breaking: false
"""

CONTRACT = OpenApiExample(
    "As JSON",
    value={
        "domain": "sales",
        "name": "orders",
        "version": "1.1.0",
        "status": "published",
        "format": "seed",
        "contract": CONTRACT_YAML_TEXT,
    },
    response_only=True,
    media_type="application/json",
)
CONTRACT_YAML = OpenApiExample(
    "As YAML",
    value={"name": "orders", "version": "1.1.0", "domain": "sales", "...": "the rest of the contract"},
    response_only=True,
    media_type="application/yaml",
)

CONTRACT_PROBLEM = {
    "file": "sales/orders",
    "line": 12,
    "column": 9,
    "path": "schema.fields[1].type",
    "message": "unknown type 'money'",
    "severity": "error",
}

SUBMIT_YAML = OpenApiExample(
    "A contract as YAML",
    value=CONTRACT_YAML_TEXT,
    request_only=True,
    media_type="application/yaml",
)
SUBMIT_JSON = OpenApiExample(
    "A contract in JSON",
    value={"contract": CONTRACT_YAML_TEXT},
    request_only=True,
    media_type="application/json",
)
SUBMIT_OUTCOME = OpenApiExample(
    "Published",
    value={
        "file": "sales/orders",
        "action": "new_version",
        "product": "sales/orders",
        "version": "1.1.0",
        "status": "published",
        "published": True,
        "stored": True,
        "dry_run": False,
        "message": "",
        "errors": [],
        "warnings": [],
        "violations": [],
    },
    response_only=True,
    status_codes=["200", "201"],
)
SUBMIT_ERRORS_400 = [
    OpenApiExample(
        "invalid_contract",
        value={
            "error": {
                "code": "invalid_contract",
                "message": "The contract is not valid.",
                "details": [CONTRACT_PROBLEM],
            }
        },
        response_only=True,
        status_codes=["400"],
    ),
    OpenApiExample(
        "invalid",
        value={
            "error": {
                "code": "invalid",
                "message": 'A JSON body must be {"contract": "<YAML text>"}.',
                "details": [],
            }
        },
        response_only=True,
        status_codes=["400"],
    ),
]

DOMAIN_LIST = OpenApiExample(
    "The sales domain",
    value={
        "name": "sales",
        "bounded_context": "Orders, customers and revenue",
        "description": "Everything from cart to invoice.",
        "teams": [{"name": "sales-analytics", "contact": "sales@example.com"}],
        "product_count": 3,
    },
    response_only=True,
)
