"""Normalized contracts for governance tests, built without the contract parser.

`seed_contract()` is the seed's data_product.yaml in normalized form (catalog.contracts
documents the shape). `contract(**overrides)` is the same product made compliant with every
rule under the seed policy file (so a test changes only what it is about); overrides use `__`
for nested keys: `contract(classification="public", sla__completeness=None)`.
"""

from __future__ import annotations

import copy
from pathlib import Path

from governance.policies import PolicyParams, parse_policy_file

POLICY_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "governance_policy.yaml"


def field(
    name: str, type: str = "string", *, description: str | None = None, constraints=(), **extra
) -> dict:
    """A normalized schema field; constraints as dicts or shorthand strings ("unique", "not_null")."""
    return {
        "name": name,
        "type": type,
        "description": description if description is not None else f"The {name.replace('_', ' ')}",
        "constraints": [{"type": c} if isinstance(c, str) else dict(c) for c in constraints],
        "is_pii": False,
        "pii_category": None,
        "is_primary_key": False,
    } | extra


def check(name: str, query: str | None = None, *, threshold: float = 0.0, severity: str = "critical") -> dict:
    return {
        "name": name,
        "query": query or f"SELECT COUNT(*) FROM orders WHERE NOT ({name})",
        "threshold": threshold,
        "severity": severity,
        "description": None,
    }


def metric(name: str, *, builtin: bool = True) -> dict:
    return {"name": name, "sql": None, "builtin": builtin}


def alert(type: str, condition: str = "x > 1", severity: str = "warning", **parsed) -> dict:
    """An alert; `parsed` sets what the parser reads from the condition (metric, op, value, ...)."""
    return {
        "type": type,
        "condition": condition,
        "severity": severity,
        "metric": None,
        "op": None,
        "value": None,
        "percent": False,
        "event": None,
    } | parsed


_SEED = {
    "name": "sales_orders_analytical",
    "version": "2.1.0",
    "domain": "sales",
    "owner": {"team": "sales-analytics", "contact": "sales-analytics@example.com", "slack": "#sales-data"},
    "description": (
        "Analytical view of sales orders with customer and product enrichments.\n"
        "Updated daily at 2 AM UTC with full refresh.\n"
    ),
    "readme": None,
    "classification": None,
    "retention_days": None,
    "encryption_enabled": False,
    "audit_logging_enabled": False,
    "tags": [],
    "schema": {
        "type": "parquet",
        "location": "s3://data-products/sales/orders/",
        "table": "orders",
        "partitioned_by": ["order_date"],
        "fields": [
            field("order_id", description="Unique order identifier", constraints=["unique", "not_null"]),
            field("customer_id", description="Customer identifier", constraints=["not_null"]),
            field("order_date", "date", description="Date order was placed", constraints=["not_null"]),
            field(
                "total_amount",
                "decimal(12,2)",
                description="Total order amount in USD",
                constraints=["not_null", {"type": "min", "value": 0}],
            ),
            field(
                "status",
                description="Order status",
                constraints=[{"type": "in", "value": ["pending", "completed", "cancelled", "refunded"]}],
            ),
            field("customer_segment", description="Customer value segment"),
            field("product_count", "integer", description="Number of products in order"),
        ],
    },
    "input_ports": [],
    "output_ports": [],
    "access": {
        "discovery": "public",
        "read": [
            {"kind": "role", "value": "analyst"},
            {"kind": "role", "value": "data_scientist"},
            {"kind": "domain", "value": "marketing"},
            {"kind": "domain", "value": "finance"},
        ],
        "write": [{"kind": "domain", "value": "sales"}],
    },
    "sla": {
        "availability": 99.9,
        "freshness": {"max_age_hours": 24.0, "update_schedule": "0 2 * * *", "timestamp_field": None},
        "completeness": {"min_threshold": 99.5},
        "quality_checks": [
            check("no_negative_amounts", "SELECT COUNT(*) FROM orders WHERE total_amount < 0"),
            check(
                "valid_status",
                "SELECT COUNT(*) FROM orders WHERE status NOT IN ('pending', 'completed', 'cancelled', 'refunded')",
            ),
            check(
                "referential_integrity",
                "SELECT COUNT(*) FROM orders o LEFT JOIN customers c ON o.customer_id = c.id WHERE c.id IS NULL",
            ),
        ],
    },
    "observability": {
        "metrics": [
            metric("row_count"),
            metric("avg_order_value", builtin=False),
            metric("null_percentage_by_column"),
            metric("schema_drift"),
        ],
        "alerts": [
            alert("freshness", "age_hours > 26", "critical", metric="age_hours", op=">", value=26.0),
            alert(
                "volume",
                "row_count_change > 50%",
                "warning",
                metric="row_count_change",
                op=">",
                value=50.0,
                percent=True,
            ),
            alert("quality", "quality_check_failed", "critical", event="quality_check_failed"),
        ],
    },
    "changelog": [
        {
            "version": "2.1.0",
            "date": "2024-01-15",
            "changes": ["Added customer_segment field", "Improved null handling in total_amount"],
            "breaking": False,
        },
        {
            "version": "2.0.0",
            "date": "2023-12-01",
            "changes": ["Changed order_id from integer to string", "Removed legacy status values"],
            "breaking": True,
        },
    ],
    "deprecation": None,
}


