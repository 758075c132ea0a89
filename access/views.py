"""Access pages: request, inbox, my requests and access, decisions, preview, audit log.

Objects a user may not see answer 404 exactly like missing ones (catalog.visibility for
products, `requests_visible_to` / `grants_visible_to` for requests and grants).
"""

from __future__ import annotations

import csv
import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from catalog.visibility import visible_product_or_404

from . import selectors, services
from .forms import AccessRequestForm, AuditFilterForm
from .preview import product_preview


def _product_url(product) -> str:
    return reverse("product", args=[product.domain.name, product.name])


def _back(request, fallback: str) -> str:
    nxt = request.POST.get("next") or ""
    return nxt if nxt.startswith("/") and not nxt.startswith("//") else fallback


@login_required
@require_GET
def product_access(request, domain: str, name: str):
    """The product's access panel on a page of its own (the product page includes the same panel)."""
    product = visible_product_or_404(request.user, domain=domain, name=name)
    access = selectors.product_access_context(user=request.user, product=product)
    return render(request, "access/product_access.html", {"product": product, "access": access})


@login_required
@require_POST
def request_create(request, domain: str, name: str):
    product = visible_product_or_404(request.user, domain=domain, name=name)
    form = AccessRequestForm(request.POST)
    target = _back(request, _product_url(product))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(target)
    try:
        access_request = services.access_request_create(
            product=product,
            requester=request.user,
            purpose=form.cleaned_data["purpose"],
            note=form.cleaned_data["note"],
            expires_at=form.cleaned_data["expires_at"],
            renew=form.cleaned_data["renew"],
        )
    except services.AccessNotFound as exc:
        raise Http404 from exc
    except services.AccessError as exc:
        messages.error(request, exc.message)
        return redirect(target)
    if access_request.status == "approved":
        messages.success(request, f"Access granted by policy ({access_request.decided_rule}).")
    else:
        messages.success(request, "Request sent. You will get an email when it is decided.")
    return redirect(target)


def _request_or_404(user, pk: int):
    found = selectors.requests_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _decide(request, pk: int, action: str):
    access_request = _request_or_404(request.user, pk)
    try:
        if action == "approve":
            services.access_request_approve(request_id=access_request.pk, decided_by=request.user)
            messages.success(request, f"Approved the request of {access_request.requester.username}.")
        elif action == "reject":
            services.access_request_reject(
                request_id=access_request.pk, decided_by=request.user, comment=request.POST.get("comment", "")
            )
            messages.success(request, f"Rejected the request of {access_request.requester.username}.")
        else:
            services.access_request_cancel(request_id=access_request.pk, cancelled_by=request.user)
            messages.success(request, "Request cancelled.")
    except services.AccessDenied as exc:
        raise PermissionDenied(exc.message) from exc
    except services.AccessError as exc:
        messages.error(request, exc.message)
    return redirect(_back(request, reverse("access:inbox")))


@login_required
@require_POST
def request_approve(request, pk: int):
    return _decide(request, pk, "approve")


@login_required
@require_POST
def request_reject(request, pk: int):
    return _decide(request, pk, "reject")


@login_required
@require_POST
def request_cancel(request, pk: int):
    return _decide(request, pk, "cancel")


@login_required
@require_POST
def grant_revoke(request, pk: int):
    grant = selectors.grants_visible_to(request.user).filter(pk=pk).first()
    if grant is None:
        raise Http404
    try:
        services.access_grant_revoke(grant_id=grant.pk, revoked_by=request.user)
    except services.AccessDenied as exc:
        raise PermissionDenied(exc.message) from exc
    except services.AccessError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Revoked the access of {grant.user.username} to {grant.product.ref}.")
    return redirect(_back(request, reverse("access:grants")))


@login_required
@require_GET
def inbox(request):
    to_decide = list(selectors.requests_to_decide(request.user)[:200])
    owner_queue = [r for r in to_decide if r.status == "pending_owner"]
    governance_queue = [r for r in to_decide if r.status == "pending_governance"]
    return render(
        request,
        "access/inbox.html",
        {
            "owner_queue": owner_queue,
            "governance_queue": governance_queue,
            "is_governance_lead": selectors.user_is_governance_lead(request.user),
        },
    )


@login_required
@require_GET
def my_requests(request):
    page = Paginator(selectors.requests_of(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "access/my_requests.html", {"page": page})


@login_required
@require_GET
def my_grants(request):
    grants = list(selectors.grants_of(request.user)[:200])
    managed = list(
        selectors.grants_visible_to(request.user)
        .exclude(user_id=request.user.pk)
        .filter(revoked_at__isnull=True)[:200]
    )
    return render(request, "access/my_grants.html", {"grants": grants, "managed": managed})


@login_required
@require_GET
def preview(request, domain: str, name: str):
    """The first rows of the product's data (htmx partial, or a page of its own)."""
    product = visible_product_or_404(request.user, domain=domain, name=name)
    if not selectors.user_may_read_data(user=request.user, product=product):
        response = render(
            request,
            "access/includes/preview_denied.html",
            {"product": product},
            status=403,
        )
        return response
    result = product_preview(product)
    services.data_access_record(
        user=request.user,
        product=product,
        action="data.preview",
        details={"rows": len(result.rows), "via": "web"},
    )
    template = (
        "access/includes/preview_table.html" if request.headers.get("HX-Request") else "access/preview.html"
    )
    return render(request, template, {"product": product, "preview": result})


# --- audit log ---------------------------------------------------------------------------------------


def _audit_rows(request):
    if not selectors.audit_may_view(request.user):
        raise PermissionDenied("The audit log is for product owners and governance leads.")
    form = AuditFilterForm(request.GET)
    events = selectors.audit_events_for(request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["product"]:
            domain, _, name = data["product"].partition("/")
            events = (
                events.filter(product__domain__name=domain, product__name=name)
                if name
                else events.filter(domain_name=domain)
            )
        if data["action"]:
            events = events.filter(action__startswith=data["action"])
        if data["actor"]:
            events = events.filter(actor_name=data["actor"])
        if data["since"]:
            events = events.filter(at__date__gte=data["since"])
        if data["until"]:
            events = events.filter(at__date__lte=data["until"])
    return form, events.order_by("-at", "-id")


@login_required
@require_GET
def audit_log(request):
    form, events = _audit_rows(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "access/audit_log.html", {"form": form, "page": page, "query": query.urlencode()})


class _Echo:
    def write(self, value):
        return value


@login_required
@require_GET
def audit_export(request):
    _, events = _audit_rows(request)
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(
            ["at", "actor", "action", "object_type", "object_id", "object", "domain", "before", "after"]
        )
        for e in events.iterator(chunk_size=1000):
            yield writer.writerow(
                [
                    e.at.isoformat(),
                    e.actor_name,
                    e.action,
                    e.object_type,
                    e.object_id,
                    _csv_safe(e.object_repr),
                    e.domain_name,
                    _csv_safe(json.dumps(e.before) if e.before is not None else ""),
                    _csv_safe(json.dumps(e.after) if e.after is not None else ""),
                ]
            )

    stamp = dt.date.today().isoformat()
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ would run as a formula in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
