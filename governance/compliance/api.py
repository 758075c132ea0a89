"""The compliance API: reports and their history, a product's compliance, waivers, the
dashboard's tables. Reports and the dashboard are for governance leads (others: 403); a
product's compliance and its waivers answer whoever may see the product (else 404)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import FreshnessStatus, QualityHealth
from catalog.querysets import user_is_governance_lead
from catalog.selectors import user_sees_drafts
from catalog.visibility import visible_product_or_404
from mesh_portal.exceptions import ApiError, checked_beyond_schema, error_response, invalid, not_found
from mesh_portal.pagination import StrictPageNumberPagination, page_of, page_params

from ..models import ComplianceReport, Waiver
from . import api_examples as examples
from . import dashboard as dash
from .api_serializers import (
    ComplianceDashboardSerializer,
    ComplianceProductRowSerializer,
    ComplianceReportQueuedSerializer,
    ComplianceReportSerializer,
    ProductComplianceSerializer,
    ReportSummarySerializer,
    WaiverCreateSerializer,
    WaiverSerializer,
)
from .scoring import SEVERITIES
from .selectors import (
    finished_reports,
    product_compliance_now,
    product_score_history,
    report_domains,
    report_products,
    report_summary,
    waivers_visible_to,
)
from .services import WaiverError, compliance_report_enqueue, waiver_create, waiver_revoke

MAX_PAGE_SIZE = 1000
NOT_FOUND = not_found()
PAGE_NOT_FOUND = not_found("No such page (past the last one, or not a positive number).")
REPORT_NOT_FOUND = not_found(
    "No such finished report (`ref` is `latest` or a report id), or no report yet; or no such page."
)


def _forbidden(description: str, message: str) -> OpenApiResponse:
    return error_response(403, description, code="permission_denied", message=message)


LEADS_ONLY = _forbidden(
    "Only governance leads read compliance reports.", "Only governance leads read compliance reports."
)
BAD_PAGE_SIZE = invalid(
    "Bad `page_size`.", details={"page_size": [f"A whole number from 1 to {MAX_PAGE_SIZE}."]}
)
BOOLEAN_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
REF_PARAM = OpenApiParameter(
    "ref",
    {"type": "string", "pattern": "^(latest|[0-9]+)$"},
    OpenApiParameter.PATH,
    description="`latest` (the newest finished report) or a report id.",
)
WAIVER_ID_PARAM = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)
# PostgreSQL text cannot hold NUL: a free-text filter with one answers 400 (as in the catalog API).
TEXT = {"type": "string", "pattern": "^[^\\u0000]*$"}
FREE_TEXT_FILTERS = ("domain", "policy")

# The drill-down filters whose values are a fixed set (the others: free text; an unknown
# domain or policy matches no product). An empty value filters nothing, as on the page.
FILTER_CHOICES = {
    "severity": list(SEVERITIES),
    "compliant": ["yes", "no"],
    "waived": ["yes"],
    "freshness": [s for s in FreshnessStatus.values if s != FreshnessStatus.UNKNOWN] + ["measured"],
    "quality": [s for s in QualityHealth.values if s != QualityHealth.UNKNOWN] + ["measured"],
    "access": ["open", "auto", "decided"],
}


class _Pages(StrictPageNumberPagination):
    page_size = 100
    max_page_size = MAX_PAGE_SIZE


PAGE_PARAMS = page_params(_Pages)


def _require_lead(user) -> None:
    if not user_is_governance_lead(user):
        raise PermissionDenied("Only governance leads read compliance reports.")


def _report_or_404(ref: str) -> ComplianceReport:
    reports = finished_reports()
    if ref == "latest":
        report = reports.first()
    elif ref.isascii() and ref.isdigit():
        report = reports.filter(pk=int(ref)).first()
    else:
        report = None
    if report is None:
        raise Http404
    return report


_NUL_MESSAGE = "Null characters are not allowed."


def _filters(params) -> None:
    """400 for a drill-down filter outside its set (the page shows nothing; the API says why)."""
    details = {
        key: [f"Not one of {', '.join(choices)}."]
        for key, choices in FILTER_CHOICES.items()
        if params.get(key) not in (None, "", *choices)
    }
    details |= {key: [_NUL_MESSAGE] for key in FREE_TEXT_FILTERS if "\x00" in (params.get(key) or "")}
    if details:
        raise ApiError("The request is not valid.", details=details)


class ComplianceReportList(APIView):
    @extend_schema(
        operation_id="compliance_reports_list",
        summary="The history of compliance reports, newest first (organization figures)",
        parameters=PAGE_PARAMS,
        responses={
            200: page_of("ComplianceReportPage", ReportSummarySerializer),
            400: BAD_PAGE_SIZE,
            403: LEADS_ONLY,
            404: PAGE_NOT_FOUND,
        },
        examples=[examples.REPORT_PAGE],
    )
    def get(self, request):
        _require_lead(request.user)
        pager = _Pages()
        page = pager.paginate_queryset(finished_reports(), request, view=self)
        return pager.get_paginated_response([report_summary(r) for r in page])

    @extend_schema(
        operation_id="compliance_reports_run",
        summary="Compute a report now, on a worker",
        request=None,
        responses={
            202: OpenApiResponse(
                ComplianceReportQueuedSerializer, description="A worker computes the report."
            ),
            403: _forbidden(
                "Only governance leads run compliance reports.",
                "Only governance leads read compliance reports.",
            ),
        },
        examples=[examples.REPORT_QUEUED],
    )
    def post(self, request):
        _require_lead(request.user)
        compliance_report_enqueue(requested_by=request.user)
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)


class ComplianceReportDetail(APIView):
    @extend_schema(
        operation_id="compliance_reports_read",
        summary="One report (`latest` for the newest): the organization and every domain",
        parameters=[REF_PARAM],
        responses={200: ComplianceReportSerializer, 403: LEADS_ONLY, 404: REPORT_NOT_FOUND},
        examples=[examples.REPORT],
    )
    def get(self, request, ref: str):
        _require_lead(request.user)
        report = _report_or_404(ref)
        return Response({"report": report_summary(report), "domains": report_domains(report)})


class ComplianceReportProducts(APIView):
    @extend_schema(
        operation_id="compliance_reports_products",
        summary="The products of a report with their violations, filtered like the dashboard's drill-downs",
        parameters=[
            REF_PARAM,
            OpenApiParameter("domain", TEXT, description="Products of this domain."),
            OpenApiParameter("policy", TEXT, description="Products with an open violation of it."),
            OpenApiParameter(
                "severity",
                OpenApiTypes.STR,
                enum=[*FILTER_CHOICES["severity"], ""],
                description="Products with an open violation of it. Empty: any.",
            ),
            OpenApiParameter(
                "compliant",
                OpenApiTypes.STR,
                enum=[*FILTER_CHOICES["compliant"], ""],
                description="Empty: any.",
            ),
            OpenApiParameter(
                "waived",
                OpenApiTypes.STR,
                enum=[*FILTER_CHOICES["waived"], ""],
                description="Products with a waived violation (of `policy`, when given). Empty: any.",
            ),
            OpenApiParameter(
                "freshness",
                OpenApiTypes.STR,
                enum=[*FILTER_CHOICES["freshness"], ""],
                description="`measured`: any but unknown. Empty: any.",
            ),
            OpenApiParameter(
                "quality",
                OpenApiTypes.STR,
                enum=[*FILTER_CHOICES["quality"], ""],
                description="`measured`: any but unknown. Empty: any.",
            ),
            OpenApiParameter(
                "access",
                OpenApiTypes.STR,
                enum=[*FILTER_CHOICES["access"], ""],
                description="Products with open, auto-approved or people-decided access requests. Empty: any.",
            ),
            *PAGE_PARAMS,
        ],
        responses={
            200: page_of("ComplianceReportProductPage", ComplianceProductRowSerializer),
            400: invalid(
                "A filter outside its values, a null character in `domain` or `policy`, or bad `page_size`.",
                details={"severity": ["Not one of critical, error, warning, info."]},
            ),
            403: LEADS_ONLY,
            404: REPORT_NOT_FOUND,
        },
        examples=[examples.REPORT_PRODUCTS],
    )
    def get(self, request, ref: str):
        _require_lead(request.user)
        report = _report_or_404(ref)
        _filters(request.query_params)
        qs, _ = dash.products_behind(report, request.query_params)
        pager = _Pages()
        page = pager.paginate_queryset(qs, request, view=self)
        ids = [r.pk for r in page]
        rows = list(
            report_products(report, with_violations=True, queryset=report.products.filter(pk__in=ids))
        )
        order = {r.product.ref: i for i, r in enumerate(page)}
        rows.sort(key=lambda r: order[r["product"]])
        return pager.get_paginated_response(rows)


class ComplianceDashboard(APIView):
    @extend_schema(
        operation_id="compliance_dashboard",
        summary="The dashboard's figures and tables (what the page shows, in full where the page shows a part)",
        responses={200: ComplianceDashboardSerializer, 403: LEADS_ONLY},
        examples=[examples.DASHBOARD],
    )
    def get(self, request):
        _require_lead(request.user)
        data = dash.dashboard()
        report = data["report"]
        return Response(
            {
                "report": report_summary(report) if report else None,
                "tables": {key: table.as_records() for key, table in data["tables"].items()},
                "totals": {
                    key: table.total for key, table in data["tables"].items() if table.total is not None
                },
            }
        )


class ProductCompliance(APIView):
    @extend_schema(
        operation_id="products_compliance",
        summary="A product's compliance now: score, violations (owners and governance leads), history",
        description=(
            "Judged now exactly as a report judges it (rules, latest quality run, waivers in force "
            "today). Everyone who may see the product reads its score; `violations` is null for "
            "those who are not its owners or governance leads."
        ),
        responses={
            200: ProductComplianceSerializer,
            404: not_found(
                "No such product, one you may not see (the same answer), or one without a version."
            ),
        },
        examples=[examples.PRODUCT_COMPLIANCE, examples.PRODUCT_COMPLIANCE_SCORE_ONLY],
    )
    def get(self, request, domain: str, name: str):
        product = visible_product_or_404(request.user, domain=domain, name=name)
        judged = product_compliance_now(product=product)
        if judged is None:
            raise Http404
        details = user_sees_drafts(user=request.user, product=product)
        return Response(
            {
                "product": product.ref,
                "version": judged.version_label,
                "version_status": judged.version_status,
                "score": judged.score,
                "compliant": judged.compliant,
                "by_severity": judged.counts,
                "waived": judged.waived_count,
                "violations": [v.as_dict() for v in judged.violations] if details else None,
                "history": product_score_history(product=product),
            }
        )


def _waiver_error(exc: WaiverError):
    details = [{"field": exc.field, "message": exc.message}] if exc.field else []
    raise ApiError(exc.message, code=exc.code, status_code=exc.status_code, details=details)


class WaiverList(APIView):
    @extend_schema(
        operation_id="waivers_list",
        summary="Waivers of the products you may see",
        parameters=[
            OpenApiParameter("product", TEXT, description="<domain>/<name>"),
            OpenApiParameter(
                "in_force",
                OpenApiTypes.BOOL,
                description="true: only waivers that apply today; false: only ended or expired ones.",
            ),
            *PAGE_PARAMS,
        ],
        responses={
            200: page_of("WaiverPage", WaiverSerializer),
            400: invalid(
                "Bad `in_force` or `page_size`, or a null character in `product`.",
                details={"in_force": ["Use true or false."]},
            ),
            404: PAGE_NOT_FOUND,
        },
        examples=[examples.WAIVER_PAGE],
    )
    def get(self, request):
        qs = (
            waivers_visible_to(request.user)
            .select_related("product__domain", "created_by")
            .order_by("-created_at", "-id")
        )
        ref = request.query_params.get("product") or ""
        if "\x00" in ref:
            raise ApiError("The request is not valid.", details={"product": [_NUL_MESSAGE]})
        if ref:
            domain, _, name = ref.partition("/")
            qs = qs.filter(product__domain__name=domain, product__name=name)
        in_force = request.query_params.get("in_force")
        if in_force is not None:
            if in_force.lower() not in BOOLEAN_WORDS:
                raise ApiError("The request is not valid.", details={"in_force": ["Use true or false."]})
            live = {"ended_at__isnull": True, "expires_on__gte": timezone.localdate()}
            qs = qs.filter(**live) if BOOLEAN_WORDS[in_force.lower()] else qs.exclude(**live)
        pager = _Pages()
        page = pager.paginate_queryset(qs, request, view=self)
        return pager.get_paginated_response(WaiverSerializer(page, many=True).data)

    @extend_schema(
        operation_id="waivers_create",
        summary="Waive one policy for one product until a date (governance leads)",
        request={"application/json": WaiverCreateSerializer},
        responses={
            201: WaiverSerializer,
            400: invalid(
                "A field is missing or invalid (the details name it).",
                details={"expires_on": ["This field is required."]},
            ),
            403: _forbidden(
                "Only governance leads grant waivers.", "Only governance leads may grant waivers."
            ),
            404: not_found("No such product, or one you may not see (the same answer)."),
            409: error_response(
                409,
                "A live waiver of this policy on this product exists.",
                code="conflict",
                message="A live waiver of schema_validation on sales/sales_orders_analytical exists.",
            ),
        },
        examples=[examples.WAIVER_CREATE, examples.WAIVER_CREATED],
        extensions=checked_beyond_schema(
            "`expires_on` must be today or later and within the longest waiver; `reason` must say something."
        ),
    )
    def post(self, request):
        body = WaiverCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        domain, name = data["product"].split("/", 1)
        product = visible_product_or_404(request.user, domain=domain, name=name)
        try:
            waiver = waiver_create(
                product=product,
                policy=data["policy"],
                reason=data["reason"],
                expires_on=data["expires_on"],
                created_by=request.user,
            )
        except WaiverError as exc:
            _waiver_error(exc)
        return Response(WaiverSerializer(waiver).data, status=status.HTTP_201_CREATED)


class WaiverDetail(APIView):
    def _visible(self, request, pk: int) -> Waiver:
        waiver = (
            waivers_visible_to(request.user)
            .select_related("product__domain", "created_by")
            .filter(pk=pk)
            .first()
        )
        if waiver is None:
            raise Http404
        return waiver

    @extend_schema(
        operation_id="waivers_read",
        summary="One waiver",
        parameters=[WAIVER_ID_PARAM],
        responses={200: WaiverSerializer, 404: NOT_FOUND},
        examples=[examples.WAIVER_READ],
    )
    def get(self, request, pk: int):
        return Response(WaiverSerializer(self._visible(request, pk)).data)

    @extend_schema(
        operation_id="waivers_revoke",
        summary="Revoke a waiver now (governance leads)",
        parameters=[WAIVER_ID_PARAM],
        responses={
            204: OpenApiResponse(description="Revoked."),
            403: _forbidden(
                "Only governance leads revoke waivers.", "Only governance leads may revoke waivers."
            ),
            404: NOT_FOUND,
            409: error_response(
                409,
                "The waiver has already ended.",
                code="conflict",
                message="This waiver has already ended.",
            ),
        },
    )
    def delete(self, request, pk: int):
        waiver = self._visible(request, pk)
        try:
            waiver_revoke(waiver_id=waiver.pk, revoked_by=request.user)
        except WaiverError as exc:
            _waiver_error(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)
