"""`make demo`'s last two steps on a fresh var/ folder, with no services: setup_demo loads the
example organization, run_demo serves it with a real worker and beat, Ctrl-C stops everything."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_of(pid: int) -> set[int]:
    """All descendants of `pid`, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def login_and_get(base: str, username: str, password: str, path: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    data = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    request = urllib.request.Request(
        f"{base}/accounts/login/", data=data.encode(), headers={"Referer": base + "/"}
    )
    opener.open(request).read()
    return opener.open(f"{base}{path}").read().decode()


def demo_environment(tmp_path: Path, **settings: str) -> dict:
    """A fresh demo (own var/, SQLite, file broker) migrated and set up at small scale: the
    environment to start `run_demo` with. `settings` are extra environment variables."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}
    }
    env.update(
        MESH_VAR_DIR=str(tmp_path / "var"),
        MESH_STORAGE_MAP=f"s3://data-products/={tmp_path / 'var' / 'data' / 's3'}",
        DEBUG="1",
        PYTHONUNBUFFERED="1",
        **settings,
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    subprocess.run(
        [*manage, "setup_demo", "--scale", "small"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
        capture_output=True,
    )
    return env


@pytest.mark.slow
def test_demo_serves_twelve_products_runs_worker_and_beat_and_stops_cleanly(tmp_path):
    env = demo_environment(tmp_path, MESH_HEARTBEAT_SECONDS="2")
    manage = [sys.executable, "manage.py"]
    port = free_port()
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        demo = subprocess.Popen(
            [*manage, "run_demo", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(f"{base}/accounts/login/", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            else:
                pytest.fail("the web server did not answer:\n" + log.read_text())
            home = login_and_get(base, "governance", "mesh-demo", "/")
            assert len(re.findall(r'class="product-card"', home)) == 12
            assert len(re.findall(r'class="domain-group"', home)) == 4
            deadline = time.monotonic() + 90
            while "heartbeat ok" not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.5)
            assert "heartbeat ok" in log.read_text(), log.read_text()
            descendants = children_of(demo.pid)
            assert len(descendants) >= 3
        finally:
            demo.send_signal(signal.SIGINT)
            demo.wait(timeout=60)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in descendants) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in descendants if alive(pid)], "processes left behind"
    assert "stopped web server, worker and beat" in log.read_text()
