"""Owners act on monitoring: "Run checks now" (one run at a time per product), acknowledge and
resolve alerts. Each write re-checks the permission under a row lock."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from catalog.models import DataProduct
from catalog.visibility import user_may_change_product

from .checks.service import quality_run_request
from .models import Alert, AlertEvent, AlertEventKind, AlertState, QualityRun, QualityRunTrigger
from .monitoring_pages import run_in_flight


class NothingToCheck(Exception):
    """The product has no version whose checks could run."""


@transaction.atomic
def quality_run_request_on_demand(*, product: DataProduct, user) -> tuple[QualityRun, bool]:
    """Queue a manual run of `product`'s checks for `user`, an owner; returns (run, created).

    The product row is locked so two presses at once (two owners, a double click) queue one
    run: while a run is queued or running, pressing again returns that run. The permission is
    checked again under the lock. The task is enqueued when the transaction commits.
    """
    locked = DataProduct.objects.select_for_update().filter(pk=product.pk).first()
    if locked is None or not user_may_change_product(user, locked):
        raise PermissionDenied("Only the product's owners may run its checks.")
    running = run_in_flight(product=locked)
    if running is not None:
        return running, False
    try:
        run = quality_run_request(product=locked, trigger=QualityRunTrigger.MANUAL, user=user)
    except ValueError as exc:  # no version at all
        raise NothingToCheck(str(exc)) from exc
    return run, True


class AlertNotFound(Exception):
    """No such alert, or one on a product the user may not see (answered alike)."""


class AlertStateError(Exception):
    """The alert is not in a state the action applies to (already acknowledged or resolved)."""


def _alert_for_action(*, alert_id: int, user) -> Alert:
    alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
    if alert is None or not DataProduct.objects.for_user(user).filter(pk=alert.product_id).exists():
        raise AlertNotFound(alert_id)
    product = DataProduct.objects.get(pk=alert.product_id)
    if not user_may_change_product(user, product):
        raise PermissionDenied("Only the product's owners may acknowledge or resolve its alerts.")
    return alert


@transaction.atomic
def alert_acknowledge(*, alert_id: int, user, note: str = "") -> Alert:
    """An owner takes an open alert in hand: open -> acknowledged, recorded as an event."""
    alert = _alert_for_action(alert_id=alert_id, user=user)
    if alert.state != AlertState.OPEN:
        raise AlertStateError(f"This alert is already {alert.get_state_display().lower()}.")
    now = timezone.now()
    alert.state, alert.acknowledged_at, alert.acknowledged_by = AlertState.ACKNOWLEDGED, now, user
    alert.save(update_fields=["state", "acknowledged_at", "acknowledged_by"])
    AlertEvent.objects.create(alert=alert, kind=AlertEventKind.ACKNOWLEDGED, at=now, actor=user, note=note)
    return alert


@transaction.atomic
def alert_resolve(*, alert_id: int, user, note: str = "") -> Alert:
    """An owner closes an open or acknowledged alert; if its condition still holds, the next
    evaluation opens a new one."""
    alert = _alert_for_action(alert_id=alert_id, user=user)
    if alert.state == AlertState.RESOLVED:
        raise AlertStateError("This alert is already resolved.")
    now = timezone.now()
    alert.state, alert.resolved_at, alert.resolved_by = AlertState.RESOLVED, now, user
    alert.save(update_fields=["state", "resolved_at", "resolved_by"])
    AlertEvent.objects.create(alert=alert, kind=AlertEventKind.RESOLVED, at=now, actor=user, note=note)
    return alert
