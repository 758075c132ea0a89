"""The DuckDB sandbox holds on its own: hostile SQL sent straight to it (bypassing the
contract parser) never writes anywhere and never reads outside the product; runaway queries
stop within the timeout + 2 s; and through the full runner every hostile check is a failed
check with a clear message."""

import time
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pytest
import yaml

from catalog.contracts import parse_contract
from governance.checks.runner import run_checks
from governance.checks.sandbox import DuckDBSandbox, QueryTimeout, SandboxError, run_sandboxed_duckdb
from tests.factories import contract_doc


@pytest.fixture
def products(settings, tmp_path):
    """Two products' files behind s3://data-products/: sales orders (ours) and a finance secret."""
    root = Path(settings.MESH_STORAGE_MAP["s3://data-products/"])
    orders, secret = root / "sales" / "orders", root / "finance" / "secret"
    for folder in (orders / "order_date=2025-06-01", secret):
        folder.mkdir(parents=True)
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT 'ORD-' || i AS order_id, CAST(i AS DECIMAL(12,2)) - 5 AS total_amount FROM range(1000) t(i)) "
        f"TO '{orders / 'order_date=2025-06-01' / 'part-0.parquet'}'"
    )
    con.execute(f"COPY (SELECT 'top secret' AS s) TO '{secret / 'secret.parquet'}'")
    con.close()
    return {"root": root, "orders": orders, "secret": secret, "scratch": tmp_path}


def snapshot(*folders: Path) -> dict:
    return {
        str(p): (p.stat().st_size, p.stat().st_mtime_ns)
        for folder in folders
        for p in sorted(folder.rglob("*"))
    }


def orders_table(products) -> dict:
    return {"orders": ds.dataset(str(products["orders"]), format="parquet", partitioning="hive")}


HOSTILE = [
    "INSERT INTO orders VALUES ('x', 1, '2025-06-01')",
    "DELETE FROM orders",
    "UPDATE orders SET total_amount = 0",
    "WITH t AS (SELECT 1) DELETE FROM orders",
    "CREATE TABLE stolen AS SELECT * FROM orders",
    "CREATE TEMP TABLE stolen AS SELECT 1",
    "DROP VIEW orders",
    "COPY (SELECT * FROM orders) TO '{scratch}/out.csv'",
    "COPY (SELECT * FROM orders) TO '{orders}/out.csv'",
    "COPY orders FROM '{secret}/secret.parquet'",
    "EXPORT DATABASE '{scratch}/export'",
    "ATTACH '{scratch}/x.duckdb' AS x",
    "ATTACH '{orders}/x.duckdb' AS x",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "SET memory_limit = '64GB'",
    "PRAGMA enable_external_access",
    "CALL pragma_version()",
    "SELECT count(*) FROM read_text('/etc/passwd')",
    "SELECT count(*) FROM read_csv('/etc/passwd')",
    "SELECT count(*) FROM '/etc/passwd'",
    "SELECT count(*) FROM glob('/etc/*')",
    "SELECT count(*) FROM read_parquet('{secret}/secret.parquet')",
    "SELECT count(*) FROM '{secret}/secret.parquet'",
    "SELECT count(*) FROM read_parquet('{orders}/../../finance/secret/secret.parquet')",
    "SELECT count(*) FROM read_parquet('{orders}/**/*.parquet')",
    "SELECT count(*) FROM read_csv('http://127.0.0.1:9/x.csv')",
    "SELECT count(*) FROM read_parquet('s3://data-products/finance/secret/secret.parquet')",
    "SELECT 1; DROP VIEW orders",
    "SELECT 1 /* ; */ ; COPY (SELECT 1) TO '{scratch}/c.csv'",
    "SELECT * FROM orders",
    "SELECT count(*), count(*) FROM orders",
]


@pytest.mark.parametrize("template", HOSTILE)
def test_hostile_sql_sent_straight_to_the_sandbox_fails_and_writes_nothing(products, template):
    sql = template.format(**{k: str(v) for k, v in products.items()})
    before = snapshot(products["root"], products["scratch"]), sorted(Path.cwd().iterdir())

    with pytest.raises(SandboxError) as error:
        run_sandboxed_duckdb(sql, orders_table(products), timeout=5)

    assert str(error.value)
    assert (snapshot(products["root"], products["scratch"]), sorted(Path.cwd().iterdir())) == before


