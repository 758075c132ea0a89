"""The compliance API: reports and their history, a product's compliance, waivers, the
dashboard's tables. Reports and the dashboard are for governance leads (others: 403); a
product's compliance and its waivers answer whoever may see the product (else 404)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.querysets import user_is_governance_lead
from catalog.selectors import user_sees_drafts
from catalog.visibility import visible_product_or_404
from mesh_portal.exceptions import ApiError

from ..models import ComplianceReport, Waiver
from . import dashboard as dash
from .selectors import (
    finished_reports,
    product_compliance_now,
    product_score_history,
    report_domains,
    report_products,
    report_summary,
    waivers_visible_to,
)
from .services import (
    WAIVABLE_POLICIES,
    WaiverError,
    compliance_report_enqueue,
    waiver_create,
    waiver_revoke,
)

NOT_FOUND = OpenApiResponse(description="No such object, or one you may not see (the same answer).")
LEADS_ONLY = OpenApiResponse(description="Only governance leads read compliance reports.")

SUMMARY_EXAMPLE = {
    "id": 7,
    "as_of": "2026-11-26",
    "trigger": "schedule",
    "policy_set_version": 1,
    "started_at": "2026-11-26T00:15:00+00:00",
    "finished_at": "2026-11-26T00:15:02+00:00",
    "products": 12,
    "compliant": 11,
    "score": 96.1,
    "open_violations": 6,
    "by_severity": {"critical": 1, "error": 1, "warning": 4, "info": 6},
    "by_policy": {
        "domain_data_quality": 1,
        "observability_requirements": 2,
        "pii_handling": 2,
        "schema_validation": 1,
    },
    "waived": 0,
}
VIOLATION_EXAMPLE = {
    "policy": "pii_handling",
    "severity": "critical",
    "field": "encryption_enabled",
    "message": "The product has PII fields (contact_email, contact_name) but column encryption is not enabled.",
    "fix": "Set encryption_enabled: true.",
    "measured": False,
    "waived": False,
    "waiver": None,
}
WAIVER_EXAMPLE = {
    "id": 3,
    "product": "sales/sales_orders_analytical",
    "policy": "schema_validation",
    "reason": "The primary key lands with the Q1 migration of the order store.",
    "expires_on": "2027-01-31",
    "created_by": "governance",
    "created_at": "2026-11-26T10:00:00+00:00",
    "in_force": True,
    "reminder_sent_at": None,
    "ended_at": None,
    "end_reason": "",
}


class ReportSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    as_of = serializers.DateField()
    trigger = serializers.CharField()
    policy_set_version = serializers.IntegerField(allow_null=True)
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField()
    products = serializers.IntegerField()
    compliant = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True)
    open_violations = serializers.IntegerField()
    by_severity = serializers.DictField(child=serializers.IntegerField())
    by_policy = serializers.DictField(child=serializers.IntegerField())
    waived = serializers.IntegerField()


class _Pages(PageNumberPagination):
    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"


def _require_lead(user) -> None:
    if not user_is_governance_lead(user):
        raise PermissionDenied("Only governance leads read compliance reports.")


def _report_or_404(ref: str) -> ComplianceReport:
    reports = finished_reports()
    report = (
        reports.first() if ref == "latest" else reports.filter(pk=int(ref)).first() if ref.isdigit() else None
    )
    if report is None:
        raise Http404
    return report


class ComplianceReportList(APIView):
    @extend_schema(
        operation_id="compliance_reports_list",
        summary="The history of compliance reports, newest first (organization figures)",
        parameters=[OpenApiParameter("page", OpenApiTypes.INT)],
        responses={200: ReportSummarySerializer(many=True), 403: LEADS_ONLY},
        examples=[OpenApiExample("A page of reports", value=[SUMMARY_EXAMPLE], response_only=True)],
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
            202: inline_serializer("ComplianceReportQueued", {"queued": serializers.BooleanField()}),
            403: LEADS_ONLY,
        },
        examples=[OpenApiExample("Queued", value={"queued": True}, response_only=True, status_codes=["202"])],
    )
    def post(self, request):
        _require_lead(request.user)
        compliance_report_enqueue(requested_by=request.user)
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)


class ComplianceReportDetail(APIView):
    @extend_schema(
        operation_id="compliance_reports_read",
        summary="One report (`latest` for the newest): the organization and every domain",
        responses={
            200: inline_serializer(
                "ComplianceReport",
                {
                    "report": ReportSummarySerializer(),
                    "domains": serializers.ListField(child=serializers.DictField()),
                },
            ),
            403: LEADS_ONLY,
            404: NOT_FOUND,
        },
        examples=[
            OpenApiExample(
                "The latest report",
                value={
                    "report": SUMMARY_EXAMPLE,
                    "domains": [
                        {
                            "domain": "marketing",
                            "products": 3,
                            "compliant": 2,
                            "score": 88.3,
                            "by_severity": {"critical": 1, "error": 1, "warning": 0, "info": 0},
                            "by_policy": {"pii_handling": 2},
                            "waived": 0,
                        }
                    ],
                },
                response_only=True,
            )
        ],
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
            OpenApiParameter("domain", OpenApiTypes.STR),
            OpenApiParameter(
                "policy", OpenApiTypes.STR, description="Products with an open violation of it."
            ),
            OpenApiParameter(
                "severity", OpenApiTypes.STR, description="Products with an open violation of it."
            ),
            OpenApiParameter("compliant", OpenApiTypes.STR, enum=["yes", "no"]),
            OpenApiParameter("waived", OpenApiTypes.STR, enum=["yes"]),
            OpenApiParameter("freshness", OpenApiTypes.STR, description="fresh, late, stale or measured."),
            OpenApiParameter(
                "quality", OpenApiTypes.STR, description="passing, warning, failing or measured."
            ),
            OpenApiParameter("access", OpenApiTypes.STR, enum=["open", "auto", "decided"]),
            OpenApiParameter("page", OpenApiTypes.INT),
        ],
        responses={200: OpenApiTypes.OBJECT, 403: LEADS_ONLY, 404: NOT_FOUND},
        examples=[
            OpenApiExample(
                "Products with open pii_handling violations",
                value={
                    "count": 1,
                    "next": None,
                    "previous": None,
                    "results": [
                        {
                            "product": "marketing/lead_attribution",
                            "version": "0.9.0",
                            "version_status": "draft",
                            "score": 65.0,
                            "compliant": False,
                            "by_severity": {"critical": 1, "error": 1, "warning": 0, "info": 0},
                            "waived": 0,
                            "violations": [VIOLATION_EXAMPLE],
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, ref: str):
        _require_lead(request.user)
        report = _report_or_404(ref)
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
        responses={200: OpenApiTypes.OBJECT, 403: LEADS_ONLY},
        examples=[
            OpenApiExample(
                "Dashboard",
                value={
                    "report": SUMMARY_EXAMPLE,
                    "tables": {
                        "sla": [
                            {
                                "domain": "sales",
                                "products": 3,
                                "freshness_measured": 2,
                                "fresh": 2,
                                "late": 0,
                                "stale": 0,
                                "freshness_attainment": 100.0,
                                "quality_measured": 2,
                                "passing": 1,
                                "warning": 1,
                                "failing": 0,
                                "quality_attainment": 50.0,
                            }
                        ]
                    },
                },
                response_only=True,
            )
        ],
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
        responses={200: OpenApiTypes.OBJECT, 404: NOT_FOUND},
        examples=[
            OpenApiExample(
                "An owner reads a draft product's compliance",
                value={
                    "product": "marketing/lead_attribution",
                    "version": "0.9.0",
                    "version_status": "draft",
                    "score": 65.0,
                    "compliant": False,
                    "by_severity": {"critical": 1, "error": 1, "warning": 0, "info": 0},
                    "waived": 0,
                    "violations": [VIOLATION_EXAMPLE],
                    "history": [{"report": 7, "as_of": "2026-11-26", "score": 65.0, "compliant": False}],
                },
                response_only=True,
            )
        ],
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


class WaiverSerializer(serializers.ModelSerializer):
    product = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = Waiver
        fields = [
            "id",
            "product",
            "policy",
            "reason",
            "expires_on",
            "created_by",
            "created_at",
            "in_force",
            "reminder_sent_at",
            "ended_at",
            "end_reason",
        ]
        read_only_fields = fields

    def get_product(self, obj) -> str:
        return obj.product.ref

    def get_in_force(self, obj) -> bool:
        return obj.applies_on(timezone.localdate())


class WaiverCreateSerializer(serializers.Serializer):
    product = serializers.RegexField(r"^[-\w]+/[-\w]+$", help_text="<domain>/<name>")
    policy = serializers.ChoiceField(choices=WAIVABLE_POLICIES)
    reason = serializers.CharField(max_length=2000)
    expires_on = serializers.DateField(help_text="The last day the waiver applies.")


def _waiver_error(exc: WaiverError):
    details = [{"field": exc.field, "message": exc.message}] if exc.field else []
    raise ApiError(exc.message, code=exc.code, status_code=exc.status_code, details=details)


class WaiverList(APIView):
    @extend_schema(
        operation_id="waivers_list",
        summary="Waivers of the products you may see",
        parameters=[
            OpenApiParameter("product", OpenApiTypes.STR, description="<domain>/<name>"),
            OpenApiParameter("in_force", OpenApiTypes.BOOL),
            OpenApiParameter("page", OpenApiTypes.INT),
        ],
        responses={200: WaiverSerializer(many=True)},
        examples=[OpenApiExample("Waivers", value=[WAIVER_EXAMPLE], response_only=True)],
    )
    def get(self, request):
        qs = (
            waivers_visible_to(request.user)
            .select_related("product__domain", "created_by")
            .order_by("-created_at", "-id")
        )
        ref = request.query_params.get("product") or ""
        if ref:
            domain, _, name = ref.partition("/")
            qs = qs.filter(product__domain__name=domain, product__name=name)
        in_force = (request.query_params.get("in_force") or "").lower()
        if in_force in ("true", "1", "yes"):
            qs = qs.filter(ended_at__isnull=True, expires_on__gte=timezone.localdate())
        pager = _Pages()
        page = pager.paginate_queryset(qs, request, view=self)
        return pager.get_paginated_response(WaiverSerializer(page, many=True).data)

    @extend_schema(
        operation_id="waivers_create",
        summary="Waive one policy for one product until a date (governance leads)",
        request=WaiverCreateSerializer,
        responses={
            201: WaiverSerializer,
            400: OpenApiResponse(description="Invalid: the details name the field."),
            403: OpenApiResponse(description="Only governance leads grant waivers."),
            404: NOT_FOUND,
            409: OpenApiResponse(description="A live waiver of this policy on this product exists."),
        },
        examples=[
            OpenApiExample(
                "Waive the primary-key warning until the end of January",
                value={
                    "product": "sales/sales_orders_analytical",
                    "policy": "schema_validation",
                    "reason": "The primary key lands with the Q1 migration of the order store.",
                    "expires_on": "2027-01-31",
                },
                request_only=True,
            ),
            OpenApiExample("Created", value=WAIVER_EXAMPLE, response_only=True, status_codes=["201"]),
        ],
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
        responses={200: WaiverSerializer, 404: NOT_FOUND},
        examples=[OpenApiExample("A waiver", value=WAIVER_EXAMPLE, response_only=True)],
    )
    def get(self, request, pk: int):
        return Response(WaiverSerializer(self._visible(request, pk)).data)

    @extend_schema(
        operation_id="waivers_revoke",
        summary="Revoke a waiver now (governance leads)",
        responses={
            204: OpenApiResponse(description="Revoked."),
            403: OpenApiResponse(description="Only governance leads revoke waivers."),
            404: NOT_FOUND,
            409: OpenApiResponse(description="Already ended."),
        },
    )
    def delete(self, request, pk: int):
        waiver = self._visible(request, pk)
        try:
            waiver_revoke(waiver_id=waiver.pk, revoked_by=request.user)
        except WaiverError as exc:
            _waiver_error(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)
