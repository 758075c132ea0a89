"""The completeness check, on tables small enough to count by hand: the share of non-null cells
over rows x ALL the contract's fields, in percent, passed when >= sla.completeness.min_threshold.
The required-fields figure is only the metric `completeness_required_fields`."""

from pathlib import Path

import duckdb
import pytest

from catalog.contracts import parse_contract
from governance.checks.runner import run_checks
from tests.factories import contract_text

# 4 rows x 3 fields = 12 cells, 4 of them NULL (`a` once, `b` three times): 8 / 12 = 66.666667 %.
# The required field `id` is never NULL: 100 %.
ROWS = [(1, "x", None), (2, None, None), (3, "y", 1.5), (4, "z", None)]
FIELDS = [
    {"name": "id", "type": "integer", "is_primary_key": True, "constraints": ["not_null"]},
    {"name": "a", "type": "string"},
    {"name": "b", "type": "double"},
]


def tiny_contract(location: str, *, threshold: str, fields=FIELDS, kind: str = "parquet") -> dict:
    text = contract_text(
        **{
            "name": "tiny",
            "schema": {"type": kind, "location": location, "table": "tiny", "fields": fields},
            "sla.completeness": {"min_threshold": threshold},
            "sla.freshness": None,
            "sla.quality_checks": [],
            "observability.metrics": ["row_count"],
        }
    )
    parsed = parse_contract(text)
    assert parsed.ok, [str(p) for p in parsed.problems]
    return parsed.contract


@pytest.fixture
def tiny_files(settings) -> str:
    folder = Path(settings.MESH_STORAGE_MAP["s3://data-products/"]) / "tiny"
    folder.mkdir()
    con = duckdb.connect()
    con.execute("CREATE TABLE tiny (id INTEGER, a VARCHAR, b DOUBLE)")
    con.executemany("INSERT INTO tiny VALUES (?, ?, ?)", ROWS)
    con.execute(f"COPY tiny TO '{folder / 'part-0.parquet'}' (FORMAT parquet)")
    con.close()
    return "s3://data-products/tiny/"


def outcome_of(report, name="completeness"):
    return next(o for o in report.outcomes if o.check.name == name)


def metric(report, name):
    return next(m.value for m in report.metrics if m.name == name)


@pytest.mark.parametrize(("threshold", "passed"), [("66%", True), ("66.666667%", True), ("67%", False)])
def test_completeness_is_non_null_cells_over_rows_times_all_fields(tiny_files, threshold, passed):
    report = run_checks(contract=tiny_contract(tiny_files, threshold=threshold))

    completeness = outcome_of(report)
    assert completeness.count == round(100 * 8 / 12, 6) == 66.666667
    assert completeness.passed is passed
    assert completeness.check.threshold == float(threshold.rstrip("%"))
    assert "8 of 12 cells (3 fields x 4 rows) are not null" in completeness.message
    # the required field (the primary key) is complete: a metric, not the check
    assert metric(report, "completeness_required_fields") == 100.0
    assert metric(report, "completeness") == 66.666667
    assert "completeness_all_fields" not in {m.name for m in report.metrics}


def test_a_declared_field_missing_from_the_data_counts_as_null(tiny_files):
    fields = FIELDS + [{"name": "c", "type": "string"}]
    report = run_checks(contract=tiny_contract(tiny_files, threshold="50%", fields=fields))

    completeness = outcome_of(report)
    assert completeness.count == 50.0 and completeness.passed  # 8 of 4 x 4 = 16 cells
    assert "missing from the data, counted as null: c" in completeness.message
    assert outcome_of(report, "schema").count == 1  # the schema check reports it too


def test_no_rows_is_complete(settings):
    folder = Path(settings.MESH_STORAGE_MAP["s3://data-products/"]) / "tiny"
    folder.mkdir()
    duckdb.sql(
        "COPY (SELECT 1::INTEGER AS id, 'x' AS a, 1.0::DOUBLE AS b WHERE false) "
        f"TO '{folder / 'part-0.parquet'}' (FORMAT parquet)"
    )
    report = run_checks(contract=tiny_contract("s3://data-products/tiny/", threshold="99%"))

    assert (outcome_of(report).count, outcome_of(report).passed) == (100.0, True)


@pytest.mark.pg
@pytest.mark.django_db
def test_completeness_on_postgresql_counts_the_same_cells(settings):
    from tests.governance.test_checks_postgres import admin, database_url, drop_roles

    url = database_url()
    settings.MESH_DATA_SOURCES = {"warehouse": url}
    admin("DROP SCHEMA IF EXISTS qc_tiny CASCADE")
    admin("CREATE SCHEMA qc_tiny")
    try:
        admin("CREATE TABLE qc_tiny.tiny (id integer, a text, b double precision)")
        for row in ROWS:
            admin("INSERT INTO qc_tiny.tiny VALUES (%s, %s, %s)", list(row))
        contract = tiny_contract("postgresql://warehouse/qc_tiny.tiny", threshold="67%", kind="postgresql")
        report = run_checks(contract=contract)

        assert report.engine == "postgresql" and not report.error
        completeness = outcome_of(report)
        assert (completeness.count, completeness.passed) == (66.666667, False)
        assert metric(report, "completeness_required_fields") == 100.0
    finally:
        admin("DROP SCHEMA IF EXISTS qc_tiny CASCADE")
        drop_roles("mesh_qc_")