def test_the_sandbox_still_reads_its_own_registered_data(products):
    assert (
        run_sandboxed_duckdb("SELECT COUNT(*) FROM orders WHERE total_amount < 0", orders_table(products))
        == 5
    )


def test_the_configuration_is_locked_after_setup(products):
    with DuckDBSandbox(orders_table(products), timeout=5) as box:
        for statement in ("SET enable_external_access = true", "SET memory_limit = '8GB'"):
            with pytest.raises(duckdb.Error, match="locked"):
                box.con.execute(statement)
        assert box.con.execute("SELECT current_setting('autoload_known_extensions')").fetchone()[0] is False


def test_a_runaway_query_is_stopped_within_the_timeout_and_the_next_one_runs(products):
    with DuckDBSandbox(orders_table(products), timeout=1) as box:
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match="stopped after 1 s"):
            box.value("SELECT count(*) FROM range(100000000) a, range(100000) b")
        assert time.monotonic() - started < 1 + 2
        assert box.value("SELECT COUNT(*) FROM orders") == 1000


def orders_contract(checks: list[dict]) -> dict:
    doc = contract_doc()
    doc["schema"]["partitioned_by"] = ["order_date"]
    doc["schema"]["fields"].append({"name": "order_date", "type": "date", "description": "Order date"})
    doc["sla"]["quality_checks"] = []
    doc["sla"].pop("freshness")
    parsed = parse_contract(yaml.safe_dump(doc))
    assert parsed.ok, [str(p) for p in parsed.problems]
    contract = parsed.contract
    contract["sla"]["quality_checks"] = [
        {
            "name": c["name"],
            "query": c["query"],
            "threshold": 0.0,
            "severity": "critical",
            "description": None,
        }
        for c in checks
    ]
    return contract


@pytest.mark.django_db
def test_hostile_checks_in_a_contract_are_failed_checks_with_a_reason_and_nothing_is_written(products):
    hostile = [
        {"name": f"h{i}", "query": template.format(**{k: str(v) for k, v in products.items()})}
        for i, template in enumerate(HOSTILE)
    ]
    contract = orders_contract(
        [{"name": "fine", "query": "SELECT COUNT(*) FROM orders WHERE total_amount < 0"}, *hostile]
    )
    before = snapshot(products["root"], products["scratch"])

    report = run_checks(contract=contract, metrics=False, timeout=5)

    outcomes = {o.check.name: o for o in report.outcomes}
    assert outcomes["fine"].count == 5 and outcomes["fine"].passed is False
    for check in hostile:
        outcome = outcomes[check["name"]]
        assert outcome.passed is False and outcome.count is None, check
        assert outcome.message, check
    assert snapshot(products["root"], products["scratch"]) == before


@pytest.mark.django_db
def test_a_runaway_check_is_a_failed_check_saying_it_was_stopped(products):
    contract = orders_contract(
        [
            {
                "name": "forever",
                "query": "SELECT COUNT(*) FROM orders a, orders b, orders c, orders d, orders e",
            }
        ]
    )
    started = time.monotonic()

    report = run_checks(contract=contract, metrics=False, timeout=1)

    forever = next(o for o in report.outcomes if o.check.name == "forever")
    assert forever.passed is False and "stopped after 1 s" in forever.message
    assert time.monotonic() - started < 1 + 2 + 2  # the query's budget, plus the scan of 1,000 rows


def test_the_import_time_parser_already_refuses_most_of_the_corpus_with_a_clear_message():
    doc = contract_doc()
    doc["sla"]["quality_checks"] = [
        {"name": "steal", "query": "SELECT count(*) FROM read_text('/etc/passwd')", "threshold": 0}
    ]
    parsed = parse_contract(yaml.safe_dump(doc))
    assert not parsed.ok
    assert "table functions and files are not allowed, only declared tables" in " ".join(
        str(p) for p in parsed.problems
    )
