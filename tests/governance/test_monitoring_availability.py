"""The `availability_violation` alert: the share of the last 30 days' runs that could read the
data (as the SLA tab shows it) against `sla.availability`, decided by each real run."""

import shutil

import pytest

from catalog.models import DataProduct
from governance.models import Alert, AlertEvent, AlertState, QualityRun, QualityRunStatus
from governance.monitoring.services import run_process
from tests.factories import make_user, publish_ok
from tests.governance.monitoring_helpers import orders_folder, write_orders

pytestmark = pytest.mark.django_db

AVAILABILITY_ALERT = {"type": "availability", "condition": "availability_violation", "severity": "critical"}


def run_once(product: DataProduct) -> QualityRun:
    run = QualityRun.objects.create(product=product, version=product.current_version)
    assert run_process(run_id=run.pk)
    run.refresh_from_db()
    return run


def availability_alert(product):
    return Alert.objects.filter(product=product, rule_key="availability:availability_violation").first()


def test_availability_below_the_sla_opens_an_alert_that_resolves_once_enough_runs_read_the_data():
    make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics")
    publish_ok(
        **{
            "sla.availability": "60%",
            "observability.alerts": [AVAILABILITY_ALERT],
        }
    )
    product = DataProduct.objects.get(name="orders")
    shutil.rmtree(orders_folder(), ignore_errors=True)

    # No data: the run cannot read it; 0 of 1 runs is below 60%.
    assert run_once(product).status == QualityRunStatus.ERROR
    alert = availability_alert(product)
    assert alert is not None and alert.state == AlertState.OPEN and alert.severity == "critical"
    assert alert.last_value == 0.0
    assert "0 of 1 run in the last 30 days read the data (0%); the SLA promises 60%" in alert.message

    # The data arrives: 1 of 2 (50%) still misses the promise; the same alert is refreshed.
    write_orders(10)
    assert run_once(product).status != QualityRunStatus.ERROR
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN and alert.last_value == 50.0
    assert Alert.objects.filter(product=product).count() == 1

    # 2 of 3 (66.7%) meets it: the alert resolves by itself, once.
    run_once(product)
    alert.refresh_from_db()
    assert alert.state == AlertState.RESOLVED and alert.resolved_by is None
    kinds = list(AlertEvent.objects.filter(alert=alert).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["opened", "resolved"]


def test_without_an_availability_promise_the_rule_decides_nothing():
    make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics")
    publish_ok(**{"sla.availability": None, "observability.alerts": [AVAILABILITY_ALERT]})
    product = DataProduct.objects.get(name="orders")
    shutil.rmtree(orders_folder(), ignore_errors=True)

    assert run_once(product).status == QualityRunStatus.ERROR
    assert availability_alert(product) is None
