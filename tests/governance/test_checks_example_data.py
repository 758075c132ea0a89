"""The quality engine on the example organization: every seeded problem is found with the
manifest's exact count (the generator's ground truth, recomputed independently by
tests/catalog/test_example_data.py), and clean products pass."""

import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from catalog.exampledata import generate_example_data
from catalog.models import DataProduct
from governance.checks.runner import run_checks
from governance.checks.service import quality_run_now
from governance.models import CheckResult, MetricValue, QualityRun

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "examples" / "contracts"
NOW = datetime(2025, 6, 2, 12, 0, 0)

pytestmark = pytest.mark.django_db


@pytest.fixture
def example(settings, tmp_path):
    """Small-scale example data behind s3://data-products/ and a DuckDB-file warehouse, and the
    twelve example contracts imported."""
    settings.MESH_DATA_SOURCES = {"warehouse": f"duckdb://{tmp_path / 'warehouse.duckdb'}"}
    settings.MESH_CHECK_TIMEOUT_SECONDS = 30
    manifest = generate_example_data(
        storage_root=Path(settings.MESH_STORAGE_MAP["s3://data-products/"]),
        data_sources=settings.MESH_DATA_SOURCES,
        scale="small",
        now=NOW,
    )
    call_command("import_contracts", str(CONTRACTS), "--quiet", stdout=io.StringIO(), stderr=io.StringIO())
    return manifest


def product(key: str) -> DataProduct:
    domain, name = key.split("/")
    return DataProduct.objects.select_related("owning_team__domain").get(domain__name=domain, name=name)


def measured_counts(report) -> dict:
    return {o.check.name: o.count for o in report.outcomes}


def expected_counts(entry: dict) -> dict:
    expected = {name: float(count) for name, count in entry["expected"]["checks"].items()}
    for name, count in entry["expected"]["constraints"].items():
        field, kind = name.split(".")
        expected[f"{field}_{kind}"] = float(count)
    expected["completeness"] = entry["expected"]["completeness"]
    return expected


def test_every_seeded_count_is_found_exactly_and_clean_products_pass(example):
    mismatches, unclean_passed, clean_failed = {}, [], {}
    for key, entry in example["products"].items():
        p = product(key)
        version = p.current_version or p.versions.first()
        report = run_checks(contract=version.contract, product=p, now=NOW)
        assert not report.error, (key, report.error)
        counts = measured_counts(report)
        wanted = expected_counts(entry)
        wrong = {
            name: (counts.get(name), count) for name, count in wanted.items() if counts.get(name) != count
        }
        if wrong:
            mismatches[key] = wrong
        if entry["clean"] and not report.passed:
            clean_failed[key] = [(o.check.name, o.count, o.message) for o in report.outcomes if not o.passed]
        if (
            not entry["clean"]
            and report.passed
            and any(
                pr["count"] or "completeness" in pr["checks"]
                for pr in entry["problems"]
                if pr["checks"] or pr["constraints"]
            )
        ):
            unclean_passed.append(key)
    assert mismatches == {}
    assert clean_failed == {}
    assert unclean_passed == []


def test_completeness_is_over_all_fields_and_fails_exactly_the_products_the_manifest_records(example):
    failing, required = {}, {}
    for key, entry in example["products"].items():
        p = product(key)
        contract = (p.current_version or p.versions.first()).contract
        report = run_checks(contract=contract, product=p, now=NOW)
        outcome = next(o for o in report.outcomes if o.check.name == "completeness")
        assert outcome.count == entry["expected"]["completeness"], key
        assert (
            f"({len(contract['schema']['fields'])} fields x {entry['row_count']} rows)" in outcome.message
        ), key
        if not outcome.passed:
            failing[key] = outcome.count
        required[key] = next(m.value for m in report.metrics if m.name == "completeness_required_fields")
    recorded = {
        key: problem["details"]["percent"]
        for key, entry in example["products"].items()
        for problem in entry["problems"]
        if "completeness" in problem["checks"]
    }
    assert failing == recorded
    assert set(recorded) == {"sales/customer_interactions", "product/product_events"}
    # the required fields (not_null / primary key) of those two are complete: only the metric says so
    assert required["sales/customer_interactions"] == required["product/product_events"] == 100.0


def test_problems_without_a_count_are_found_by_freshness_and_schema_checks(example):
    stale = run_checks(contract=product("marketing/campaign_performance").current_version.contract, now=NOW)
    freshness = next(o for o in stale.outcomes if o.check.name == "freshness")
    assert (freshness.passed, freshness.count, freshness.check.threshold) == (False, 72.0, 24.0)

    events = product("product/product_events")
    drift = run_checks(contract=events.current_version.contract, product=events, now=NOW)
    outcome = {o.check.name: o for o in drift.outcomes}
    assert outcome["schema_drift"].passed is False and outcome["schema_drift"].count == 1
    assert "client_sdk_version" in outcome["schema_drift"].message
    assert outcome["schema"].passed is True


def test_the_command_prints_the_seed_result_shape_stores_the_run_and_exits_1_on_a_critical_failure(example):
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("run_quality_checks", "sales/sales_orders_analytical", "--format", "json", stdout=out)
    assert exit_info.value.code == 1
    result = json.loads(out.getvalue())
    names = [c["name"] for c in result["checks"]]
    assert result["passed"] is False
    assert names[:2] == ["order_id_unique", "order_id_not_null"]
    assert names[-3:] == ["no_negative_amounts", "valid_status", "referential_integrity"]
    assert "completeness" in names and "total_amount_min" in names
    assert set(result["checks"][0]) == {"name", "passed", "count", "threshold", "severity"}
    by_name = {c["name"]: c for c in result["checks"]}
    assert by_name["referential_integrity"] == {
        "name": "referential_integrity",
        "passed": False,
        "count": 25.0,
        "threshold": 0.0,
        "severity": "critical",
    }
    run = QualityRun.objects.get()
    assert run.status == "failed" and run.finished_at is not None
    assert CheckResult.objects.filter(run=run).count() == len(names)
    assert MetricValue.objects.filter(run=run, name="row_count").get().value == 10_000


def test_a_clean_product_on_the_duckdb_warehouse_passes_with_metrics(example):
    ledger = product("finance/general_ledger")
    run, report = quality_run_now(product=ledger, now=NOW)
    assert report.engine == "duckdb"
    assert run.status == "passed", [(o.check.name, o.message) for o in report.outcomes if not o.passed]
    metrics = {(m.name, m.column): m.value for m in MetricValue.objects.filter(run=run)}
    assert metrics[("row_count", "")] == example["products"]["finance/general_ledger"]["row_count"]
    assert metrics[("null_percentage", "cost_center")] >= 0
    assert metrics[("open_period_journals", "")] > 0
    assert ("top_values", "account_type") in metrics
