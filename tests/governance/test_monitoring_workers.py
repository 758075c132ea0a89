"""Monitoring with real processes: a Celery worker on Redis killed with SIGKILL in the middle of
a run (the run is redelivered and records one result), and two beat sweeps at once on
PostgreSQL (each due product is enqueued once)."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection, connections

from catalog.models import DataProduct
from governance.checks.ir import checks_of
from governance.models import CheckResult, MetricValue, QualityRun
from governance.monitoring.services import products_due_sweep
from tests.conftest import redis_url
from tests.factories import publish_ok
from tests.governance.monitoring_helpers import write_orders

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.pg, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgresql://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


# A check that takes seconds on 1,000 rows (a three-way self join): long enough to kill the
# worker while it runs, with no sleep anywhere.
SLOW_CHECK = {
    "name": "no_triple_below_zero",
    "query": "SELECT COUNT(*) FROM orders a, orders b, orders c "
    "WHERE a.total_amount * b.total_amount - c.total_amount * 3.7 < -1000000",
    "threshold": 0,
}


@pytest.fixture
def worker(tmp_path):
    queue = f"test-mon-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    env = dict(
        os.environ,
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=redis_url(),
        CELERY_RESULT_BACKEND=redis_url(),
        MESH_VAR_DIR=str(tmp_path / "var"),
        MESH_STORAGE_MAP="s3://data-products/=" + settings.MESH_STORAGE_MAP["s3://data-products/"],
        MESH_CHECK_TIMEOUT_SECONDS="120",
    )
    proc = subprocess.Popen(
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
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = Celery("test-client", broker=redis_url())
    try:
        yield proc, client, queue
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        redis.Redis.from_url(redis_url()).delete(queue)


def pool_children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(c) for c in text.split()]


def test_a_run_killed_with_sigkill_is_redelivered_and_records_one_result(worker):
    proc, client, queue = worker
    publish_ok(**{"sla.quality_checks": [SLOW_CHECK]})
    write_orders(1_000, amount=lambda i: Decimal(i % 97))
    product = DataProduct.objects.get(name="orders")
    run = QualityRun.objects.create(product=product, version=product.current_version)
    wait_for(lambda: pool_children(proc.pid), timeout=60, what="the worker's pool process")

    client.send_task("governance.tasks.quality_run_task", args=[run.pk], queue=queue)
    wait_for(
        lambda: QualityRun.objects.filter(pk=run.pk, status="running").exists(),
        timeout=60,
        what="the worker to start the run",
        interval=0.02,
    )
    child = pool_children(proc.pid)[0]
    os.kill(child, signal.SIGKILL)
    assert CheckResult.objects.filter(run=run).count() == 0, "the run finished before the kill"

    wait_for(
        lambda: QualityRun.objects.filter(pk=run.pk, monitored_at__isnull=False).exists(),
        timeout=180,
        what="the redelivered run to finish",
        interval=0.2,
    )
    run.refresh_from_db()
    assert wait_for(
        lambda: [c for c in pool_children(proc.pid) if c != child], timeout=10, what="a new pool process"
    )
    assert run.attempt == 2, "the run was claimed once before the kill and once after"
    assert run.status == "passed", run.error
    names = list(CheckResult.objects.filter(run=run).values_list("name", flat=True))
    expected = [c.name for c in checks_of(product.current_version.contract).checks]
    assert sorted(names) == sorted(expected)  # each check once
    metrics = list(MetricValue.objects.filter(run=run).values_list("name", "column"))
    assert len(metrics) == len(set(metrics))
    assert QualityRun.objects.filter(product=product).count() == 1
    product.refresh_from_db()
    assert product.last_checked_at is not None and product.quality_health == "passing"


@pytest.fixture
def app_on_redis():
    """The project's Celery app sends to a private Redis queue for the test (and back after)."""
    from mesh_portal.celery import app

    queue = f"test-sweep-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    saved = (app.conf.broker_url, app.conf.task_default_queue)
    app.conf.broker_url, app.conf.task_default_queue = redis_url(), queue
    app._pool, app.amqp._producer_pool = None, None
    try:
        yield queue
    finally:
        app.conf.broker_url, app.conf.task_default_queue = saved
        app._pool, app.amqp._producer_pool = None, None
        redis.Redis.from_url(redis_url()).delete(queue)


def queued_run_ids(queue: str) -> list[int]:
    ids = []
    for raw in redis.Redis.from_url(redis_url()).lrange(queue, 0, -1):
        message = json.loads(raw)
        if message["headers"]["task"] == "governance.tasks.quality_run_task":
            args, _, _ = json.loads(base64.b64decode(message["body"]))
            ids.append(args[0])
    return ids


def test_two_sweeps_at_once_enqueue_each_due_product_once(app_on_redis):
    for i in range(40):
        publish_ok(name=f"orders_{i}", **{"schema.location": f"s3://data-products/sales/orders_{i}/"})
    due = set(DataProduct.objects.values_list("pk", flat=True))
    assert len(due) == 40
    barrier = threading.Barrier(2)
    created: list[list[int]] = [[], []]
    errors = []

    def sweep(slot: int):
        try:
            barrier.wait(timeout=30)
            created[slot] = products_due_sweep(batch=3)
        except Exception as exc:  # reported below: a thread's assertion would be lost
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert created[0] and created[1], "both sweeps claimed products (they really ran at once)"
    assert not set(created[0]) & set(created[1])
    runs = QualityRun.objects.filter(trigger="schedule")
    assert sorted(runs.values_list("product_id", flat=True)) == sorted(due)  # each product once
    enqueued = queued_run_ids(app_on_redis)
    assert sorted(enqueued) == sorted(created[0] + created[1]) == sorted(runs.values_list("pk", flat=True))
    assert products_due_sweep() == []  # and nothing is due any more
