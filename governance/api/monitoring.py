"""The monitoring API: quality runs and their results, metric history, alerts.

Reads need only that the caller may see the product (a hidden product answers exactly like a
missing one: 404); starting a run and acknowledging or resolving an alert need its owners
(403 for others who may see it). The rules live in governance.monitoring.services.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.visibility import visible_product_or_404
from mesh_portal.exceptions import ApiError, checked_beyond_schema, error_response, not_found
from mesh_portal.pagination import StrictPageNumberPagination, page_of, page_params

from ..models import Alert, AlertEventKind, AlertSeverity, AlertState, QualityRunStatus, QualityRunTrigger
from ..monitoring import selectors, services
from ..monitoring.freshness import age_display
from . import monitoring_examples as examples

NO_NUL = "^[^\\u0000]*$"  # PostgreSQL text cannot hold NUL: such values answer 400
NOT_EMPTY_NO_NUL = "^[^\\u0000]+$"
MAX_SERIES = 20
MAX_LIMIT = 1000

NOT_FOUND = not_found("No such product, or one you may not see (the same answer).")
PAGE_NOT_FOUND = not_found(
    "No such product, or one you may not see (the same answer); or no such page "
    "(past the last one, or not a number from 1)."
)


def _forbidden(message: str):
    return error_response(
        403,
        "You may see the product but only its owners may do this.",
        code="permission_denied",
        message=message,
    )


def _invalid(description: str, *, field: str, message: str, text: str):
    """A 400 in the error shape; `details` names the parameter (`field`) and what is wrong."""
    return error_response(
        400, description, code="invalid", message=text, details=[{"field": field, "message": message}]
    )


def _path_example(value: str) -> list[OpenApiExample]:
    return [OpenApiExample(value, value=value)]


PRODUCT_PARAMS = [
    OpenApiParameter("domain", OpenApiTypes.STR, OpenApiParameter.PATH, examples=_path_example("sales")),
    OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH, examples=_path_example("orders")),
]
PAGE_SIZE_INVALID = {"field": "page_size", "message": "a whole number from 1 to 200"}
STATE_PARAM = OpenApiParameter(
    "state",
    OpenApiTypes.STR,
    enum=list(selectors.ALERT_STATE_FILTERS),
    description="`active` = open or acknowledged.",
)


class _Pages(StrictPageNumberPagination):
    def page_size_error(self) -> ApiError:  # this API's details are [{"field", "message"}]
        return ApiError(
            f"page_size must be a whole number from 1 to {self.max_page_size}",
            details=[PAGE_SIZE_INVALID],
        )


PAGE_PARAMS = page_params(_Pages)


# --- shapes ------------------------------------------------------------------------------------


class RunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.CharField(source="version.version")
    status = serializers.ChoiceField(choices=QualityRunStatus.choices)
    trigger = serializers.ChoiceField(choices=QualityRunTrigger.choices)
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


class MetricPointSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    at = serializers.DateTimeField(help_text="When the run finished (or was created, if it has not).")
    value = serializers.FloatField(allow_null=True)
    detail = serializers.JSONField(allow_null=True)


class CheckPointSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    at = serializers.DateTimeField()
    passed = serializers.BooleanField()
    count = serializers.FloatField(allow_null=True)
    threshold = serializers.FloatField(allow_null=True)


class MetricHistorySerializer(serializers.Serializer):
    metrics = serializers.DictField(
        child=MetricPointSerializer(many=True), help_text="Per metric asked for (`name`), oldest first."
    )
    checks = serializers.DictField(
        child=CheckPointSerializer(many=True), help_text="Per check asked for (`check`), oldest first."
    )
    available = serializers.ListField(
        child=serializers.CharField(), help_text="The product-level metric names measured so far."
    )


class AlertEventSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AlertEventKind.choices)
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    value = serializers.FloatField(allow_null=True)
    note = serializers.CharField()


class AlertSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    product = serializers.CharField(source="product.ref", help_text="<domain>/<name>")
    rule_key = serializers.CharField()
    rule_type = serializers.CharField()
    condition = serializers.CharField()
    metric = serializers.CharField()
    severity = serializers.ChoiceField(choices=AlertSeverity.choices)
    state = serializers.ChoiceField(choices=AlertState.choices)
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


class _TextField(serializers.CharField):
    """Text only: DRF's CharField would store the number 7 as "7", where the schema says string."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class AlertActionSerializer(serializers.Serializer):
    # DRF refuses NUL characters in any text; the pattern says so in the schema. It asks for one
    # character at least because drf-spectacular adds "or empty" for a blank-allowed field itself
    # (an empty note skips the validators).
    note = _TextField(
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        validators=[RegexValidator(NOT_EMPTY_NO_NUL, "Null characters are not allowed.")],
    )


