"""Benchmark: the quality engine against a hand-written DuckDB floor and datacontract-cli.

    .venv/bin/python bench/quality.py [--rows 1000000 10000000] [--repeat 3] [--inner 3]
        [--datacontract /tmp/dcvenv/bin/datacontract] [--keep DIR]

Generates the seed's orders (order_id unique string, customer_id, order_date as the hive
partition, total_amount decimal(12,2), status, customer_segment, product_count) with seeded
problems, plus 100,000 customers for the referential_integrity check, as Parquet in a temp
folder. `--repeat` rounds, each: every contender alone in a fresh subprocess (one warm-up and one
timed run) for its memory, the subprocess's peak RSS (ru_maxrss) minus its RSS just before the
warm-up, the largest over the rounds; then all of them warm in one subprocess, alternating
`--inner` times (the order rotating), for time: the machine's speed drifts, and samples taken
side by side compare fairly. The median and minimum of all timed runs are reported. Same DuckDB threads and memory
limit for the engine and the floor (MESH_CHECK_THREADS, MESH_CHECK_MEMORY_LIMIT).

- engine checks: governance.checks.runner.run_checks(metrics=False), as the worker runs them
  (trusted native scan + schema + the contract's SQL in the locked Arrow sandbox);
- engine metrics: the same with metrics=True (timed separately);
- floor: one hand-written DuckDB query computing the same check numbers natively;
- datacontract-cli: `datacontract test` on an equivalent ODCS contract (separate venv).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "examples" / "contracts" / "sales" / "sales_orders_analytical.yaml"
STATUSES = "['pending', 'completed', 'cancelled', 'refunded']"


def generate(folder: Path, rows: int) -> None:
    import duckdb

    orders, customers = folder / "sales" / "orders", folder / "marketing" / "customer_segments"
    orders.mkdir(parents=True)
    customers.mkdir(parents=True)
    con = duckdb.connect(config={"memory_limit": "2GB", "threads": 2, "preserve_insertion_order": False})
    con.execute(
        f"COPY (SELECT 'C' || lpad(i::VARCHAR, 7, '0') AS id, ['platinum','gold','silver','bronze'][1 + i % 4] AS segment "
        f"FROM range(100000) t(i)) TO '{customers / 'customers.parquet'}'"
    )
    # every 1000th order negative, every 1500th an invalid status, every 2000th no customer,
    # every 2500th an unknown customer
    con.execute(
        f"""COPY (
        SELECT 'ORD-' || lpad(i::VARCHAR, 9, '0') AS order_id,
               CASE WHEN i % 2000 = 0 THEN NULL
                    WHEN i % 2500 = 0 THEN 'X' || i::VARCHAR
                    ELSE 'C' || lpad((hash(i) % 100000)::VARCHAR, 7, '0') END AS customer_id,
               DATE '2025-06-02' - CAST(i % 365 AS INTEGER) AS order_date,
               CAST(CASE WHEN i % 1000 = 0 THEN -5 ELSE (hash(i, 'a') % 50000) / 100.0 + 1 END AS DECIMAL(12,2)) AS total_amount,
               CASE WHEN i % 1500 = 0 THEN 'lost' ELSE {STATUSES}[1 + (hash(i, 's') % 4)::INTEGER] END AS status,
               ['platinum','gold','silver','bronze'][1 + (i % 4)] AS customer_segment,
               CAST(1 + hash(i, 'p') % 8 AS INTEGER) AS product_count
        FROM range(1, {rows} + 1) t(i)
        ) TO '{orders}' (FORMAT parquet, PARTITION_BY (order_date), OVERWRITE_OR_IGNORE)"""
    )
    con.close()


def floor_sql(data: Path) -> str:
    orders = f"read_parquet('{data}/sales/orders/**/*.parquet', hive_partitioning = true, hive_types = {{'order_date': 'DATE'}}, union_by_name = true)"
    customers = f"read_parquet('{data}/marketing/customer_segments/customers.parquet')"
    return f"""
    SELECT COUNT(*),
           COUNT(*) - COUNT(order_id), COUNT(order_id) - COUNT(DISTINCT order_id),
           COUNT(*) - COUNT(customer_id), COUNT(*) - COUNT(order_date), COUNT(*) - COUNT(total_amount),
           COUNT(*) FILTER (WHERE total_amount < 0),
           COUNT(*) FILTER (WHERE status NOT IN ('pending', 'completed', 'cancelled', 'refunded')),
           COUNT(*) - COUNT(status), COUNT(*) - COUNT(customer_segment), COUNT(*) - COUNT(product_count),
           MAX(order_date),
           (SELECT COUNT(*) FROM {orders} o LEFT JOIN {customers} c ON o.customer_id = c.id WHERE c.id IS NULL)
    FROM {orders}"""


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def contenders(data: Path) -> dict:
    """kind -> a function running it once and returning the check numbers it found."""
    os.environ["MESH_STORAGE_MAP"] = f"s3://data-products/={data}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesh_portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import duckdb

    from catalog.contracts import parse_contract
    from governance.checks.runner import run_checks
    from governance.checks.sandbox import duckdb_config
    from governance.checks.storage import source_of

    contract = parse_contract(CONTRACT.read_text()).contract
    customers = source_of(
        {
            "schema": {
                "type": "parquet",
                "location": "s3://data-products/marketing/customer_segments/customers.parquet",
                "fields": [],
            }
        },
        name="customers",
    )
    sql = floor_sql(data)

    def floor():
        con = duckdb.connect(":memory:", config=duckdb_config())
        con.execute("SET enable_progress_bar = false")
        row = con.execute(sql).fetchone()
        con.close()
        return {"negative": row[6], "bad_status": row[7], "orphans": row[12], "duplicates": row[2]}

    def engine(metrics: bool):
        report = run_checks(contract=contract, metrics=metrics, input_sources={"customers": customers})
        assert not report.error, report.error
        counts = {o.check.name: o.count for o in report.outcomes}
        return {
            "negative": counts["no_negative_amounts"],
            "bad_status": counts["valid_status"],
            "orphans": counts["referential_integrity"],
            "duplicates": counts["order_id_unique"],
        }

    return {"floor": floor, "engine": lambda: engine(False), "metrics": lambda: engine(True)}


def worker(kind: str, data: Path, repeat: int) -> dict:
    """Memory (and the numbers found): one contender alone in a fresh process, one warm-up run
    and `repeat` timed ones; the peak over the warm-up and the first timed run."""
    from django.conf import settings

    once = contenders(data)[kind]
    baseline = rss_kb()
    result = once()  # warm-up
    times = []
    peak = None
    for _ in range(repeat):
        started = time.perf_counter()
        once()
        times.append(time.perf_counter() - started)
        peak = peak or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": statistics.median(times),
        "all": times,
        "rss_delta_mb": (peak - baseline) / 1024,
        "result": {k: float(v) for k, v in result.items()},
        "threads": settings.MESH_CHECK_THREADS,
        "memory_limit": settings.MESH_CHECK_MEMORY_LIMIT,
    }


def paired_worker(data: Path, repeat: int) -> dict:
    """Time: all contenders warm in one process, run one after another `repeat` times (the
    order rotating), so each sample of one has samples of the others from the same moments of
    a machine whose speed drifts."""
    runs = contenders(data)
    kinds = list(runs)
    for once in runs.values():
        once()  # warm-up
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    for i in range(repeat):
        for kind in kinds[i % len(kinds) :] + kinds[: i % len(kinds)]:
            started = time.perf_counter()
            runs[kind]()
            times[kind].append(time.perf_counter() - started)
    return times


def run_worker(kind: str, data: Path, repeat: int) -> dict:
    """`kind` in a fresh subprocess (`paired`: all of them, for time)."""
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kind, "--data", str(data), "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        return {
            "error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"
        }
    return json.loads(out.stdout.strip().splitlines()[-1])


ODCS = """apiVersion: v3.1.0
kind: DataContract
id: bench-orders
name: orders
version: 1.0.0
status: active
servers:
  - server: local
    type: local
    format: parquet
    path: {path}
