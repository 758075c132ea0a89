"""`make demo`'s worker and beat run the monitoring over the example data by themselves: every
published product gets checked (publication runs, then the sweeps), the stale product shows as
stale with its critical freshness alert, and the processes stop cleanly."""

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_demo import alive, children_of, demo_environment, free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_demo_worker_and_beat_monitor_every_product(tmp_path):
    env = demo_environment(tmp_path, MESH_MONITOR_SWEEP_SECONDS="3", MESH_FRESHNESS_SWEEP_SECONDS="3")
    manage = [sys.executable, "manage.py"]
    log = tmp_path / "demo.log"
    db = sqlite3.connect(tmp_path / "var" / "mesh_portal.sqlite3", timeout=30)

    def unchecked() -> int:
        return db.execute(
            "SELECT COUNT(*) FROM catalog_dataproduct WHERE current_version_id IS NOT NULL AND last_checked_at IS NULL"
        ).fetchone()[0]

    with log.open("w") as out:
        demo = subprocess.Popen(
            [*manage, "run_demo", "--port", str(free_port())],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 240
            while unchecked() and time.monotonic() < deadline:
                time.sleep(1)
            assert unchecked() == 0, log.read_text()[-5000:]
            rows = dict(
                db.execute(
                    "SELECT p.name, p.freshness_status FROM catalog_dataproduct p WHERE p.current_version_id IS NOT NULL"
                ).fetchall()
            )
            assert rows["campaign_performance"] == "stale"
            assert (
                db.execute(
                    "SELECT COUNT(*) FROM governance_alert a JOIN catalog_dataproduct p ON p.id = a.product_id "
                    "WHERE p.name = 'campaign_performance' AND a.rule_type = 'freshness' AND a.state = 'open' "
                    "AND a.severity = 'critical'"
                ).fetchone()[0]
                == 1
            )
            # each product ran once on publication; the sweeps found nothing else due yet
            per_product = db.execute(
                "SELECT product_id, COUNT(*) FROM governance_qualityrun GROUP BY product_id"
            ).fetchall()
            assert per_product and all(n <= 2 for _, n in per_product), per_product
            descendants = children_of(demo.pid)
        finally:
            demo.send_signal(signal.SIGINT)
            demo.wait(timeout=60)
            db.close()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in descendants) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in descendants if alive(pid)], "processes left behind"
