"""Quality runs as a service: requested in a transaction and enqueued on commit, executed once
however often the task is delivered, and every run ends in a state."""

from unittest import mock

import duckdb
import pytest
from django.db import transaction

from catalog.models import DataProduct
from governance.checks.service import (
    MAX_ATTEMPTS,
    latest_run_summary,
    quality_run_execute,
    quality_run_request,
)
from governance.models import CheckResult, QualityRun
from governance.tasks import quality_run_task
from tests.factories import contract_doc

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(settings, tmp_path):
    """A published orders product with 3 negative amounts in its files."""
    import io

    import yaml
    from django.core.management import call_command

    folder = tmp_path / "s3" / "sales" / "orders"
    folder.mkdir(parents=True)
    duckdb.sql(
        "COPY (SELECT 'ORD-' || i AS order_id, CAST(i AS DECIMAL(12,2)) - 3 AS total_amount FROM range(100) t(i)) "
        f"TO '{folder / 'part-0.parquet'}'"
    )
    doc = contract_doc()
    doc["sla"].pop("freshness")
    path = tmp_path / "orders.yaml"
    path.write_text(yaml.safe_dump(doc))
    call_command("import_contracts", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    return DataProduct.objects.get(name="orders")


def test_a_request_enqueues_the_task_only_when_the_transaction_commits(
    orders, django_capture_on_commit_callbacks
):
    with mock.patch.object(quality_run_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            run = quality_run_request(product=orders, trigger="manual")
        delay.assert_called_once_with(run.pk)
    assert run.status == "queued" and run.version == orders.current_version


def test_a_rolled_back_request_enqueues_nothing(orders, django_capture_on_commit_callbacks):
    with mock.patch.object(quality_run_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            try:
                with transaction.atomic():
                    quality_run_request(product=orders, trigger="manual")
                    raise RuntimeError("the view failed")
            except RuntimeError:
                pass
        assert callbacks == [] and not delay.called
    assert not QualityRun.objects.exists()


def test_a_redelivered_task_runs_the_checks_once_and_records_each_result_once(orders):
    run = QualityRun.objects.create(product=orders, version=orders.current_version)

    quality_run_task(run.pk)
    quality_run_task(run.pk)  # a redelivery after the run finished

    run.refresh_from_db()
    assert run.status == "failed" and run.attempt == 1
    results = {r.name: r for r in CheckResult.objects.filter(run=run)}
    assert results["no_negative_amounts"].count == 3 and not results["no_negative_amounts"].passed
    assert results["total_amount_min"].count == 3
    assert results["order_id_unique"].passed and results["completeness"].count == 100.0


def test_a_run_left_running_by_a_dead_worker_is_claimed_again_and_given_up_after_max_attempts(orders):
    run = QualityRun.objects.create(
        product=orders, version=orders.current_version, status="running", attempt=1
    )
    assert quality_run_execute(run_id=run.pk) is not None
    run.refresh_from_db()
    assert run.attempt == 2 and run.status == "failed"

    poisoned = QualityRun.objects.create(
        product=orders, version=orders.current_version, status="running", attempt=MAX_ATTEMPTS
    )
    assert quality_run_execute(run_id=poisoned.pk) is None
    poisoned.refresh_from_db()
    assert poisoned.status == "error" and "gave up" in poisoned.error


def test_an_engine_crash_ends_the_run_in_error(orders):
    run = QualityRun.objects.create(product=orders, version=orders.current_version)
    with mock.patch("governance.checks.service.run_checks", side_effect=MemoryError("boom")):
        quality_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "error" and "boom" in run.error


def test_the_latest_run_summary_is_what_the_measured_rules_read(orders):
    run = QualityRun.objects.create(product=orders, version=orders.current_version)
    quality_run_execute(run_id=run.pk)
    summary = latest_run_summary(orders)
    assert summary["run_id"] == run.pk and summary["status"] == "failed"
    assert {
        "name": "no_negative_amounts",
        "kind": "sql",
        "passed": False,
        "count": 3.0,
        "threshold": 0.0,
        "severity": "critical",
    } in summary["checks"]


def test_missing_data_is_an_error_run_saying_where_it_looked(orders, settings, tmp_path):
    settings.MESH_STORAGE_MAP = {"s3://data-products/": str(tmp_path / "elsewhere")}
    (tmp_path / "elsewhere").mkdir()
    run = QualityRun.objects.create(product=orders, version=orders.current_version)
    quality_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "error" and "no data at s3://data-products/sales/orders/" in run.error
    assert not CheckResult.objects.filter(run=run, passed=True).exists()