schema:
  - name: orders
    physicalType: table
    properties:
      - {{name: order_id, logicalType: string, required: true, unique: true}}
      - {{name: customer_id, logicalType: string, required: true}}
      - {{name: order_date, logicalType: date, required: true}}
      - name: total_amount
        logicalType: number
        physicalType: decimal(12,2)
        required: true
        logicalTypeOptions: {{minimum: 0}}
      - name: status
        logicalType: string
        quality:
          - metric: invalidValues
            arguments: {{validValues: [pending, completed, cancelled, refunded]}}
            mustBe: 0
      - {{name: customer_segment, logicalType: string}}
      - {{name: product_count, logicalType: integer}}
    quality:
      - name: no_negative_amounts
        type: sql
        query: SELECT COUNT(*) FROM orders WHERE total_amount < 0
        mustBeLessOrEqualTo: 0
      - name: valid_status
        type: sql
        query: SELECT COUNT(*) FROM orders WHERE status NOT IN ('pending', 'completed', 'cancelled', 'refunded')
        mustBeLessOrEqualTo: 0
"""


def run_datacontract(binary: str, data: Path, repeat: int) -> dict:
    contract = data / "datacontract.yaml"
    contract.write_text(ODCS.format(path=f"{data}/sales/orders/**/*.parquet"))
    times, peaks, last = [], [], None
    for i in range(repeat + 1):
        started = time.perf_counter()
        proc = subprocess.Popen(
            [binary, "test", str(contract)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        output, _ = proc.communicate()
        _, _, usage = os.wait4(proc.pid, 0) if proc.returncode is None else (0, 0, None)
        elapsed = time.perf_counter() - started
        last = output
        if i:  # the first run warms the OS cache
            times.append(elapsed)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peaks.append(usage.ru_maxrss / 1024)
    summary = [
        line for line in (last or "").splitlines() if "passed" in line.lower() or "failed" in line.lower()
    ]
    return {"seconds": statistics.median(times), "all": times, "peak_mb": max(peaks), "summary": summary[-3:]}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument(
        "--repeat", type=int, default=3, help="rounds (a fresh subprocess per contender each)"
    )
    parser.add_argument(
        "--inner", type=int, default=3, help="timed runs per round, after the warm-up (each one a sample)"
    )
    parser.add_argument("--datacontract", default="/tmp/dcvenv/bin/datacontract")
    parser.add_argument("--worker", choices=["engine", "metrics", "floor", "paired"], help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--keep", help="Generate into (and keep) this folder instead of a temp one.")
    args = parser.parse_args()
    if args.worker == "paired":
        print(json.dumps(paired_worker(Path(args.data), args.repeat)))
        return
    if args.worker:
        print(json.dumps(worker(args.worker, Path(args.data), args.repeat)))
        return
    rows_out = []
    for rows in args.rows:
        folder = Path(args.keep) / str(rows) if args.keep else Path(tempfile.mkdtemp(prefix="mesh-bench-"))
        try:
            if not (folder / "sales" / "orders").exists():
                started = time.perf_counter()
                generate(folder, rows)
                print(f"generated {rows:,} orders in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            # The machine is shared and its speed drifts: each round measures memory with each
            # contender alone in a fresh process (one warm-up, one timed run), then time with
            # all of them alternating in one process (`--inner` runs each); the median and the
            # minimum over every timed run are reported.
            rounds: dict[str, list] = {"floor": [], "engine": [], "metrics": []}
            for _ in range(args.repeat):
                for kind in rounds:
                    rounds[kind].append(run_worker(kind, folder, 1))
                paired = run_worker("paired", folder, args.inner)
                for kind in rounds:
                    if "error" in paired:
                        rounds[kind].append(paired)
                    else:
                        rounds[kind].append({"all": paired[kind]})
            results = {kind: merge_rounds(runs) for kind, runs in rounds.items()}
            if shutil.which(args.datacontract) or Path(args.datacontract).exists():
                results["datacontract"] = run_datacontract(args.datacontract, folder, max(1, args.repeat - 2))
            rows_out.append((rows, results))
            print(json.dumps({"rows": rows, **results}), file=sys.stderr)
        finally:
            if not args.keep:
                shutil.rmtree(folder, ignore_errors=True)
    print_table(rows_out)


def merge_rounds(runs: list[dict]) -> dict:
    errors = [r for r in runs if "error" in r]
    if errors:
        return errors[0]
    alone = [r for r in runs if "rss_delta_mb" in r]
    times = [t for r in runs if "rss_delta_mb" not in r for t in r["all"]] or [
        t for r in runs for t in r["all"]
    ]
    return {
        "seconds": statistics.median(times),
        "min": min(times),
        "all": times,
        "rss_delta_mb": max(r["rss_delta_mb"] for r in alone),
        "result": alone[-1]["result"],
    }


def print_table(rows_out) -> None:
    print(
        f"{'rows':>11} | {'contender':<28} | {'median s':>9} | {'min s':>7} | {'vs floor':>8} | "
        f"{'min vs':>7} | {'RSS +MB':>8}"
    )
    print("-" * 98)
    for rows, results in rows_out:
        floor = results["floor"].get("seconds")
        floor_min = results["floor"].get("min")
        for kind, label in (
            ("floor", "floor (1 hand-written query)"),
            ("engine", "engine checks"),
            ("metrics", "engine checks + metrics"),
            ("datacontract", "datacontract test"),
        ):
            r = results.get(kind)
            if r is None:
                continue
            if "error" in r:
                print(f"{rows:>11,} | {label:<28} | error: {r['error'][:60]}")
                continue
            ratio = f"{r['seconds'] / floor:.2f}x" if floor else "-"
            low = r.get("min", min(r.get("all") or [r["seconds"]]))
            min_ratio = f"{low / floor_min:.2f}x" if floor_min else "-"
            mem = r.get("rss_delta_mb", r.get("peak_mb"))
            print(
                f"{rows:>11,} | {label:<28} | {r['seconds']:>9.2f} | {low:>7.2f} | {ratio:>8} | "
                f"{min_ratio:>7} | {mem:>8.0f}"
            )
        checks = {k: results[k].get("result") for k in ("floor", "engine")}
        if checks["floor"] != checks["engine"]:
            print(f"{'':>11} | MISMATCH floor {checks['floor']} engine {checks['engine']}")


if __name__ == "__main__":
    main()
