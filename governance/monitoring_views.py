"""Monitoring pages: "Run checks now" and its status, a check's history.

A product the user may not see answers 404 like a missing one (catalog.visibility); a visible
product the user may not act on answers 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from catalog.visibility import user_may_change_product, visible_product_or_404

from . import monitoring_pages
from .runs_on_demand import NothingToCheck, quality_run_request_on_demand

RUN_FINISHED_EVENT = "quality-run-finished"


def _sla_url(product) -> str:
    return reverse("product-tab", args=[product.domain.name, product.name, "sla"])


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def run_panel_context(*, product, in_flight, latest_run, can_run: bool) -> dict:
    """What templates/governance/monitoring/run_panel.html needs (the SLA tab includes it too)."""
    return {
        "product": product,
        "run": in_flight,
        "latest_run": latest_run,
        "can_run": can_run,
        "create_url": reverse("governance:monitoring-run-create", args=[product.domain.name, product.name]),
        "status_url": reverse(
            "governance:monitoring-run-status", args=[product.domain.name, product.name, in_flight.pk]
        )
        if in_flight is not None
        else "",
    }


@login_required
@require_POST
def run_create(request, domain: str, name: str):
    """An owner queues a run of the product's checks. htmx gets the status panel, which polls
    until the run finishes; a plain form post goes back to the SLA tab."""
    product = visible_product_or_404(request.user, domain=domain, name=name)
    if not user_may_change_product(request.user, product):
        raise PermissionDenied("Only the product's owners may run its checks.")
    try:
        run, created = quality_run_request_on_demand(product=product, user=request.user)
    except NothingToCheck:
        if _is_htmx(request):
            return render(
                request,
                "governance/monitoring/run_panel.html",
                {**run_panel_context(product=product, in_flight=None, latest_run=None, can_run=True),
                 "problem": "This product has no version to check yet."},
            )
        messages.error(request, "This product has no version to check yet.")
        return redirect(_sla_url(product))
    if not _is_htmx(request):
        messages.success(
            request, f"Run #{run.pk} queued." if created else f"Run #{run.pk} is already {run.status}."
        )
        return redirect(_sla_url(product))
    context = run_panel_context(product=product, in_flight=run, latest_run=None, can_run=True)
    return render(request, "governance/monitoring/run_panel.html", {**context, "already": not created})


@login_required
@require_GET
def run_status(request, domain: str, name: str, run_id: int):
    """The run panel for one run: polling while it is queued or running; once finished, the
    response tells the page (an htmx event after settling) to refresh the measured column."""
    product = visible_product_or_404(request.user, domain=domain, name=name)
    run = monitoring_pages.run_for_status(product=product, run_id=run_id)
    if run is None:
        raise Http404("Not found.")
    can_run = user_may_change_product(request.user, product)
    if run.is_finished:
        context = run_panel_context(product=product, in_flight=None, latest_run=run, can_run=can_run)
        response = render(request, "governance/monitoring/run_panel.html", {**context, "just_finished": True})
        response["HX-Trigger-After-Settle"] = RUN_FINISHED_EVENT
        return response
    context = run_panel_context(product=product, in_flight=run, latest_run=None, can_run=can_run)
    return render(request, "governance/monitoring/run_panel.html", context)


@login_required
@require_GET
def check_history(request, domain: str, name: str, check: str):
    """One check's results over the product's last runs: a chart of the counted value against
    its threshold with pass/fail marks, and the same as a table."""
    product = visible_product_or_404(request.user, domain=domain, name=name)
    history = monitoring_pages.check_history(product=product, name=check)
    if history is None:
        raise Http404("Not found.")
    declared = monitoring_pages.declared_check(product=product, name=check)
    return render(
        request,
        "governance/monitoring/check_history.html",
        {"product": product, "history": history, "declared": declared, "sla_url": _sla_url(product)},
    )
