"""The PostgreSQL engine: the example ledger checked on a real PostgreSQL warehouse, and the
reader-role sandbox holding on its own against hostile SQL and runaway queries."""

import io
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection

from catalog.exampledata import generate_example_data
from catalog.models import DataProduct
from governance.checks.runner import run_checks
from governance.checks.sandbox import (
    QueryTimeout,
    SandboxError,
    ensure_reader_role,
    reader_url,
    run_sandboxed_postgres,
)

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 6, 2, 12, 0, 0)
ROLE = "mesh_qc_test_sandbox"

pytestmark = [pytest.mark.pg, pytest.mark.django_db]


def database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="") + (
        ":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else ""
    )
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgresql://{credentials}@{db['HOST'] or ''}{port}/{db['NAME']}"


def admin(sql: str, params=None):
    import psycopg

    with psycopg.connect(database_url(), autocommit=True) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else None


def drop_roles(prefix: str) -> None:
    for (role,) in admin("SELECT rolname FROM pg_roles WHERE rolname LIKE %s", [prefix + "%"]):
        admin(f'DROP OWNED BY "{role}"')
        admin(f'DROP ROLE "{role}"')


@pytest.fixture
def warehouse(settings):
    url = database_url()
    settings.MESH_DATA_SOURCES = {"warehouse": url}
    settings.MESH_CHECK_TIMEOUT_SECONDS = 20
    yield url
    admin("DROP SCHEMA IF EXISTS finance CASCADE")
    admin("DROP SCHEMA IF EXISTS qc_test CASCADE")
    drop_roles("mesh_qc_")


