"""Monitoring at scale: the beat sweep over 10,000 due products, then two worker processes
running every check (PostgreSQL + Redis).

    .venv/bin/python bench/monitoring.py [--products 10000] [--rows 50] [--workers 2]
        [--database mesh_bench_monitoring] [--redis redis://127.0.0.1:6379/1]
        [--max-seconds 600]

Creates (drops first) the database, migrates it, publishes one product through the real publish
service and clones it into `--products` products (bulk inserts of the product, version and SLA
rows the service writes), each with its own small Parquet file of `--rows` rows, all due for a
check. Then:

1. the sweep (`products_due_sweep`, what beat runs every minute) claims them all and enqueues one
   run each on a private Redis queue: its wall time, and that of a second sweep with nothing due
   and of the freshness sweep;
2. `--workers` Celery worker processes (prefork, one pool process each) drain the queue: runs per
   second over the whole drain, and per-run durations (p50/p95).

The machine may be shared: the figures are wall-clock.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _db import ROOT, bench_database, setup_django  # noqa: E402

CONTRACT = """
name: p00000
version: 1.0.0
domain: bench
owner:
  team: bench-team
  contact: bench@example.com
description: A benchmark product.
classification: internal
retention_days: 1095
schema:
  type: parquet
  location: s3://data-products/bench/p00000/
  table: orders
  fields:
    - name: order_id
      type: string
      description: Order id
      is_primary_key: true
      constraints: [unique, not_null]
    - name: total_amount
      type: double
      description: Order total
      constraints: [{min: 0}]
    - name: updated_at
      type: timestamp
      description: Last change
access:
  discovery: public
  read: [{role: analyst}]
sla:
  freshness: {max_age_hours: 24, update_schedule: "0 2 * * *", timestamp_field: updated_at}
  completeness: {min_threshold: 99%}
  quality_checks:
    - name: no_negative_amounts
      query: "SELECT COUNT(*) FROM orders WHERE total_amount < 0"
      threshold: 0
observability:
  metrics: [row_count, null_percentage_by_column]
  alerts:
    - {type: freshness, condition: age_hours > 26, severity: critical}
    - {type: volume, condition: row_count_change > 50%, severity: warning}
    - {type: quality, condition: quality_check_failed, severity: critical}
changelog:
  - {version: 1.0.0, date: 2025-01-01, changes: [First version]}
