"""Shared fixtures. Service markers: `pg`, `redis`, `browser` skip where the service is
absent and fail instead when CI=true, so CI can never pass by skipping them."""

import os
import shutil
import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def redis_url() -> str:
    broker = os.environ.get("CELERY_BROKER_URL", "")
    return (
        broker
        if broker.startswith("redis://")
        else os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    )


def _tcp_open(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def _service_missing(marker: str) -> str | None:
    if marker == "pg" and not settings.IS_POSTGRES:
        return "needs PostgreSQL (set DATABASE_URL=postgresql://...)"
    if marker == "redis" and not _tcp_open(redis_url()):
        return f"needs Redis at {redis_url()}"
    if marker == "browser" and not (
        os.path.exists(CHROMIUM) and shutil.which("node") is not None or os.path.exists(CHROMIUM)
    ):
        return f"needs Chromium at {CHROMIUM}"
    return None


def pytest_runtest_setup(item):
    for marker in ("pg", "redis", "browser"):
        if item.get_closest_marker(marker) is None:
            continue
        reason = _service_missing(marker)
        if reason:
            if IN_CI:
                pytest.fail(f"CI=true but this test {reason}", pytrace=False)
            pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_storage(settings, tmp_path):
    """Each test gets its own data folder behind s3://data-products/."""
    data_root = tmp_path / "s3"
    data_root.mkdir()
    settings.MESH_STORAGE_MAP = {"s3://data-products/": str(data_root)}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    yield


@pytest.fixture
def browser_page(live_server, monkeypatch):
    """A Playwright page in Debian's Chromium (log in with `browser_login`)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def browser_login(page, live_server, username: str, password: str = "pw") -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
