"""Generating the example organization's data and its manifest."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from pathlib import Path

from . import finance, marketing, product, sales
from .base import S3_PREFIX, Generation, Problem, contract_constraints

SEED = 20240115
MANIFEST_FORMAT = 1

# In dependency order: orders and interactions need the customers, revenue the orders, leads the
# campaigns, engagement the events, financial metrics the ledger and receivables.
PRODUCTS = [
    ("marketing/customer_segments", marketing.customer_segments),
    ("sales/sales_orders_analytical", sales.sales_orders_analytical),
    ("sales/customer_interactions", sales.customer_interactions),
    ("sales/revenue_metrics", sales.revenue_metrics),
    ("marketing/campaign_performance", marketing.campaign_performance),
    ("marketing/lead_attribution", marketing.lead_attribution),
    ("product/feature_usage", product.feature_usage),
    ("product/product_events", product.product_events),
    ("product/user_engagement", product.user_engagement),
    ("finance/general_ledger", finance.general_ledger),
    ("finance/accounts_receivable", finance.accounts_receivable),
    ("finance/financial_metrics", finance.financial_metrics),
]

# What each showcase of the demo relies on; the README tells the same story.
SHOWCASES = {
    "publish_gate_blocked": "marketing/lead_attribution",
    "stale_data": "marketing/campaign_performance",
    "schema_drift": "product/product_events",
    "volume_jump": "product/feature_usage",
    "quality_failures": "sales/sales_orders_analytical",
    "restricted_discovery": "finance/accounts_receivable",
    "warehouse_table": "finance/general_ledger",
}


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0, tzinfo=None)


def generate_example_data(
    *,
    storage_root: str | Path,
    data_sources: dict[str, str],
    scale: str = "full",
    now: datetime | None = None,
    seed: int = SEED,
) -> dict:
    """Write every example product's data under `storage_root` (the folder behind
    s3://data-products/) and into the warehouse data source, then `storage_root/manifest.json`.

    The rows depend only on (scale, seed, now): `now` (naive UTC, or aware and converted) anchors
    every date so that freshness is meaningful; pass it for reproducible output. Each product's
    previous files are removed first, so re-running rewrites the same data.
    """
    if now is None:
        now = utc_now()
    elif now.tzinfo is not None:
        now = now.astimezone(UTC).replace(tzinfo=None)
    root = Path(storage_root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    gen = Generation(storage_root=root, scale=scale, now=now, seed=seed, data_sources=data_sources)
    products = {}
    for key, build in PRODUCTS:
        problems = build(gen)
        products[key] = _manifest_entry(gen, key, problems)
    manifest = {
        "format": MANIFEST_FORMAT,
        "generator": "catalog.exampledata",
        "scale": scale,
        "seed": seed,
        "now": now.isoformat(),
        "storage_prefix": S3_PREFIX,
        "files_relative_to": "the folder of this manifest (the folder behind storage_prefix)",
        "showcases": SHOWCASES,
        "clean_products": [key for key, entry in products.items() if entry["clean"]],
        "products": products,
    }
    path = root / "manifest.json"
    scratch = path.with_suffix(".json.tmp")
    scratch.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")
    os.replace(scratch, path)
    gen.con.close()
    return manifest


def _manifest_entry(gen: Generation, key: str, problems: list[Problem]) -> dict:
    contract = gen.contract(key)
    schema = contract["schema"]
    table = schema["table"]
    checks = {check["name"]: 0 for check in contract["sla"].get("quality_checks", [])}
    constraints = dict.fromkeys(contract_constraints(contract), 0)
    completeness = gen.completeness(key, table)
    below = completeness["threshold"] is not None and completeness["percent"] < completeness["threshold"]
    seeded = [p.id for p in problems if "completeness" in p.checks]
    if below != bool(seeded):
        raise ValueError(
            f"{key}: completeness {completeness['percent']}% against {completeness['threshold']}%, "
            f"but the problems naming the completeness check are {seeded or 'none'}"
        )
    for problem in problems:
        for name in problem.checks:
            if name == "completeness":
                continue
            if name not in checks:
                raise ValueError(f"{key}: problem {problem.id} names unknown check {name}")
            checks[name] += problem.count
        for name in problem.constraints:
            if name not in constraints:
                raise ValueError(f"{key}: problem {problem.id} names unknown constraint {name}")
            constraints[name] += problem.count
    entry = {
        "contract": f"examples/contracts/{key}.yaml",
        "location": schema["location"],
        "format": schema["type"],
        "table": table,
        "partitioned_by": schema.get("partitioned_by", []),
    }
    if schema["location"].startswith(S3_PREFIX):
        entry["files"] = gen.files_of(key)
    else:
        entry["files"] = []
        entry["warehouse"] = gen.warehouse_tables[schema["location"]]
    entry.update(
        row_count=gen.count(table),
        freshness=_freshness(gen, contract),
        clean=not problems,
        problems=[problem.as_dict() for problem in problems],
        expected={"checks": checks, "constraints": constraints, "completeness": completeness["percent"]},
    )
    return entry


def _freshness(gen: Generation, contract: dict) -> dict | None:
    """The newest value of the freshness timestamp field (else of the partition column)."""
    field = (contract["sla"].get("freshness") or {}).get("timestamp_field")
    if not field and contract["schema"].get("partitioned_by"):
        field = contract["schema"]["partitioned_by"][0]
    if not field:
        return None
    newest = gen.scalar(f'SELECT MAX("{field}") FROM {contract["schema"]["table"]}')
    if isinstance(newest, date) and not isinstance(newest, datetime):
        newest = datetime(newest.year, newest.month, newest.day)
    age = (gen.now - newest).total_seconds() / 3600
    return {"field": field, "max_value": newest.isoformat(), "age_hours": round(age, 3)}