# --- views -------------------------------------------------------------------------------------


class ProductRunList(APIView):
    @extend_schema(
        operation_id="products_runs_list",
        summary="The product's quality runs, newest first",
        parameters=[*PRODUCT_PARAMS, *PAGE_PARAMS],
        responses={
            200: page_of("QualityRunPage", RunSerializer),
            400: _invalid(
                "`page_size` is not a number from 1 to 200.",
                text="page_size must be a whole number from 1 to 200",
                **PAGE_SIZE_INVALID,
            ),
            404: PAGE_NOT_FOUND,
        },
        examples=[examples.RUN_PAGE],
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
            403: _forbidden("Only the product's owners may run its checks."),
            404: NOT_FOUND,
            409: error_response(
                409,
                "The product has no version whose checks could run.",
                code="no_version",
                message="sales/orders has no version to check",
            ),
        },
        examples=[examples.RUN_QUEUED, examples.RUN_ALREADY_QUEUED],
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
        parameters=[
            *PRODUCT_PARAMS,
            OpenApiParameter("run_id", OpenApiTypes.INT, OpenApiParameter.PATH),
        ],
        responses={
            200: RunDetailSerializer,
            404: not_found("No such product or run of it, or a product you may not see (the same answer)."),
        },
        examples=[examples.RUN_DETAIL],
    )
    def get(self, request, domain: str, name: str, run_id: int):
        product = visible_product_or_404(request.user, domain=domain, name=name)
        run = selectors.product_run(product=product, run_id=run_id)
        if run is None:
            raise Http404
        return Response(RunDetailSerializer(run).data)


def _series_param(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        {"type": "array", "maxItems": MAX_SERIES, "items": {"type": "string", "pattern": NO_NUL}},
        explode=True,
        description=f"{description}; repeatable. `name` and `check` together: at most {MAX_SERIES}.",
    )


def _text_param(request, name: str) -> str:
    value = request.query_params.get(name, "")
    if "\x00" in value:
        raise ApiError(
            f"{name} cannot contain NUL characters", details=[{"field": name, "message": "contains NUL"}]
        )
    return value


def _series(request, name: str) -> list[str]:
    values = [v for v in request.query_params.getlist(name) if v]
    if any("\x00" in v for v in values):
        raise ApiError(
            f"{name} cannot contain NUL characters", details=[{"field": name, "message": "contains NUL"}]
        )
    return values


