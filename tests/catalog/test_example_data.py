"""The example organization: its contracts, and the data generator checked against them.

Every count in the manifest is recomputed here with DuckDB over the written files, from the
contracts' own check SQL and field constraints, not from the generator's code."""

import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest
import yaml
from django.core.management import call_command
from django.db import connection

from catalog.contracts import parse_contract
from catalog.exampledata import PRODUCTS, generate_example_data
from governance.engine import evaluate_contract, is_publishable
from governance.policies import parse_policy_file

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "examples" / "contracts"
NOW = datetime(2025, 6, 2, 12, 0, 0)
S3 = "s3://data-products/"


def load_contracts() -> dict[str, dict]:
    return {
        f"{path.parent.name}/{path.stem}": yaml.safe_load(path.read_text())
        for path in sorted(CONTRACTS.glob("*/*.yaml"))
    }


def generate(root: Path) -> dict:
    return generate_example_data(
        storage_root=root / "s3",
        data_sources={"warehouse": f"duckdb://{root / 'warehouse.duckdb'}"},
        scale="small",
        now=NOW,
    )


def open_products(root: Path, contracts: dict) -> duckdb.DuckDBPyConnection:
    """One table per product, named by its contract's table, loaded from what the generator wrote."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{root / 'warehouse.duckdb'}' AS warehouse (READ_ONLY)")
    for contract in contracts.values():
        schema = contract["schema"]
        location = schema["location"]
        if location.startswith("postgresql://"):
            source = "warehouse." + location.rsplit("/", 1)[1]
        else:
            path = root / "s3" / location[len(S3) :]
            if schema["type"] == "csv":
                source = f"read_csv('{path}/*.csv', header = true, union_by_name = true)"
            elif path.suffix == ".parquet":
                source = f"read_parquet('{path}')"
            else:
                source = (
                    f"read_parquet('{path}/**/*.parquet', hive_partitioning = true, union_by_name = true)"
                )
        con.execute(f'CREATE TABLE "{schema["table"]}" AS SELECT * FROM {source}')
    return con


def constraint_violations(con, table: str, field: str, constraint) -> int:
    column = f'"{field}"'
    if constraint == "unique":
        return con.execute(f"SELECT COUNT({column}) - COUNT(DISTINCT {column}) FROM {table}").fetchone()[0]
    if constraint == "not_null":
        where = f"{column} IS NULL"
    else:
        (kind, value), *_ = constraint.items()
        where = {
            "min": lambda: f"{column} < {value}",
            "max": lambda: f"{column} > {value}",
            "in": lambda: f"{column} NOT IN ({', '.join(repr(v) for v in value)})",
            "pattern": lambda: f"NOT regexp_full_match({column}, '{value}')",
            "min_length": lambda: f"length({column}) < {value}",
            "max_length": lambda: f"length({column}) > {value}",
        }[kind]()
    return con.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}").fetchone()[0]


def constraint_name(field: str, constraint) -> str:
    return f"{field}.{constraint if isinstance(constraint, str) else next(iter(constraint))}"


def rows_of(con, contract) -> list:
    columns = ", ".join(f'"{f["name"]}"' for f in contract["schema"]["fields"])
    return con.execute(f'SELECT {columns} FROM "{contract["schema"]["table"]}" ORDER BY ALL').fetchall()


def duckdb_type_of(contract_type: str) -> str:
    kind = contract_type.replace(" ", "").lower()
    if kind.startswith("array<"):
        return duckdb_type_of(kind[6:-1]) + "[]"
    if kind.startswith("struct<"):
        members = (member.split(":") for member in kind[7:-1].split(","))
        return "STRUCT(" + ",".join(f"{name}{duckdb_type_of(member)}" for name, member in members) + ")"
    simple = {"string": "VARCHAR", "integer": "INTEGER", "bigint": "BIGINT", "double": "DOUBLE"}
    return simple.get(kind, kind.upper())


@pytest.fixture(scope="module")
def contracts():
    return load_contracts()


@pytest.fixture(scope="module")
def example(tmp_path_factory, contracts):
    """Small-scale data generated twice into the same folder; the second run's result, and the
    rows of every product after the first run."""
    root = tmp_path_factory.mktemp("example")
    first = generate(root)
    con = open_products(root, contracts)
    first_rows = {key: rows_of(con, contract) for key, contract in contracts.items()}
    con.close()
    second = generate(root)
    con = open_products(root, contracts)
    yield {"root": root, "first": first, "manifest": second, "first_rows": first_rows, "con": con}
    con.close()


# --- the contracts --------------------------------------------------------------------------


def test_the_organization_has_twelve_contracts_three_per_domain(contracts):
    organization = yaml.safe_load((ROOT / "examples" / "organization.yaml").read_text())["organization"]
    listed = {f"{d['name']}/{p}" for d in organization["domains"] for p in d["data_products"]}
    assert listed == set(contracts) and len(listed) == 12
    teams = {d["name"]: d["team"] for d in organization["domains"]}
    for key, contract in contracts.items():
        team = teams[contract["domain"]]
        assert contract["owner"] == {
            "team": team["name"],
            "contact": team["contact"],
            "slack": team["slack"],
        }, key


def test_the_generator_makes_every_contracted_product(contracts):
    assert sorted(key for key, _ in PRODUCTS) == sorted(contracts)


def test_every_contract_parses_without_errors():
    for path in sorted(CONTRACTS.glob("*/*.yaml")):
        parsed = parse_contract(path.read_text(), filename=str(path))
        assert parsed.ok, [str(p) for p in parsed.problems]


def test_the_publish_gate_blocks_only_the_product_that_mishandles_pii():
    params = parse_policy_file((ROOT / "examples" / "governance_policy.yaml").read_text()).params()
    blocking = {}
    for path in sorted(CONTRACTS.glob("*/*.yaml")):
        violations = evaluate_contract(parse_contract(path.read_text()).contract, params=params)
        if not is_publishable(violations):
            blocking[f"{path.parent.name}/{path.stem}"] = sorted(
                (v.policy, v.severity, v.field) for v in violations if v.severity in ("error", "critical")
            )
    assert blocking == {
        "marketing/lead_attribution": [
            ("pii_handling", "critical", "encryption_enabled"),
            ("pii_handling", "error", "contact_email"),
        ]
    }


def test_quality_checks_read_only_their_own_and_their_input_ports_tables(contracts):
    tables = {key: c["schema"]["table"] for key, c in contracts.items()}
    for key, contract in contracts.items():
        ports = contract.get("input_ports", [])
        assert all(tables[port["product"]] == port["table"] for port in ports), key
        allowed = {contract["schema"]["table"]} | {port["table"] for port in ports}
        for check in contract["sla"]["quality_checks"]:
            assert check["query"].startswith("SELECT COUNT(*) FROM ")
            named = set(re.findall(r"\b(?:FROM|JOIN)\s+([a-z_]+)", check["query"]))
            assert named <= allowed, (key, check["name"], named - allowed)


def test_exactly_one_product_is_restricted_from_discovery_and_one_mishandles_pii(contracts):
    restricted = [key for key, c in contracts.items() if c["access"]["discovery"] == "restricted"]
    assert restricted == ["finance/accounts_receivable"]
    mishandled = [
        key
        for key, c in contracts.items()
        if any(f.get("is_pii") for f in c["schema"]["fields"])
        and (
            not c.get("encryption_enabled")
            or not c.get("audit_logging_enabled")
            or any(f.get("is_pii") and not f.get("pii_category") for f in c["schema"]["fields"])
        )
    ]
    assert mishandled == ["marketing/lead_attribution"]


# --- the generated data -------------------------------------------------------------------------


def test_small_scale_stays_under_ten_thousand_rows_per_product(example):
    con = example["con"]
    for key, product in example["manifest"]["products"].items():
        counted = con.execute(f'SELECT COUNT(*) FROM "{product["table"]}"').fetchone()[0]
        assert counted == product["row_count"], key
        assert 0 < counted <= 10_000, key


def test_manifest_lists_exactly_the_files_written(example):
    s3 = example["root"] / "s3"
    listed = sorted(f for product in example["manifest"]["products"].values() for f in product["files"])
    on_disk = sorted(
        p.relative_to(s3).as_posix() for p in s3.rglob("*") if p.is_file() and p.name != "manifest.json"
    )
    assert listed == on_disk
    assert json.loads((s3 / "manifest.json").read_text()) == example["manifest"]


def test_every_contract_location_holds_data(example, contracts):
    for key, contract in contracts.items():
        location = contract["schema"]["location"]
        if location.startswith(S3):
            assert (example["root"] / "s3" / location[len(S3) :]).exists(), key
        else:
            assert example["manifest"]["products"][key]["warehouse"]["engine"] == "duckdb"
        assert example["manifest"]["products"][key]["location"] == location


def test_files_have_the_contracts_columns_and_types(example, contracts):
    con = example["con"]
    for key, contract in contracts.items():
        table = contract["schema"]["table"]
        described = {name: kind for name, kind, *_ in con.execute(f'DESCRIBE "{table}"').fetchall()}
        drifted = {
            column
            for problem in example["manifest"]["products"][key]["problems"]
            for column in problem["details"].get("extra_columns", {})
        }
        assert set(described) == {f["name"] for f in contract["schema"]["fields"]} | drifted, key
        if contract["schema"]["type"] == "parquet":  # CSV columns are typed by DuckDB's sniffer
            for f in contract["schema"]["fields"]:
                actual = described[f["name"]].replace(" ", "").replace('"', "")
                assert actual == duckdb_type_of(f["type"]), (key, f["name"])


def test_manifest_check_counts_match_the_contracts_sql(example, contracts):
    con = example["con"]
    for key, contract in contracts.items():
        expected = example["manifest"]["products"][key]["expected"]["checks"]
        counted = {
            c["name"]: con.execute(c["query"]).fetchone()[0] for c in contract["sla"]["quality_checks"]
        }
        assert counted == expected, key


def test_manifest_constraint_counts_match_the_data(example, contracts):
    con = example["con"]
    for key, contract in contracts.items():
        table = f'"{contract["schema"]["table"]}"'
        counted = {
            constraint_name(f["name"], c): constraint_violations(con, table, f["name"], c)
            for f in contract["schema"]["fields"]
            for c in f.get("constraints") or []
        }
        assert counted == example["manifest"]["products"][key]["expected"]["constraints"], key


def test_manifest_completeness_is_non_null_cells_over_all_contract_fields(example, contracts):
    """The completeness check's definition: non-null cells / (rows x all the contract's fields),
    in percent. Clean products meet their SLA with a margin; the products that do not are
    exactly those whose manifest records a `completeness` problem with that percentage."""
    con = example["con"]
    below = {}
    for key, contract in contracts.items():
        names = [f["name"] for f in contract["schema"]["fields"]]
        rows, *nulls = con.execute(
            "SELECT COUNT(*), "
            + ", ".join(f'COUNT(*) - COUNT("{n}")' for n in names)
            + f' FROM "{contract["schema"]["table"]}"'
        ).fetchone()
        percent = round(100.0 * (rows * len(names) - sum(nulls)) / (rows * len(names)), 6)
        entry = example["manifest"]["products"][key]
        assert entry["expected"]["completeness"] == percent, key
        threshold = float(contract["sla"]["completeness"]["min_threshold"].rstrip("%"))
        if entry["clean"]:
            assert percent >= threshold + (100 - threshold) / 2, (key, percent, threshold)
        if percent < threshold:
            below[key] = percent
    recorded = {
        key: problem["details"]["percent"]
        for key, entry in example["manifest"]["products"].items()
        for problem in entry["problems"]
        if problem["checks"] == ["completeness"]
    }
    assert recorded == below
    assert set(below) == {"sales/customer_interactions", "product/product_events"}


def test_orders_carry_the_seeded_problems_with_exact_counts(example):
    con = example["con"]
    orders = example["manifest"]["products"]["sales/sales_orders_analytical"]
    problems = {p["id"]: p["count"] for p in orders["problems"]}
    assert (
        problems["negative_total_amount"]
        == con.execute("SELECT COUNT(*) FROM orders WHERE total_amount < 0").fetchone()[0]
    )
    assert (
        problems["null_customer_id"]
        == con.execute("SELECT COUNT(*) FROM orders WHERE customer_id IS NULL").fetchone()[0]
    )
    unknown = con.execute(
        "SELECT COUNT(*) FROM orders WHERE customer_id IS NOT NULL AND customer_id NOT IN (SELECT id FROM customers)"
    ).fetchone()[0]
    assert problems["unknown_customer"] == unknown
    assert all(count > 0 for count in problems.values())
    assert orders["expected"]["checks"]["referential_integrity"] == unknown + problems["null_customer_id"]


def test_one_product_is_stale_by_three_days(example):
    con = example["con"]
    newest = con.execute("SELECT MAX(loaded_at) FROM campaign_performance").fetchone()[0]
    assert newest == NOW - timedelta(hours=72)
    stale = [key for key, p in example["manifest"]["products"].items() if p["freshness"]["age_hours"] >= 72]
    assert stale == ["marketing/campaign_performance"]


def test_the_newest_event_partition_drifts_from_the_schema(example):
    events = example["manifest"]["products"]["product/product_events"]
    drift = events["problems"][0]
    s3 = example["root"] / "s3"
    schemas = {}
    for file in events["files"]:
        partition = file.split("/")[-2]
        schemas[partition] = {
            row[0]
            for row in duckdb.sql(
                f"DESCRIBE SELECT * FROM read_parquet('{s3 / file}', hive_partitioning = false)"
            ).fetchall()
        }
    newest = max(schemas)
    assert drift["details"]["partition"] == newest
    assert schemas[newest] - schemas[min(schemas)] == {"client_sdk_version"}
    assert all(
        schema == schemas[min(schemas)] for partition, schema in schemas.items() if partition != newest
    )


def test_the_newest_usage_partition_is_three_times_the_others(example):
    con = example["con"]
    counts = [
        c
        for _, c in con.execute(
            "SELECT usage_date, COUNT(*) FROM feature_usage GROUP BY 1 ORDER BY 1"
        ).fetchall()
    ]
    jump = example["manifest"]["products"]["product/feature_usage"]["problems"][0]
    assert jump["details"]["rows"] == counts[-1]
    assert 2.7 <= counts[-1] / (sum(counts[:-1]) / len(counts[:-1])) <= 3.3


def test_at_least_two_products_are_fully_clean(example):
    clean = example["manifest"]["clean_products"]
    assert len(clean) >= 2
    for key in clean:
        expected = example["manifest"]["products"][key]["expected"]
        assert not any(expected["checks"].values()) and not any(expected["constraints"].values()), key


def test_generating_again_rewrites_the_same_rows(example, contracts):
    assert example["manifest"] == example["first"]
    for key, contract in contracts.items():
        assert rows_of(example["con"], contract) == example["first_rows"][key], key


# --- the command and the warehouse ---------------------------------------------------------------


def test_command_writes_where_the_settings_point(settings, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    settings.MESH_STORAGE_MAP = {S3: str(tmp_path / "data")}
    settings.MESH_DATA_SOURCES = {"warehouse": f"duckdb://{warehouse}"}

    out = io.StringIO()
    call_command("generate_example_data", "--scale", "small", "--now", NOW.isoformat(), stdout=out)

    assert "12 products at scale small" in out.getvalue()

    manifest = json.loads((tmp_path / "data" / "manifest.json").read_text())
    assert manifest["scale"] == "small" and manifest["now"] == NOW.isoformat()
    assert (tmp_path / "data" / "sales" / "orders").is_dir()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("SELECT COUNT(*) FROM finance.general_ledger").fetchone()[0]
    assert rows == manifest["products"]["finance/general_ledger"]["row_count"]


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_ledger_is_loaded_into_a_postgresql_warehouse(tmp_path, contracts):
    import psycopg

    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="") + (
        ":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else ""
    )
    url = f"postgresql://{credentials}@{db['HOST'] or ''}{':' + str(db['PORT']) if db['PORT'] else ''}/{db['NAME']}"
    try:
        manifest = generate_example_data(
            storage_root=tmp_path / "s3", data_sources={"warehouse": url}, scale="small", now=NOW
        )
        with psycopg.connect(url) as conn:
            conn.execute("SET search_path TO finance")
            rows = conn.execute("SELECT COUNT(*) FROM general_ledger").fetchone()[0]
            checks = {
                c["name"]: conn.execute(c["query"]).fetchone()[0]
                for c in contracts["finance/general_ledger"]["sla"]["quality_checks"]
            }
        ledger = manifest["products"]["finance/general_ledger"]
        assert ledger["warehouse"] == {
            "source": "warehouse",
            "engine": "postgresql",
            "table": "finance.general_ledger",
        }
        assert rows == ledger["row_count"] > 0
        assert checks == ledger["expected"]["checks"]
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS finance CASCADE")
