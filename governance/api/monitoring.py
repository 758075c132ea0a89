"""The monitoring API: quality runs and their results, metric history, alerts.

Reads need only that the caller may see the product (a hidden product answers exactly like a
missing one: 404); starting a run and acknowledging or resolving an alert need its owners
(403 for others who may see it). The rules live in governance.monitoring.services.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.visibility import visible_product_or_404
from mesh_portal.exceptions import ApiError

from ..models import Alert
from ..monitoring import selectors, services
from ..monitoring.freshness import age_display

NOT_FOUND = OpenApiResponse(
    description="No such product or object, or one you may not see (the same answer)."
)
FORBIDDEN = OpenApiResponse(description="You may see the product but only its owners may do this.")
PRODUCT_PARAMS = [
    OpenApiParameter("domain", OpenApiTypes.STR, OpenApiParameter.PATH),
    OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH),
]
STATE_PARAM = OpenApiParameter(
    "state",
    OpenApiTypes.STR,
    enum=list(selectors.ALERT_STATE_FILTERS),
    description="`active` = open or acknowledged.",
)


class _Pages(PageNumberPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


# --- shapes ------------------------------------------------------------------------------------


class RunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.CharField(source="version.version")
    status = serializers.CharField()
    trigger = serializers.CharField()
    attempt = serializers.IntegerField()
    error = serializers.CharField()
    requested_by = serializers.CharField(source="requested_by.username", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    checks_total = serializers.IntegerField()
    checks_failed = serializers.IntegerField()


class CheckResultSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField()
    column = serializers.CharField()
    passed = serializers.BooleanField()
    count = serializers.FloatField(allow_null=True, help_text="What was measured (rows, percent, hours).")
    threshold = serializers.FloatField(allow_null=True)
    severity = serializers.CharField()
    message = serializers.CharField()


class MetricValueSerializer(serializers.Serializer):
    name = serializers.CharField()
    column = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    detail = serializers.JSONField(allow_null=True)


class RunDetailSerializer(RunSerializer):
    results = CheckResultSerializer(many=True, source="results.all")
    metrics = MetricValueSerializer(many=True, source="metric_values.all")


class RunRequestAnswerSerializer(serializers.Serializer):
    created = serializers.BooleanField(
        help_text="false: a run was already queued or running; that run is returned."
    )
    run = RunSerializer()


class AlertEventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    value = serializers.FloatField(allow_null=True)
    note = serializers.CharField()


class AlertSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    product = serializers.CharField(source="product.ref")
    rule_key = serializers.CharField()
    rule_type = serializers.CharField()
    condition = serializers.CharField()
    metric = serializers.CharField()
    severity = serializers.CharField()
    state = serializers.CharField()
    message = serializers.CharField()
    last_value = serializers.FloatField(allow_null=True)
    last_value_display = serializers.SerializerMethodField()
    threshold = serializers.FloatField(allow_null=True)
    run = serializers.IntegerField(source="run_id", allow_null=True)
    opened_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", allow_null=True, default=None)
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolved_by = serializers.CharField(source="resolved_by.username", allow_null=True, default=None)
    events = AlertEventSerializer(many=True, source="events.all")

    def get_last_value_display(self, alert) -> str | None:
        if alert.last_value is None:
            return None
        if alert.metric == "age_hours":
            return age_display(alert.last_value)
        return f"{alert.last_value:g}"


class AlertActionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


ALERT_EXAMPLE = OpenApiExample(
    "An open freshness alert",
    value={
        "id": 7,
        "product": "marketing/campaign_performance",
        "rule_key": "freshness:age_hours > 30",
        "rule_type": "freshness",
        "condition": "age_hours > 30",
        "metric": "age_hours",
        "severity": "critical",
        "state": "open",
        "message": "age_hours is 72.00 h (3 d); the rule is age_hours > 30",
        "last_value": 72.0,
        "last_value_display": "3 d",
        "threshold": 30.0,
        "run": 41,
        "opened_at": "2025-06-02T12:00:00Z",
        "last_seen_at": "2025-06-02T12:00:00Z",
        "acknowledged_at": None,
        "acknowledged_by": None,
        "resolved_at": None,
        "resolved_by": None,
        "events": [
            {
                "kind": "opened",
                "at": "2025-06-02T12:00:00Z",
                "actor": None,
                "value": 72.0,
                "note": "age_hours is 72.00 h (3 d); the rule is age_hours > 30",
            }
        ],
    },
    response_only=True,
)
RUN_EXAMPLE = {
    "id": 41,
    "version": "2.1.0",
    "status": "failed",
    "trigger": "schedule",
    "attempt": 1,
    "error": "",
    "requested_by": None,
    "created_at": "2025-06-02T12:00:00Z",
    "started_at": "2025-06-02T12:00:01Z",
    "finished_at": "2025-06-02T12:00:02Z",
    "checks_total": 9,
    "checks_failed": 1,
}


# --- views -------------------------------------------------------------------------------------


class ProductRunList(APIView):
    @extend_schema(
        operation_id="products_runs_list",
        summary="The product's quality runs, newest first",
        parameters=[*PRODUCT_PARAMS, OpenApiParameter("page", OpenApiTypes.INT)],
        responses={200: RunSerializer(many=True), 404: NOT_FOUND},
        examples=[OpenApiExample("A page of runs", value=[RUN_EXAMPLE], response_only=True)],
    )
    def get(self, request, domain: str, name: str):
        product = visible_product_or_404(request.user, domain=domain, name=name)
        pager = _Pages()
        page = pager.paginate_queryset(selectors.product_runs(product=product), request, view=self)
        return pager.get_paginated_response(RunSerializer(page, many=True).data)

    @extend_schema(
        operation_id="products_runs_create",
        summary="Run the product's checks now (owners)",
        description=(
            "Queues a run of the current version's checks; poll the run's URL until `finished_at` is set. "
            "When a run is already queued or running, that run is returned (200) instead of a second one."
        ),
        parameters=PRODUCT_PARAMS,
        request=None,
        responses={
            202: RunRequestAnswerSerializer,
            200: RunRequestAnswerSerializer,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        examples=[
            OpenApiExample(
                "Queued",
                value={"created": True, "run": {**RUN_EXAMPLE, "status": "queued", "trigger": "manual"}},
                response_only=True,
                status_codes=["202"],
            )
        ],
    )
    def post(self, request, domain: str, name: str):
        product = visible_product_or_404(request.user, domain=domain, name=name)
        try:
            run, created = services.product_run_request(product=product, user=request.user)
        except ValueError as exc:  # no version to check
            raise ApiError(str(exc), code="no_version", status_code=409) from exc
        run = selectors.product_runs(product=product).get(pk=run.pk)
        return Response(
            {"created": created, "run": RunSerializer(run).data},
            status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK,
        )


class ProductRunDetail(APIView):
    @extend_schema(
        operation_id="products_runs_retrieve",
        summary="One run with every check's result and the metrics it measured",
        parameters=[*PRODUCT_PARAMS, OpenApiParameter("run_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: RunDetailSerializer, 404: NOT_FOUND},
        examples=[
            OpenApiExample(
                "A finished run",
                value={
                    **RUN_EXAMPLE,
                    "results": [
                        {
                            "name": "freshness",
                            "kind": "freshness",
                            "column": "loaded_at",
                            "passed": False,
                            "count": 72.0,
                            "threshold": 24.0,
                            "severity": "critical",
                            "message": "newest loaded_at is 2025-05-30T12:00:00, 72 hours old",
                        }
                    ],
                    "metrics": [{"name": "row_count", "column": "", "value": 5400.0, "detail": None}],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, domain: str, name: str, run_id: int):
        product = visible_product_or_404(request.user, domain=domain, name=name)
        run = selectors.product_run(product=product, run_id=run_id)
        if run is None:
            raise Http404
        return Response(RunDetailSerializer(run).data)


class ProductMetricHistory(APIView):
    @extend_schema(
        operation_id="products_metrics_history",
        summary="Metric values and check outcomes over the product's runs, oldest first",
        description=(
            "`name` (repeatable) picks metrics, e.g. `row_count`, `row_count_change`, "
            "`freshness_age_hours`, `completeness`, or a contract SQL metric; `check` (repeatable) "
            "picks checks by name. Without either, the answer lists the metric names measured so far."
        ),
        parameters=[
            *PRODUCT_PARAMS,
            OpenApiParameter("name", OpenApiTypes.STR, many=True, explode=True),
            OpenApiParameter("check", OpenApiTypes.STR, many=True, explode=True),
            OpenApiParameter("column", OpenApiTypes.STR, description="For per-column metrics."),
            OpenApiParameter(
                "limit", OpenApiTypes.INT, description="Newest points per series (1-1000, default 100)."
            ),
        ],
        responses={
            200: OpenApiTypes.OBJECT,
            400: OpenApiResponse(description="A parameter is invalid."),
            404: NOT_FOUND,
        },
        examples=[
            OpenApiExample(
                "Row count over three runs",
                value={
                    "metrics": {
                        "row_count": [
                            {"run": 39, "at": "2025-06-01T12:00:02Z", "value": 5200.0, "detail": None},
                            {"run": 40, "at": "2025-06-02T02:10:02Z", "value": 5300.0, "detail": None},
                            {"run": 41, "at": "2025-06-02T12:00:02Z", "value": 5400.0, "detail": None},
                        ]
                    },
                    "checks": {},
                    "available": ["completeness", "freshness_age_hours", "row_count", "row_count_change"],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, domain: str, name: str):
        product = visible_product_or_404(request.user, domain=domain, name=name)
        names = [n for n in request.query_params.getlist("name") if n]
        checks = [c for c in request.query_params.getlist("check") if c]
        try:
            limit = int(request.query_params.get("limit", "100"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 1000:
            raise ApiError(
                "limit must be a whole number from 1 to 1000",
                details=[{"field": "limit", "message": "between 1 and 1000"}],
            )
        if len(names) + len(checks) > 20:
            raise ApiError("at most 20 series at once", details=[{"field": "name", "message": "too many"}])
        return Response(
            {
                "metrics": selectors.metric_history(
                    product=product, names=names, column=request.query_params.get("column", ""), limit=limit
                ),
                "checks": {c: selectors.check_history(product=product, check=c, limit=limit) for c in checks},
                "available": selectors.metric_names(product=product),
            }
        )


def _state(request, default: str) -> str:
    state = request.query_params.get("state", default)
    if state not in selectors.ALERT_STATE_FILTERS:
        raise ApiError(
            f"state must be one of {', '.join(selectors.ALERT_STATE_FILTERS)}",
            details=[{"field": "state", "message": f"unknown state {state!r}"}],
        )
    return state


class ProductAlertList(APIView):
    @extend_schema(
        operation_id="products_alerts_list",
        summary="The product's alerts, newest first, with their history",
        parameters=[*PRODUCT_PARAMS, STATE_PARAM, OpenApiParameter("page", OpenApiTypes.INT)],
        responses={
            200: AlertSerializer(many=True),
            400: OpenApiResponse(description="Unknown state."),
            404: NOT_FOUND,
        },
        examples=[ALERT_EXAMPLE],
    )
    def get(self, request, domain: str, name: str):
        product = visible_product_or_404(request.user, domain=domain, name=name)
        alerts = selectors.product_alerts(product=product, state=_state(request, "all"))
        pager = _Pages()
        page = pager.paginate_queryset(alerts, request, view=self)
        return pager.get_paginated_response(AlertSerializer(page, many=True).data)


class MyAlertList(APIView):
    @extend_schema(
        operation_id="alerts_list",
        summary="The alerts of every product I own (governance leads: every product)",
        parameters=[STATE_PARAM, OpenApiParameter("page", OpenApiTypes.INT)],
        responses={200: AlertSerializer(many=True), 400: OpenApiResponse(description="Unknown state.")},
        examples=[ALERT_EXAMPLE],
    )
    def get(self, request):
        alerts = selectors.user_alerts(user=request.user, state=_state(request, "active"))
        pager = _Pages()
        page = pager.paginate_queryset(alerts, request, view=self)
        return pager.get_paginated_response(AlertSerializer(page, many=True).data)


class _AlertAction(APIView):
    service = None  # the service function, set by each subclass

    def post(self, request, pk: int):
        body = AlertActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            self.service(alert_id=pk, user=request.user, note=body.validated_data["note"])
        except Alert.DoesNotExist as exc:
            raise Http404 from exc
        except services.AlertStateError as exc:
            raise ApiError(str(exc), code="conflict", status_code=409) from exc
        alert = selectors._alerts().get(pk=pk)
        return Response(AlertSerializer(alert).data)


ACTION_RESPONSES = {
    200: AlertSerializer,
    403: FORBIDDEN,
    404: NOT_FOUND,
    409: OpenApiResponse(description="The alert is not in a state this applies to."),
}


class AlertAcknowledge(_AlertAction):
    service = staticmethod(services.alert_acknowledge)

    @extend_schema(
        operation_id="alerts_acknowledge",
        summary="Acknowledge an open alert (owners)",
        request=AlertActionSerializer,
        responses=ACTION_RESPONSES,
        examples=[
            OpenApiExample("A note", value={"note": "Looking into the export job."}, request_only=True),
            ALERT_EXAMPLE,
        ],
    )
    def post(self, request, pk: int):
        return super().post(request, pk)


class AlertResolve(_AlertAction):
    service = staticmethod(services.alert_resolve)

    @extend_schema(
        operation_id="alerts_resolve",
        summary="Resolve an alert (owners); it opens again if the condition still holds",
        request=AlertActionSerializer,
        responses=ACTION_RESPONSES,
        examples=[
            OpenApiExample("A note", value={"note": "Export job restarted."}, request_only=True),
            ALERT_EXAMPLE,
        ],
    )
    def post(self, request, pk: int):
        return super().post(request, pk)