def seed_contract() -> dict:
    """The seed's example product, exactly as normalized (it has violations)."""
    return copy.deepcopy(_SEED)


def _compliant() -> dict:
    c = seed_contract()
    c["classification"] = "internal"
    c["retention_days"] = 1095
    c["schema"]["fields"][0]["is_primary_key"] = True
    c["sla"]["quality_checks"].append(
        check("amount_accuracy", "SELECT COUNT(*) FROM orders WHERE total_amount IS NULL")
    )
    c["observability"]["metrics"] += [metric("distinct_count"), metric("value_distribution")]
    c["observability"]["alerts"].append(alert("schema", "schema_changed", "warning"))
    return c


def contract(**overrides) -> dict:
    """A compliant normalized contract with `overrides` applied (`a__b=value` sets c["a"]["b"])."""
    c = _compliant()
    for key, value in overrides.items():
        set_path(c, key.replace("__", "."), value)
    return c


def set_path(c: dict, path: str, value) -> dict:
    *parents, last = path.split(".")
    target = c
    for part in parents:
        target = target[part]
    target[last] = copy.deepcopy(value)
    return c


def get_field(c: dict, name: str) -> dict:
    return next(f for f in c["schema"]["fields"] if f["name"] == name)


def with_field(c: dict, name: str, /, **changes) -> dict:
    """Change attributes of the schema field `name` (in place; returns the contract)."""
    f = get_field(c, name)
    for key, value in changes.items():
        if key == "constraints":
            value = [{"type": x} if isinstance(x, str) else dict(x) for x in value]
        f[key] = value
    return c


def add_field(c: dict, name: str, type: str = "string", **kwargs) -> dict:
    c["schema"]["fields"].append(field(name, type, **kwargs))
    return c


def without_field(c: dict, name: str) -> dict:
    c["schema"]["fields"] = [f for f in c["schema"]["fields"] if f["name"] != name]
    return c


def next_version(previous: dict, version: str, *, breaking: bool = False, **overrides) -> dict:
    """A copy of `previous` as `version`, with its changelog entry first."""
    c = copy.deepcopy(previous)
    c["version"] = version
    c["changelog"].insert(0, {"version": version, "date": None, "changes": ["Changed"], "breaking": breaking})
    for key, value in overrides.items():
        set_path(c, key.replace("__", "."), value)
    return c


def seed_policy_params() -> PolicyParams:
    """The seed policy file (tests/fixtures copy) as the engine sees it."""
    return parse_policy_file(POLICY_FILE.read_text(), str(POLICY_FILE)).params(version=1)


def policy_params(yaml_text: str) -> PolicyParams:
    return parse_policy_file(yaml_text, "<test>").params(version=1)