"""


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def write_files(root: Path, n: int, rows: int) -> float:
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    table = pa.table(
        {
            "order_id": [f"o-{i}" for i in range(rows)],
            "total_amount": [float(i % 90) for i in range(rows)],
            "updated_at": pa.array(
                [now - dt.timedelta(minutes=i) for i in range(rows)], type=pa.timestamp("us")
            ),
        }
    )
    for i in range(n):
        folder = root / "bench" / f"p{i:05d}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, folder / "part-0.parquet")
    return time.perf_counter() - started


def load(n: int) -> float:
    """One product through the publish service, cloned n-1 times with bulk inserts."""
    import copy

    from django.db import connection, transaction
    from django.utils import timezone

    from catalog.models import DataProduct, ProductVersion, ServiceLevel
    from catalog.services import contract_version_submit

    started = time.perf_counter()
    outcome = contract_version_submit(text=CONTRACT)
    assert outcome.published, (outcome.problems, outcome.violations)
    template = DataProduct.objects.select_related("current_version__sla").get(name="p00000")
    version = template.current_version
    with transaction.atomic():
        products = DataProduct.objects.bulk_create(
            [
                DataProduct(
                    domain_id=template.domain_id,
                    name=f"p{i:05d}",
                    owning_team_id=template.owning_team_id,
                    description=template.description,
                    classification=template.classification,
                    discovery=template.discovery,
                )
                for i in range(1, n)
            ],
            batch_size=2000,
        )
        versions = []
        for p in products:
            contract = copy.deepcopy(version.contract)
            contract["name"] = p.name
            contract["schema"]["location"] = f"s3://data-products/bench/{p.name}/"
            versions.append(
                ProductVersion(
                    product=p,
                    version=version.version,
                    major=version.major,
                    minor=version.minor,
                    patch=version.patch,
                    prerelease=version.prerelease,
                    status=version.status,
                    contract_text=version.contract_text.replace("p00000", p.name),
                    source_format=version.source_format,
                    document=version.document,
                    contract=contract,
                    violations=version.violations,
                    changelog_entry=version.changelog_entry,
                    published_at=version.published_at,
                )
            )
        versions = ProductVersion.objects.bulk_create(versions, batch_size=1000)
        sla = version.sla
        ServiceLevel.objects.bulk_create(
            [
                ServiceLevel(
                    version=v,
                    availability=sla.availability,
                    freshness_max_age_hours=sla.freshness_max_age_hours,
                    update_schedule=sla.update_schedule,
                    timestamp_field=sla.timestamp_field,
                    completeness_min=sla.completeness_min,
                )
                for v in versions
            ],
            batch_size=2000,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE catalog_dataproduct p SET current_version_id = v.id FROM catalog_productversion v "
                "WHERE v.product_id = p.id AND p.current_version_id IS NULL"
            )
        DataProduct.objects.update(next_check_at=timezone.now() - timezone.timedelta(minutes=1))
    return time.perf_counter() - started


def start_workers(k: int, queue: str, env: dict) -> list[subprocess.Popen]:
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "mesh_portal",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "-Q",
                queue,
                "-n",
                f"bench{i}-{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(k)
    ]


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", default="mesh_bench_monitoring")
    parser.add_argument("--redis", default=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1"))
    parser.add_argument(
        "--max-seconds", type=float, default=600, help="stop waiting for the workers after this"
    )
    args = parser.parse_args()

    storage = Path(tempfile.mkdtemp(prefix="mesh-bench-monitoring-"))
    queue = f"bench-monitoring-{uuid.uuid4().hex[:8]}"
    os.environ.update(
        MESH_STORAGE_MAP=f"s3://data-products/={storage}",
        CELERY_BROKER_URL=args.redis,
        CELERY_RESULT_BACKEND=args.redis,
        MESH_VAR_DIR=str(storage / "var"),
        MESH_ALERT_EMAILS="0",
        LOG_LEVEL="WARNING",
    )
    url = bench_database(args.database)
    setup_django(url)
    import redis
    from django.db.models import Max, Min

    from governance.models import QualityRun
    from governance.monitoring.services import freshness_sweep, products_due_sweep
    from mesh_portal.celery import app

    app.conf.task_default_queue = queue
    print(
        f"files: {args.products:,} Parquet files of {args.rows} rows in {write_files(storage, args.products, args.rows):.1f} s"
    )
    print(f"catalog: {args.products:,} products in {load(args.products):.1f} s")
    broker = redis.Redis.from_url(args.redis)
    broker.delete(queue)  # the template's publication run; the sweep enqueues every product

    started = time.perf_counter()
    run_ids = products_due_sweep()
    sweep = time.perf_counter() - started
    queued = broker.llen(queue)
    print(
        f"sweep: claimed {len(run_ids):,} due products and enqueued {queued:,} runs in {sweep:.2f} s "
        f"({len(run_ids) / sweep:,.0f} products/s)"
    )
    started = time.perf_counter()
    again = products_due_sweep()
    print(f"sweep with nothing due: {len(again)} runs in {(time.perf_counter() - started) * 1000:.1f} ms")

    env = dict(os.environ, DATABASE_URL=url)
    workers = start_workers(args.workers, queue, env)
    started = time.perf_counter()
    try:
        total = len(run_ids)
        done = 0
        while time.perf_counter() - started < args.max_seconds:
            done = QualityRun.objects.filter(pk__in=run_ids, monitored_at__isnull=False).count()
            if done >= total:
                break
            time.sleep(2)
        elapsed = time.perf_counter() - started
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            try:
                w.wait(timeout=60)
            except subprocess.TimeoutExpired:
                w.kill()
        broker.delete(queue)
    finished = QualityRun.objects.filter(pk__in=run_ids, finished_at__isnull=False)
    span = finished.aggregate(first=Min("started_at"), last=Max("finished_at"))
    durations = [
        (r.finished_at - r.started_at).total_seconds() for r in finished.only("started_at", "finished_at")
    ]
    statuses = dict((s, finished.filter(status=s).count()) for s in ("passed", "failed", "error"))
    print(
        f"workers: {args.workers} processes ran {done:,} of {total:,} runs in {elapsed:.1f} s "
        f"= {done / elapsed:.1f} runs/s (wall clock, including worker start-up)"
    )
    if span["first"] and span["last"]:
        busy = (span["last"] - span["first"]).total_seconds()
        print(
            f"          first start to last finish {busy:.1f} s = {len(durations) / busy:.1f} runs/s; "
            f"per run p50 {statistics.median(durations) * 1000:.0f} ms, p95 {pct(durations, 95) * 1000:.0f} ms; "
            f"{statuses}"
        )
    started = time.perf_counter()
    fresh = freshness_sweep()
    print(f"freshness sweep: {fresh:,} products past their deadline in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
