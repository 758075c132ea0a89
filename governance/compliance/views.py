"""The governance lead's compliance pages: dashboard, drill-downs, exports, waivers.

Governance leads only (signed-in others get 403: the pages exist, acting on them is not theirs).
Every figure links to `compliance_products`, which lists the products behind it.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from catalog.models import DataProduct
from catalog.querysets import user_is_governance_lead

from ..models import Waiver
from . import dashboard as dash
from .selectors import latest_report
from .services import (
    WAIVABLE_POLICIES,
    WaiverError,
    compliance_report_enqueue,
    waiver_create,
    waiver_revoke,
)
from .svg import trend_svg


def governance_lead_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not user_is_governance_lead(request.user):
            raise PermissionDenied("Only governance leads see the compliance pages.")
        return view(request, *args, **kwargs)

    return wrapper


@governance_lead_required
@require_GET
def compliance_dashboard(request):
    data = dash.dashboard()
    trend = data["tables"]["trend"]
    kept = [(row, links) for row, links in zip(trend.rows, trend.links, strict=True) if row[2] is not None]
    points = [(dt.date.fromisoformat(row[1]), row[2]) for row, _ in kept]
    heat = data["tables"]["heatmap"]
    peak = max((v for row in heat.rows for v in row[1:]), default=0)
    return render(
        request,
        "governance/compliance/dashboard.html",
        {
            **data,
            "trend_svg": trend_svg(points, links=[links[0] for _, links in kept]),
            "heat_rows": [
                [
                    (value, link, _heat_level(value, peak) if i else None)
                    for i, (value, link) in enumerate(row)
                ]
                for row in heat.cells()
            ],
        },
    )


def _heat_level(value, peak: int) -> int:
    if not value:
        return 0
    return min(4, 1 + (3 * value) // max(peak, 1))


@governance_lead_required
@require_GET
def compliance_products(request):
    """The products behind one figure of the dashboard, worst first (of the latest report, or of
    the past one `?report=` names)."""
    report = dash.report_for(request.GET)
    if report is None:
        return render(request, "governance/compliance/products.html", {"report": None})
    qs, description = dash.products_behind(report, request.GET)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "governance/compliance/products.html",
        {
            "report": report,
            "page": page,
            "description": description,
            "query": query.urlencode(),
            "export_csv": reverse("governance:compliance-export", args=["products", "csv"])
            + f"?{query.urlencode()}",
            "export_json": reverse("governance:compliance-export", args=["products", "json"])
            + f"?{query.urlencode()}",
        },
    )


@governance_lead_required
@require_GET
def compliance_export(request, table: str, fmt: str):
    """Any dashboard table in full (no LIMIT) as CSV or JSON; `products` takes the drill-down's filters."""
    if fmt not in ("csv", "json") or (table not in dash.TABLES and table != "products"):
        raise Http404("Not found.")
    report = dash.report_for(request.GET) if table == "products" else latest_report()
    if table == "products":
        result = dash.products_table(report, request.GET)
    elif table == "violations":
        result = dash.violations_table(report, limit=None)
    elif table == "waivers":
        result = dash.waivers_table(today=timezone.localdate(), limit=None)
    else:
        result = dash.dashboard(tables=(table,))["tables"][table]
    filename = f"compliance-{table}-{report.as_of.isoformat() if report else 'none'}.{fmt}"
    if fmt == "json":
        body = json.dumps(
            {"table": table, "report": report.pk if report else None, "rows": result.as_records()},
            cls=DjangoJSONEncoder,
            indent=1,
        )
        response = HttpResponse(body, content_type="application/json")
    else:
        response = StreamingHttpResponse(_csv_lines(result), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class _Echo:
    def write(self, value):
        return value


def _csv_lines(table: dash.Table):
    writer = csv.writer(_Echo())
    yield writer.writerow(table.columns)
    for row in table.rows:
        yield writer.writerow(["" if v is None else v for v in row])


@governance_lead_required
@require_POST
def compliance_run(request):
    compliance_report_enqueue(requested_by=request.user)
    messages.success(request, "A compliance report is being computed; reload this page in a minute.")
    return redirect("governance:compliance")


class WaiverForm(forms.Form):
    product = forms.RegexField(
        regex=r"^[-\w]+/[-\w]+$",
        help_text="<domain>/<name>",
        error_messages={"invalid": "Write <domain>/<name>."},
    )
    policy = forms.ChoiceField(choices=[(p, p) for p in WAIVABLE_POLICIES])
    expires_on = forms.DateField(
        label="Until (last day)",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The last day it applies.",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


@governance_lead_required
def waiver_list(request):
    """Live and past waivers; the form grants a new one."""
    initial = {k: request.GET[k] for k in ("product", "policy") if request.GET.get(k)}
    form = WaiverForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        domain, _, name = form.cleaned_data["product"].partition("/")
        product = DataProduct.objects.select_related("domain").filter(domain__name=domain, name=name).first()
        if product is None:
            form.add_error("product", f"There is no product {form.cleaned_data['product']}.")
        else:
            try:
                waiver = waiver_create(
                    product=product,
                    policy=form.cleaned_data["policy"],
                    reason=form.cleaned_data["reason"],
                    expires_on=form.cleaned_data["expires_on"],
                    created_by=request.user,
                )
            except WaiverError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request, f"Waived {waiver.policy} on {product.ref} until {waiver.expires_on}."
                )
                return redirect("governance:compliance-waivers")
    today = timezone.localdate()
    waivers = Waiver.objects.select_related("product__domain", "created_by", "ended_by").order_by(
        "-created_at"
    )
    live = [w for w in waivers.filter(ended_at__isnull=True, expires_on__gte=today)]
    past = list(waivers.exclude(pk__in=[w.pk for w in live])[:50])
    return render(
        request,
        "governance/compliance/waivers.html",
        {"form": form, "live": live, "past": past, "today": today},
    )


@governance_lead_required
@require_POST
def waiver_revoke_view(request, pk: int):
    try:
        waiver = waiver_revoke(waiver_id=pk, revoked_by=request.user)
    except Waiver.DoesNotExist as exc:
        raise Http404("Not found.") from exc
    except WaiverError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Revoked the waiver of {waiver.policy} on {waiver.product.ref}.")
    return redirect("governance:compliance-waivers")