def test_the_ledger_on_postgresql_matches_the_manifest_and_passes(warehouse, settings):
    manifest = generate_example_data(
        storage_root=Path(settings.MESH_STORAGE_MAP["s3://data-products/"]),
        data_sources={"warehouse": warehouse},
        scale="small",
        now=NOW,
    )
    call_command(
        "import_contracts",
        str(ROOT / "examples" / "contracts"),
        "--quiet",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    ledger = DataProduct.objects.select_related("owning_team__domain").get(name="general_ledger")
    entry = manifest["products"]["finance/general_ledger"]

    report = run_checks(contract=ledger.current_version.contract, product=ledger, now=NOW)

    assert report.engine == "postgresql" and not report.error
    counts = {o.check.name: o.count for o in report.outcomes}
    for name, count in entry["expected"]["checks"].items():
        assert counts[name] == count, name
    for name, count in entry["expected"]["constraints"].items():
        assert counts[name.replace(".", "_")] == count, name
    assert report.passed, [(o.check.name, o.message) for o in report.outcomes if not o.passed]
    metrics = {(m.name, m.column): m.value for m in report.metrics}
    assert metrics[("row_count", "")] == entry["row_count"]
    assert metrics[("open_period_journals", "")] > 0

    # financial_metrics (files) reads the ledger (PostgreSQL) through its input port
    fm = DataProduct.objects.select_related("owning_team__domain").get(name="financial_metrics")
    fm_report = run_checks(contract=fm.current_version.contract, product=fm, now=NOW)
    assert {o.check.name: o.count for o in fm_report.outcomes if o.check.kind == "sql"} == {
        k: float(v)
        for k, v in manifest["products"]["finance/financial_metrics"]["expected"]["checks"].items()
    }


@pytest.fixture
def sandbox_tables(warehouse):
    admin("CREATE SCHEMA qc_test")
    admin("CREATE TABLE qc_test.orders AS SELECT i AS id, i - 5 AS amount FROM generate_series(1, 100) i")
    admin("CREATE TABLE qc_test.secret AS SELECT 'top secret' AS s")
    admin("CREATE SEQUENCE qc_test.seq")
    ensure_reader_role(warehouse, ROLE, [("qc_test", "orders")], timeout=5)
    return warehouse


def checksum() -> list:
    return admin(
        "SELECT (SELECT md5(string_agg(id || ':' || amount, ',' ORDER BY id)) FROM qc_test.orders), "
        "(SELECT count(*) FROM qc_test.secret), (SELECT last_value FROM qc_test.seq), "
        "(SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema'))"
    )


HOSTILE = [
    "INSERT INTO qc_test.orders VALUES (0, 0)",
    "UPDATE qc_test.orders SET amount = 0",
    "DELETE FROM qc_test.orders",
    "WITH d AS (DELETE FROM qc_test.orders RETURNING 1) SELECT count(*) FROM d",
    "SELECT count(*) FROM qc_test.secret",
    "SELECT count(*) FROM public.django_migrations",
    "SELECT count(*) INTO qc_test.copy FROM qc_test.orders",
    "CREATE TABLE qc_test.x (i int)",
    "CREATE TEMP TABLE x AS SELECT 1",
    "COPY qc_test.orders TO '/tmp/mesh_qc_stolen.csv'",
    "COPY (SELECT 1) TO PROGRAM 'touch /tmp/mesh_qc_pwned'",
    "SELECT length(pg_read_file('/etc/passwd'))",
    "SELECT lo_import('/etc/passwd')",
    "SELECT nextval('qc_test.seq')",
    "SELECT count(*) FROM qc_test.orders FOR UPDATE",
    "SELECT 1; DELETE FROM qc_test.orders",
    "DO $$ BEGIN DELETE FROM qc_test.orders; END $$",
    "SET ROLE postgres",
    "RESET ROLE",
    "SET SESSION AUTHORIZATION postgres",
    "SELECT set_config('role', 'postgres', false)",
    "ATTACH 'x.duckdb'",
    "INSTALL httpfs",
    "LOAD 'httpfs'",
    "GRANT SELECT ON qc_test.secret TO PUBLIC",
    "ALTER ROLE mesh_qc_test_sandbox SUPERUSER",
    "SELECT * FROM qc_test.orders",
]


@pytest.mark.parametrize("sql", HOSTILE)
def test_hostile_sql_sent_straight_to_the_reader_role_fails_and_changes_nothing(sandbox_tables, sql):
    before = checksum()

    with pytest.raises(SandboxError) as error:
        run_sandboxed_postgres(sql, url=sandbox_tables, role=ROLE, timeout=5)

    assert str(error.value)
    assert checksum() == before
    assert not Path("/tmp/mesh_qc_stolen.csv").exists() and not Path("/tmp/mesh_qc_pwned").exists()


def test_the_reader_role_reads_its_table_and_holds_no_other_privilege(sandbox_tables):
    assert (
        run_sandboxed_postgres(
            "SELECT count(*) FROM qc_test.orders WHERE amount < 0", url=sandbox_tables, role=ROLE
        )
        == 4
    )
    [(select_orders, select_secret, insert_orders, create_schema, superuser)] = admin(
        "SELECT has_table_privilege(%(r)s, 'qc_test.orders', 'SELECT'), has_table_privilege(%(r)s, 'qc_test.secret', 'SELECT'), "
        "has_table_privilege(%(r)s, 'qc_test.orders', 'INSERT'), has_schema_privilege(%(r)s, 'qc_test', 'CREATE'), "
        "(SELECT rolsuper FROM pg_roles WHERE rolname = %(r)s)",
        {"r": ROLE},
    )
    assert (select_orders, select_secret, insert_orders, create_schema, superuser) == (
        True,
        False,
        False,
        False,
        False,
    )


def test_set_config_in_one_run_does_not_carry_over_to_the_next(sandbox_tables):
    with pytest.raises(SandboxError):  # it returns text, not a number: still refused
        run_sandboxed_postgres(
            "SELECT set_config('default_transaction_read_only', 'off', false) || set_config('statement_timeout', '0', false)",
            url=sandbox_tables,
            role=ROLE,
        )
    read_only = run_sandboxed_postgres(
        "SELECT CASE WHEN current_setting('transaction_read_only') = 'on' THEN 1 ELSE 0 END",
        url=sandbox_tables,
        role=ROLE,
    )
    timeout_ms = run_sandboxed_postgres(
        "SELECT setting::int FROM pg_settings WHERE name = 'statement_timeout'",
        url=sandbox_tables,
        role=ROLE,
        timeout=5,
    )
    assert (read_only, timeout_ms) == (1, 5000)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count(*) FROM pg_sleep(30)",
        "SELECT count(*) FROM generate_series(1, 100000000) a, generate_series(1, 100000) b",
    ],
)
def test_a_runaway_query_is_stopped_within_the_timeout_and_leaves_no_backend(sandbox_tables, sql):
    started = time.monotonic()

    with pytest.raises(QueryTimeout, match="stopped after 1 s"):
        run_sandboxed_postgres(sql, url=sandbox_tables, role=ROLE, timeout=1)

    assert time.monotonic() - started < 1 + 2
    assert run_sandboxed_postgres("SELECT count(*) FROM qc_test.orders", url=sandbox_tables, role=ROLE) == 100
    time.sleep(0.5)
    assert admin("SELECT count(*) FROM pg_stat_activity WHERE usename = %s AND state = 'active'", [ROLE]) == [
        (0,)
    ]


def test_the_reader_url_swaps_only_the_user():
    assert reader_url("postgresql://postgres:pw@db.example:5433/warehouse", "mesh_qc_x") == (
        "postgresql://mesh_qc_x@db.example:5433/warehouse"
    )
