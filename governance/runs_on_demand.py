"""An owner's "Run checks now": one run at a time per product, whoever presses."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from catalog.models import DataProduct
from catalog.visibility import user_may_change_product

from .checks.service import quality_run_request
from .models import QualityRun, QualityRunTrigger
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
