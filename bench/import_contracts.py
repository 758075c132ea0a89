"""Time importing 1,000 generated contracts into PostgreSQL (target: under 30 s).

    .venv/bin/python bench/import_contracts.py [--count 1000] [--database mesh_bench_import]

Creates (drops first) the named database on the local PostgreSQL, migrates it, writes N
varied contracts (4 domains, 5-30 fields, checks, alerts, access rules) to a temporary folder
and runs `import_contracts` on it, as a user would.
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _db import fresh_postgres_database, setup_django  # noqa: E402

DOMAINS = ["sales", "marketing", "product", "finance"]
TYPES = [
    "string",
    "integer",
    "bigint",
    "double",
    "decimal(12,2)",
    "boolean",
    "date",
    "timestamp",
    "array<string>",
]


def make_contract(i: int, rng: random.Random) -> dict:
    domain = DOMAINS[i % 4]
    name = f"product_{i:05d}"
    nfields = rng.randint(5, 30)
    fields = [
        {
            "name": "id",
            "type": "string",
            "description": "Primary key",
            "is_primary_key": True,
            "constraints": ["unique", "not_null"],
        }
    ]
    for j in range(1, nfields):
        field = {"name": f"col_{j}", "type": rng.choice(TYPES), "description": f"Column {j} of {name}"}
        if field["type"] in ("integer", "bigint", "double", "decimal(12,2)"):
            field["constraints"] = [{"min": 0}]
        fields.append(field)
    return {
        "name": name,
        "version": f"1.{i % 7}.0",
        "domain": domain,
        "owner": {"team": f"{domain}-team-{i % 5}", "contact": f"{domain}@example.com"},
        "description": f"Generated product {i} of the {domain} domain.",
        "classification": "confidential",
        "retention_days": 365,
        "tags": [domain, f"tag{i % 13}"],
        "schema": {"type": "parquet", "location": f"s3://data-products/{domain}/{name}/", "fields": fields},
        "access": {"discovery": "public", "read": [{"role": "analyst"}], "write": [{"domain": domain}]},
        "sla": {
            "availability": "99.9%",
            "freshness": {"max_age_hours": 1, "update_schedule": "0 * * * *"},
            "completeness": {"min_threshold": "99.95%"},
            "quality_checks": [
                {
                    "name": f"check_{k}",
                    "query": f"SELECT COUNT(*) FROM {name} WHERE id IS NULL",
                    "threshold": 0,
                }
                for k in range(rng.randint(1, 4))
            ],
        },
        "observability": {
            "metrics": ["row_count", "null_percentage_by_column", "distinct_count"],
            "alerts": [
                {"type": "freshness", "condition": "age_hours > 2", "severity": "critical"},
                {"type": "quality", "condition": "quality_check_failed", "severity": "critical"},
            ],
        },
        "changelog": [
            {"version": f"1.{i % 7}.0", "date": "2024-01-15", "changes": ["Generated"], "breaking": False}
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--database", default="mesh_bench_import")
    args = parser.parse_args()

    url = fresh_postgres_database(args.database)
    setup_django(url)
    from django.core.management import call_command

    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.count):
            path = Path(tmp) / DOMAINS[i % 4] / f"product_{i:05d}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(yaml.safe_dump(make_contract(i, rng), sort_keys=False))
        started = time.perf_counter()
        call_command("import_contracts", tmp, quiet=True)
        first = time.perf_counter() - started
        started = time.perf_counter()
        call_command("import_contracts", tmp, quiet=True)
        again = time.perf_counter() - started

    from catalog.models import DataProduct, SchemaField

    print(f"database: {url}")
    print(f"products: {DataProduct.objects.count()}, schema fields: {SchemaField.objects.count()}")
    print(
        f"import of {args.count} contracts: {first:.2f} s ({args.count / first:.0f} contracts/s); target < 30 s"
    )
    print(f"re-import (all unchanged): {again:.2f} s")


if __name__ == "__main__":
    main()
