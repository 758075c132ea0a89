"""A real Celery worker on Redis: a task goes through the broker and its result comes back."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery

from tests.conftest import redis_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def redis_worker(tmp_path):
    url = redis_url()
    env = dict(os.environ, CELERY_BROKER_URL=url, CELERY_RESULT_BACKEND=url, MESH_VAR_DIR=str(tmp_path))
    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    proc = subprocess.Popen(
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
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    client = Celery("test-client", broker=url, backend=url)
    client.conf.accept_content = ["json"]
    try:
        yield client, queue
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.redis
def test_a_task_sent_through_redis_runs_on_a_real_worker(redis_worker):
    client, queue = redis_worker
    result = client.send_task("mesh_portal.tasks.echo", args=[{"hello": "mesh"}], queue=queue)
    value = result.get(timeout=60)
    assert value["echo"] == {"hello": "mesh"}
    assert value["pid"] != os.getpid()
