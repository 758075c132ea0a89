"""Scheduling, freshness states and deadlines, the publish hook, and webhook retries."""

import datetime as dt
import json

import pytest
from django.db import transaction

from catalog.models import DataProduct
from governance.models import AlertNotification, QualityRun
from governance.monitoring.alerts import Observation, alerts_apply
from governance.monitoring.freshness import age_display, freshness_evaluate
from governance.monitoring.notify import SIGNATURE_HEADER, signature_valid
from governance.monitoring.scheduling import next_check_at
from governance.monitoring.services import product_published_run
from governance.tasks import alert_notification_task
from tests.factories import make_user, publish, publish_ok

from .monitoring_helpers import WebhookReceiver

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_daily_product_is_checked_ten_minutes_after_its_update():
    assert next_check_at(cron="0 2 * * *", now=at("2025-06-02 12:00")) == at("2025-06-03 02:10")
    # just after the update: its check is still ahead
    assert next_check_at(cron="0 2 * * *", now=at("2025-06-02 02:03")) == at("2025-06-02 02:10")


def test_a_product_updated_every_minute_is_checked_at_most_every_fifteen_minutes():
    assert next_check_at(cron="* * * * *", now=at("2025-06-02 12:00")) == at("2025-06-02 12:15")


def test_a_product_without_a_schedule_is_checked_hourly():
    assert next_check_at(cron="", now=at("2025-06-02 12:00")) == at("2025-06-02 13:00")


def test_fresh_then_late_then_stale_with_the_deadline_of_each_change():
    updated = at("2025-06-02 01:50")  # loaded by the 02:00 run? no: stamped before it
    kwargs = {"data_updated_at": updated, "max_age_hours": 26, "cron": "0 2 * * *"}
    fresh = freshness_evaluate(now=at("2025-06-02 12:00"), **kwargs)
    assert fresh.status == "fresh"
    # the 02:00 update of the 3rd did not arrive: late half an hour (grace) after it
    assert fresh.deadline == at("2025-06-03 02:30")
    late = freshness_evaluate(now=at("2025-06-03 02:31"), **kwargs)
    assert late.status == "late" and late.deadline == at("2025-06-03 03:50:01")
    stale = freshness_evaluate(now=at("2025-06-03 04:00"), **kwargs)
    assert stale.status == "stale" and stale.deadline is None
    assert stale.age_display == "26 h 10 min"


def test_an_alert_threshold_is_a_deadline_too():
    fresh = freshness_evaluate(
        data_updated_at=at("2025-06-02 10:00"),
        max_age_hours=48,
        cron="",
        now=at("2025-06-02 11:00"),
        age_thresholds=(6.0,),
    )
    assert fresh.deadline == at("2025-06-02 16:00:01")


def test_ages_read_as_minutes_hours_and_days():
    assert age_display(0.25) == "15 min"
    assert age_display(3.2) == "3 h 12 min"
    assert age_display(72) == "3 d"
    assert age_display(None) == "not measured"


@pytest.mark.django_db
def test_publishing_a_version_enqueues_one_run_after_commit(django_capture_on_commit_callbacks):
    make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish_ok()
    names = [getattr(c, "__qualname__", "") for c in callbacks]
    assert any("_submit_locked" in n for n in names), names
    product = DataProduct.objects.get(name="orders")
    run_id = product_published_run(product_id=product.pk, version_id=product.current_version_id)
    again = product_published_run(product_id=product.pk, version_id=product.current_version_id)
    assert run_id == again  # a redelivered publication task finishes the same run
    run = QualityRun.objects.get(pk=run_id)
    assert run.trigger == "publish" and run.monitored_at is not None
    assert QualityRun.objects.filter(product=product).count() == 1


@pytest.mark.django_db
def test_a_draft_kept_by_the_gate_enqueues_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outcome = publish(retention_days=None)
    assert not outcome.published
    assert not [c for c in callbacks if "_submit_locked" in getattr(c, "__qualname__", "")]


def _alert_with_webhook(url: str, secret: str = "k"):
    publish_ok()
    product = DataProduct.objects.select_related("owning_team").get(name="orders")
    product.owning_team.webhook_url, product.owning_team.webhook_secret = url, secret
    product.owning_team.save()
    rule = {"type": "volume", "condition": "row_count > 1", "severity": "warning", "metric": "row_count"}
    rule |= {"op": ">", "value": 1.0, "percent": False, "event": None}
    from governance.monitoring.notify import notifications_queue

    with transaction.atomic():
        events = alerts_apply(
            product=product,
            rules=[rule],
            observation=Observation(values={"row_count": 5.0}),
            now=dt.datetime.now(UTC),
        )
        notifications_queue(events)
    return AlertNotification.objects.get(channel="webhook")


@pytest.mark.django_db
def test_a_failing_receiver_is_retried_then_given_up(settings):
    settings.MESH_NOTIFY_MAX_RETRIES = 2
    with WebhookReceiver(status=503) as receiver:
        notification = _alert_with_webhook(receiver.url)
        alert_notification_task.apply(args=[notification.pk])
    notification.refresh_from_db()
    assert len(receiver.requests) == 3  # the first attempt and two retries
    assert notification.status == "failed" and notification.attempts == 3
    assert "HTTP 503" in notification.last_error
    headers, body = receiver.requests[0]
    assert signature_valid(body, "k", headers[SIGNATURE_HEADER.lower()])
    assert json.loads(body)["mesh"]["event"] == "alert.opened"


@pytest.mark.django_db
def test_a_receiver_refusing_the_hook_is_not_retried():
    with WebhookReceiver(status=410) as receiver:
        notification = _alert_with_webhook(receiver.url)
        alert_notification_task.apply(args=[notification.pk])
    notification.refresh_from_db()
    assert len(receiver.requests) == 1 and notification.status == "failed"


@pytest.mark.django_db
def test_a_delivered_notification_is_not_sent_twice():
    with WebhookReceiver() as receiver:
        notification = _alert_with_webhook(receiver.url)
        alert_notification_task.apply(args=[notification.pk])
        alert_notification_task.apply(args=[notification.pk])  # a redelivery
    notification.refresh_from_db()
    assert (
        len(receiver.requests) == 1 and notification.status == "sent" and notification.response_status == 200
    )
