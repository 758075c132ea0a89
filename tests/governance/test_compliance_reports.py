"""Compliance reports: every product judged against every rule, stored as history, summarized
per domain and for the organization; the command that prints them."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from catalog.models import DataProduct
from governance.compliance import scoring
from governance.compliance.selectors import latest_report, product_compliance_now
from governance.compliance.services import compliance_report_run
from governance.models import (
    CheckResult,
    ComplianceDomainSummary,
    ComplianceReport,
    ComplianceViolation,
    ProductCompliance,
    QualityRun,
)
from tests.factories import publish_ok

from .compliance_world import ROOT, documented_violations, import_example_organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def organization(db):
    import_example_organization()


def expected_score(severities) -> float:
    return float(max(0, 100 - sum({"critical": 25, "error": 10, "warning": 3}.get(s, 0) for s in severities)))


def test_the_report_of_the_example_organization_is_what_docs_governance_lists(organization):
    documented = documented_violations()
    assert len(documented) == 12

    report = compliance_report_run()

    rows = {
        r.product.ref: r
        for r in ProductCompliance.objects.filter(report=report).select_related("product__domain")
    }
    assert set(rows) == set(documented)
    for ref, listed in documented.items():
        stored = [
            (v.severity, v.policy, v.field or None, v.message)
            for v in ComplianceViolation.objects.filter(product_report=rows[ref]).order_by("position")
        ]
        assert stored == listed, ref
        assert rows[ref].score == expected_score(s for s, *_ in listed), ref
        assert rows[ref].compliant == (not any(s in ("critical", "error") for s, *_ in listed)), ref

    # The draft-only PII showcase is judged on its newest draft.
    assert rows["marketing/lead_attribution"].version_status == "draft"
    assert rows["marketing/lead_attribution"].score == 65.0
    assert rows["sales/sales_orders_analytical"].score == 88.0

    every = [s for listed in documented.values() for s, *_ in listed]
    assert report.product_count == 12
    assert report.compliant_count == 11
    assert report.by_severity == {s: every.count(s) for s in ("critical", "error", "warning", "info")}
    assert report.open_count == 6
    assert report.score == round(sum(expected_score(s for s, *_ in v) for v in documented.values()) / 12, 1)
    assert report.policy_set_version == 1
    by_domain = {
        s.domain.name: s
        for s in ComplianceDomainSummary.objects.filter(report=report).select_related("domain")
    }
    assert by_domain["marketing"].score == round((100 + 100 + 65) / 3, 1)
    assert by_domain["marketing"].by_policy == {"pii_handling": 2}
    assert by_domain["sales"].by_policy == {
        "domain_data_quality": 1,
        "observability_requirements": 2,
        "schema_validation": 1,
    }
    assert by_domain["finance"].by_severity["info"] == 6 and by_domain["finance"].by_policy == {}


def test_docs_compliance_documents_the_weights_the_code_uses():
    text = (ROOT / "docs" / "compliance.md").read_text()
    for severity, weight in scoring.WEIGHTS.items():
        assert re.search(rf"\|\s*{severity}\s*\|\s*{weight}\s*\|", text), severity


def test_a_failed_critical_check_in_the_latest_run_is_a_measured_violation(db):
    publish_ok(name="orders")
    product = DataProduct.objects.select_related("current_version").get(name="orders")
    old = QualityRun.objects.create(
        product=product,
        version=product.current_version,
        status="passed",
        finished_at=timezone.now() - dt.timedelta(days=1),
    )
    CheckResult.objects.create(
        run=old, name="no_negative_amounts", kind="sql", passed=True, count=0, severity="critical"
    )
    compliance_report_run()
    assert not ComplianceViolation.objects.filter(measured=True).exists()

    new = QualityRun.objects.create(
        product=product, version=product.current_version, status="failed", finished_at=timezone.now()
    )
    CheckResult.objects.create(
        run=new, name="no_negative_amounts", kind="sql", passed=False, count=3, severity="critical"
    )
    report = compliance_report_run()

    measured = ComplianceViolation.objects.get(report=report, measured=True)
    assert (measured.policy, measured.severity) == ("quality_gates", "error")
    assert "no_negative_amounts" in measured.message
    row = ProductCompliance.objects.get(report=report, product=product)
    assert row.error_count == 1 and not row.compliant
    assert product_compliance_now(product=product).score == row.score


def test_history_is_kept_report_after_report(organization):
    first = compliance_report_run(now=timezone.now() - dt.timedelta(days=1))
    second = compliance_report_run()
    assert latest_report() == second
    assert ComplianceReport.objects.count() == 2
    assert ProductCompliance.objects.filter(report=first).count() == 12
    assert ProductCompliance.objects.filter(report=second).count() == 12
    assert first.as_of == second.as_of - dt.timedelta(days=1)


def test_a_report_reads_in_chunks_so_its_queries_do_not_grow_with_products(db, django_assert_max_num_queries):
    for i in range(3):
        publish_ok(name=f"few_{i}")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        compliance_report_run()
    for i in range(25):
        publish_ok(name=f"many_{i}")
    assert DataProduct.objects.count() == 28
    with django_assert_max_num_queries(len(few.captured_queries)):
        compliance_report_run()


def test_the_command_prints_the_latest_report_as_text_json_and_csv(organization):
    with pytest.raises(CommandError, match="no compliance report yet"):
        call_command("compliance_report", stdout=StringIO())

    out = StringIO()
    call_command("compliance_report", "--now", "--format", "json", stdout=out)
    document = json.loads(out.getvalue())
    report = latest_report()
    assert document["report"]["id"] == report.pk and document["report"]["score"] == report.score
    assert [d["domain"] for d in document["domains"]] == ["finance", "marketing", "product", "sales"]
    lead = next(p for p in document["products"] if p["product"] == "marketing/lead_attribution")
    assert [(v["severity"], v["policy"]) for v in lead["violations"]] == [
        ("critical", "pii_handling"),
        ("error", "pii_handling"),
    ]

    out = StringIO()
    call_command("compliance_report", "--format", "csv", stdout=out)
    rows = list(csv.DictReader(StringIO(out.getvalue())))
    assert len(rows) == 12 and ComplianceReport.objects.count() == 1  # printed, not recomputed
    assert {r["product"]: float(r["score"]) for r in rows}["sales/sales_orders_analytical"] == 88.0

    out = StringIO()
    call_command("compliance_report", stdout=out)
    assert "score 96.1, 11 of 12 products compliant, 6 open violations" in out.getvalue()


def test_beat_runs_the_report_and_the_waiver_sweep_daily():
    from mesh_portal.celery import app

    schedule = app.conf.beat_schedule
    assert schedule["compliance-report-daily"]["task"] == "governance.compliance.tasks.compliance_report_task"
    assert schedule["compliance-waivers-sweep"]["task"] == "governance.compliance.tasks.waivers_sweep_task"
    app.loader.import_default_modules()  # what a worker does at start
    assert "governance.compliance.tasks.compliance_report_task" in app.tasks
    assert "governance.compliance.tasks.waivers_sweep_task" in app.tasks


@pytest.mark.pg
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_computes_a_report_on_the_test_database(tmp_path):
    import os
    import subprocess
    import sys
    import time

    from celery import Celery
    from django.db import connection

    from tests.conftest import redis_url
    from tests.factories import make_user

    publish_ok(name="orders")
    lead = make_user("lead", governance=True)
    db = connection.settings_dict
    db_url = f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    queue = f"compliance-{os.getpid()}-{time.monotonic_ns()}"
    env = dict(os.environ, DATABASE_URL=db_url, CELERY_BROKER_URL=redis_url(), MESH_VAR_DIR=str(tmp_path))
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "mesh_portal",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = Celery("test-client", broker=redis_url())
        client.send_task(
            "governance.compliance.tasks.compliance_report_task", args=["manual", lead.pk], queue=queue
        )
        deadline = time.monotonic() + 90
        while not ComplianceReport.objects.filter(finished_at__isnull=False).exists():
            assert time.monotonic() < deadline, "the worker did not store a report in 90 s"
            time.sleep(0.2)
        report = ComplianceReport.objects.get()
        assert report.trigger == "manual" and report.requested_by == lead
        assert report.product_count == 1
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def test_the_api_enqueues_a_report_once_the_request_commits(django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    from tests.factories import make_user

    client = APIClient()
    client.force_authenticate(make_user("lead", governance=True))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/api/v1/compliance/reports/")
    assert response.status_code == 202 and response.json() == {"queued": True}
    assert len(callbacks) == 1
    assert not ComplianceReport.objects.exists()  # nothing computed inside the request


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_judging_in_worker_processes_stores_the_same_report_as_judging_here():
    """Large organizations are judged in spawned processes on the same (here: the test) database."""
    import governance.compliance.services as services

    import_example_organization()
    serial = compliance_report_run()
    original = services.CHUNK
    services.CHUNK = 5  # three chunks for twelve products, so both workers get work
    try:
        parallel = compliance_report_run(processes=2)
    finally:
        services.CHUNK = original

    def rows(report):
        return sorted(
            ProductCompliance.objects.filter(report=report).values_list(
                "product_id",
                "version_id",
                "score",
                "compliant",
                "critical_count",
                "error_count",
                "warning_count",
                "info_count",
                "waived_count",
            )
        )

    def violations(report):
        return sorted(
            ComplianceViolation.objects.filter(report=report).values_list(
                "product_id", "position", "policy", "severity", "message"
            )
        )

    assert rows(parallel) == rows(serial) and len(rows(serial)) == 12
    assert violations(parallel) == violations(serial)
    assert (parallel.score, parallel.by_severity, parallel.by_policy) == (
        serial.score,
        serial.by_severity,
        serial.by_policy,
    )
