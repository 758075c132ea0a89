"""Monitoring on the example organization with a clock moved forward: the stale product opens a
critical freshness alert, the volume jump a warning, a fixed product resolves its alert by itself,
repeated sweeps never open a second alert for a rule, and a real local webhook receiver gets
every notification with a valid HMAC-SHA256 signature."""

import datetime as dt
import io
import json
from pathlib import Path

import duckdb
import pytest
from django.core import mail
from django.core.management import call_command

from catalog.exampledata import generate_example_data
from catalog.models import DataProduct, FreshnessStatus, QualityHealth, Team
from governance.models import Alert, AlertEvent, AlertNotification, AlertState, MetricValue, QualityRun
from governance.monitoring.notify import SIGNATURE_HEADER, signature_valid
from governance.monitoring.services import freshness_sweep, products_due_sweep, run_process
from governance.tasks import alert_notification_task

from .monitoring_helpers import WebhookReceiver

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "examples" / "contracts"
NOW = dt.datetime(2025, 6, 2, 12, 0, 0)
T0 = NOW.replace(tzinfo=dt.UTC)
SECRET = "s3cret-marketing"

pytestmark = pytest.mark.django_db


@pytest.fixture
def example(settings, tmp_path):
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


def product(ref: str) -> DataProduct:
    domain, name = ref.split("/")
    return DataProduct.objects.get(domain__name=domain, name=name)


def sweep_and_run(now) -> list[int]:
    """What beat and the workers do at `now`: the sweep claims due products, each run executes."""
    run_ids = products_due_sweep(now=now)
    for run_id in run_ids:
        run_process(run_id=run_id, now=now)
    return run_ids


def refresh_campaign_data(storage_root: Path, loaded_at: dt.datetime) -> None:
    """The ad-platform export resumes: the newest month's file is reloaded at `loaded_at`."""
    folder = storage_root / "marketing" / "campaign_performance"
    newest = max(folder.glob("*.csv"))
    stamp = loaded_at.strftime("%Y-%m-%d %H:%M:%S")
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE t AS SELECT * REPLACE (TIMESTAMP '{stamp}' AS loaded_at) FROM read_csv('{newest}')"
    )
    con.execute(f"COPY t TO '{newest}' (FORMAT csv, HEADER)")
    con.close()


def deliver_pending() -> None:
    for pk in AlertNotification.objects.filter(status="pending").values_list("pk", flat=True):
        alert_notification_task.apply(args=[pk])


def test_moved_clock_opens_and_resolves_alerts_once_and_signs_webhooks(example, settings):
    storage_root = Path(settings.MESH_STORAGE_MAP["s3://data-products/"])
    Team.objects.filter(name="marketing-analytics").update(webhook_secret=SECRET)
    with WebhookReceiver() as receiver:
        Team.objects.filter(name__in=["marketing-analytics", "product-analytics"]).update(
            webhook_url=receiver.url
        )

        # Given the example data measured at T0
        first = sweep_and_run(T0)
        published = DataProduct.objects.filter(current_version__isnull=False).count()
        assert len(first) == published >= 10
        assert QualityRun.objects.filter(pk__in=first, monitored_at__isnull=False).count() == len(first)

        # Then the stale product opens a critical freshness alert
        campaign = product("marketing/campaign_performance")
        assert campaign.freshness_status == FreshnessStatus.STALE
        stale = Alert.objects.get(product=campaign, rule_type="freshness", state=AlertState.OPEN)
        assert stale.severity == "critical"
        assert stale.last_value == pytest.approx(72.0, abs=0.1)
        assert "3 d" in stale.message

        # And the volume jump opens a warning
        usage = product("product/feature_usage")
        jump = Alert.objects.get(product=usage, rule_type="volume", state=AlertState.OPEN)
        assert jump.severity == "warning"
        assert jump.last_value > 50
        change = MetricValue.objects.get(run=jump.run, name="row_count_change")
        assert change.detail["basis"] == "partition"
        assert usage.quality_health in (QualityHealth.PASSING, QualityHealth.WARNING)
        assert usage.next_check_at > T0 and usage.last_checked_at == T0

        # And the undeclared column of product_events opens its critical schema drift alert
        drift = Alert.objects.get(product=product("product/product_events"), rule_type="schema")
        assert drift.severity == "critical" and drift.state == AlertState.OPEN
        assert "client_sdk_version" in drift.message

        # When beat and the freshness sweep run again and again, nothing opens twice
        for minutes in (1, 2, 3):
            assert sweep_and_run(T0 + dt.timedelta(minutes=minutes)) == []  # nothing is due yet
            freshness_sweep(now=T0 + dt.timedelta(minutes=minutes))
        for minutes in (30, 45, 90):  # the products updated every 15-60 minutes are checked again
            assert sweep_and_run(T0 + dt.timedelta(minutes=minutes))
            freshness_sweep(now=T0 + dt.timedelta(minutes=minutes))
        assert Alert.objects.filter(product=campaign, rule_type="freshness").count() == 1
        assert Alert.objects.filter(product=usage, rule_type="volume").count() == 1

        # When the export resumes and the clock moves past every product's next check
        t1 = T0 + dt.timedelta(hours=20)
        refresh_campaign_data(storage_root, (t1 - dt.timedelta(hours=1)).replace(tzinfo=None))
        second = sweep_and_run(t1)
        assert len(second) == published
        for minutes in (1, 5, 61):
            sweep_and_run(t1 + dt.timedelta(minutes=minutes))
            freshness_sweep(now=t1 + dt.timedelta(minutes=minutes))

        # Then the fixed product's alert resolved by itself; the volume jump is still one alert
        stale.refresh_from_db()
        assert stale.state == AlertState.RESOLVED and stale.resolved_by is None
        assert product("marketing/campaign_performance").freshness_status == FreshnessStatus.FRESH
        assert list(AlertEvent.objects.filter(alert=stale).values_list("kind", flat=True)) == [
            "opened",
            "resolved",
        ]
        assert list(Alert.objects.filter(product=usage, rule_type="volume").values_list("pk", "state")) == [
            (jump.pk, AlertState.OPEN)
        ]
        for p in DataProduct.objects.all():
            keys = list(
                Alert.objects.filter(product=p).exclude(state="resolved").values_list("rule_key", flat=True)
            )
            assert len(keys) == len(set(keys)), (p.ref, keys)

        # And every webhook the receiver got carries a valid signature over its exact body
        deliver_pending()
        assert AlertNotification.objects.filter(channel="webhook").exclude(status="sent").count() == 0
        bodies = []
        for headers, body in receiver.requests:
            payload = json.loads(body)
            if payload["mesh"]["product"].startswith("marketing/"):
                assert signature_valid(body, SECRET, headers[SIGNATURE_HEADER.lower()]), headers
                assert not signature_valid(body + b" ", SECRET, headers[SIGNATURE_HEADER.lower()])
            else:
                assert SIGNATURE_HEADER.lower() not in headers  # that team set no secret
            assert payload["text"] and payload["attachments"][0]["title"]
            bodies.append(
                (payload["mesh"]["product"], payload["mesh"]["rule_type"], payload["mesh"]["event"])
            )
        assert ("marketing/campaign_performance", "freshness", "alert.opened") in bodies
        assert ("marketing/campaign_performance", "freshness", "alert.resolved") in bodies
        assert ("product/feature_usage", "volume", "alert.opened") in bodies
        assert bodies.count(("product/feature_usage", "volume", "alert.opened")) == 1
        assert any("marketing-analytics@example.com" in m.to for m in mail.outbox)