class ProductMetricHistory(APIView):
    @extend_schema(
        operation_id="products_metrics_history",
        summary="Metric values and check outcomes over the product's runs, oldest first",
        description=(
            "`name` picks metrics, e.g. `row_count`, `row_count_change`, `freshness_age_hours`, "
            "`completeness`, or a contract SQL metric; `check` picks checks by name. Without either, "
            "the answer lists the metric names measured so far (`available`)."
        ),
        parameters=[
            *PRODUCT_PARAMS,
            _series_param("name", "A metric name"),
            _series_param("check", "A check name"),
            OpenApiParameter(
                "column",
                {"type": "string", "pattern": NO_NUL},
                description="For per-column metrics; empty (default): the product-level ones.",
            ),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 100},
                description=f"Newest points per series (1-{MAX_LIMIT}, default 100).",
            ),
        ],
        responses={
            200: MetricHistorySerializer,
            400: _invalid(
                "A parameter is invalid: `limit` out of range, more than 20 series, or a NUL character.",
                text=f"limit must be a whole number from 1 to {MAX_LIMIT}",
                field="limit",
                message=f"between 1 and {MAX_LIMIT}",
            ),
            404: NOT_FOUND,
        },
        examples=[examples.METRIC_HISTORY],
        extensions=checked_beyond_schema(
            f"`name` and `check` together name at most {MAX_SERIES} series (each alone may have {MAX_SERIES})."
        ),
    )
    def get(self, request, domain: str, name: str):
        product = visible_product_or_404(request.user, domain=domain, name=name)
        names = _series(request, "name")
        checks = _series(request, "check")
        column = _text_param(request, "column")
        raw_limit = request.query_params.get("limit", "100")
        limit = int(raw_limit) if raw_limit.isdigit() else 0
        if not 1 <= limit <= MAX_LIMIT:
            raise ApiError(
                f"limit must be a whole number from 1 to {MAX_LIMIT}",
                details=[{"field": "limit", "message": f"between 1 and {MAX_LIMIT}"}],
            )
        if len(names) + len(checks) > MAX_SERIES:
            raise ApiError(
                f"at most {MAX_SERIES} series at once", details=[{"field": "name", "message": "too many"}]
            )
        return Response(
            {
                "metrics": selectors.metric_history(product=product, names=names, column=column, limit=limit),
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


ALERT_PAGE = page_of("AlertPage", AlertSerializer)
STATE_INVALID = _invalid(
    "Unknown `state`, or `page_size` not a number from 1 to 200.",
    text=f"state must be one of {', '.join(selectors.ALERT_STATE_FILTERS)}",
    field="state",
    message="unknown state 'closed'",
)


class ProductAlertList(APIView):
    @extend_schema(
        operation_id="products_alerts_list",
        summary="The product's alerts, newest first, with their history",
        parameters=[*PRODUCT_PARAMS, STATE_PARAM, *PAGE_PARAMS],
        responses={200: ALERT_PAGE, 400: STATE_INVALID, 404: PAGE_NOT_FOUND},
        examples=[examples.ALERT_PAGE],
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
        description="`state` defaults to `active` here (open or acknowledged).",
        parameters=[STATE_PARAM, *PAGE_PARAMS],
        responses={
            200: ALERT_PAGE,
            400: STATE_INVALID,
            404: not_found("No such page (past the last one, or not a number from 1)."),
        },
        examples=[examples.ALERT_PAGE],
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


def _action_responses(conflict: str) -> dict:
    return {
        200: AlertSerializer,
        400: error_response(
            400,
            "The body is not an object with an optional text `note` (at most 2000 characters).",
            code="invalid",
            message="The request is not valid.",
            details={"note": ["Ensure this field has no more than 2000 characters."]},
        ),
        403: _forbidden("Only the product's owners may acknowledge or resolve its alerts."),
        404: not_found("No such alert, or one of a product you may not see (the same answer)."),
        409: error_response(
            409, "The alert is not in a state this applies to.", code="conflict", message=conflict
        ),
    }


ALERT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


class AlertAcknowledge(_AlertAction):
    service = staticmethod(services.alert_acknowledge)

    @extend_schema(
        operation_id="alerts_acknowledge",
        summary="Acknowledge an open alert (owners)",
        parameters=[ALERT_ID],
        request=AlertActionSerializer,
        responses=_action_responses("the alert is acknowledged; only an open alert can be acknowledged"),
        examples=[examples.ACKNOWLEDGE, examples.ACKNOWLEDGED],
    )
    def post(self, request, pk: int):
        return super().post(request, pk)


class AlertResolve(_AlertAction):
    service = staticmethod(services.alert_resolve)

    @extend_schema(
        operation_id="alerts_resolve",
        summary="Resolve an alert (owners); it opens again if the condition still holds",
        parameters=[ALERT_ID],
        request=AlertActionSerializer,
        responses=_action_responses("the alert is already resolved"),
        examples=[examples.RESOLVE, examples.RESOLVED],
    )
    def post(self, request, pk: int):
        return super().post(request, pk)
