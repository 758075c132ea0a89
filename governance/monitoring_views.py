"""Monitoring pages: "Run checks now" and its status, a check's history.

A product the user may not see answers 404 like a missing one (catalog.visibility); a visible
product the user may not act on answers 403.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from catalog.querysets import user_is_governance_lead
from catalog.visibility import user_may_change_product, visible_product_or_404

from . import monitoring_pages
from .models import Alert, AlertSeverity
from .monitoring import services as monitoring_services

RUN_FINISHED_EVENT = "quality-run-finished"
ALERT_CHANGED_EVENT = "alert-changed"


def _sla_url(product) -> str:
    return reverse("product-tab", args=[product.domain.name, product.name, "sla"])


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def poll_delay(run) -> str:
    """Poll every second while a run is young; a run still waiting after a minute (no worker
    free) is polled every five seconds."""
    if run is None:
        return ""
    return "1s" if timezone.now() - run.created_at < dt.timedelta(minutes=1) else "5s"


def run_panel_context(*, product, in_flight, latest_run, can_run: bool) -> dict:
    """What templates/governance/monitoring/run_panel.html needs (the SLA tab includes it too)."""
    return {
        "poll_delay": poll_delay(in_flight),
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
        run, created = monitoring_services.product_run_request(product=product, user=request.user)
    except ValueError:  # no version at all: nothing to check
        if _is_htmx(request):
            return render(
                request,
                "governance/monitoring/run_panel.html",
                {
                    **run_panel_context(product=product, in_flight=None, latest_run=None, can_run=True),
                    "problem": "This product has no version to check yet.",
                },
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
    if monitoring_pages.run_settled(run):
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


# --- Alerts ------------------------------------------------------------------------------------


def _state_param(request) -> str:
    state = request.GET.get("state") or "active"
    return state if state in monitoring_pages.STATE_FILTERS else "active"


@login_required
@require_GET
def product_alerts(request, domain: str, name: str):
    """The alerts of one product: open, acknowledged and resolved, each with its history."""
    product = visible_product_or_404(request.user, domain=domain, name=name)
    state = _state_param(request)
    alerts, counts = monitoring_pages.product_alerts(product=product, state=state)
    may_act = user_may_change_product(request.user, product)
    return render(
        request,
        "governance/monitoring/alerts_product.html",
        {
            "product": product,
            "alerts": alerts,
            "counts": counts,
            "state": state,
            "acting_on": {product.pk} if may_act else set(),
            "sla_url": _sla_url(product),
            "filters": _state_filters(request.path, state, counts),
        },
    )


@login_required
@require_GET
def alerts(request):
    """The alerts of every product of the user's teams (every product for governance leads)."""
    state = _state_param(request)
    severity = request.GET.get("severity") or ""
    if severity not in AlertSeverity.values:
        severity = ""
    page, counts = monitoring_pages.user_alerts(
        user=request.user, state=state, severity=severity, page=request.GET.get("page") or 1
    )
    listed = list(page.object_list)
    # The list holds only products the user may act on (for_user(user, "change")).
    acting_on = {a.product_id for a in listed}
    query = {"state": state, **({"severity": severity} if severity else {})}
    return render(
        request,
        "governance/monitoring/alerts_all.html",
        {
            "alerts": listed,
            "page": page,
            "counts": counts,
            "state": state,
            "severity": severity,
            "severities": AlertSeverity.choices,
            "user_is_lead": user_is_governance_lead(request.user),
            "acting_on": acting_on,
            "filters": _state_filters(request.path, state, counts, severity=severity),
            "previous_url": f"?{urlencode({**query, 'page': page.previous_page_number()})}"
            if page.has_previous()
            else "",
            "next_url": f"?{urlencode({**query, 'page': page.next_page_number()})}"
            if page.has_next()
            else "",
        },
    )


def _state_filters(path: str, current: str, counts: dict, severity: str = "") -> list[dict]:
    extra = {"severity": severity} if severity else {}
    return [
        {
            "state": s,
            "label": label,
            "count": counts[s],
            "url": f"{path}?{urlencode({'state': s, **extra})}",
            "current": s == current,
        }
        for s, label in (
            ("active", "Active"),
            ("open", "Open"),
            ("acknowledged", "Acknowledged"),
            ("resolved", "Resolved"),
            ("all", "All"),
        )
    ]


def _alert_action(request, pk: int, action):
    try:
        alert = action(alert_id=pk, user=request.user)
    except Alert.DoesNotExist as exc:
        raise Http404("Not found.") from exc
    except monitoring_services.AlertStateError as exc:
        problem = str(exc).capitalize() + "."
        alert = None
    else:
        problem = ""
    if not _is_htmx(request):
        if problem:
            messages.error(request, problem)
        else:
            messages.success(request, f"Alert {alert.get_state_display().lower()}.")
        nxt = request.POST.get("next") or ""
        safe = url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=False)
        return redirect(nxt if safe and nxt.startswith("/") else reverse("governance:monitoring-alerts"))
    # htmx swaps the alert's card with its new state (or the current one, when someone was faster).
    card = monitoring_pages.alert_with_history(alert_id=pk)
    response = render(
        request,
        "governance/monitoring/alert_card.html",
        {
            "alert": card,
            "acting_on": {card.product_id},
            "show_product": bool(request.POST.get("show_product")),
            "open_history": True,
            "problem": problem,
        },
    )
    if not problem:
        response["HX-Trigger"] = ALERT_CHANGED_EVENT  # the page's state counts refresh themselves
    return response


@login_required
@require_POST
def alert_acknowledge(request, pk: int):
    return _alert_action(request, pk, monitoring_services.alert_acknowledge)


@login_required
@require_POST
def alert_resolve(request, pk: int):
    return _alert_action(request, pk, monitoring_services.alert_resolve)
