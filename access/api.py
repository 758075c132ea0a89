"""The access API: requests, decisions, grants, data preview. Business rules live in
access.services; these views parse, call and shape the answer."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import DataProduct
from catalog.visibility import visible_product_or_404
from mesh_portal.exceptions import ApiError, checked_beyond_schema, error_response, invalid, not_found
from mesh_portal.pagination import StrictPageNumberPagination, page_of, page_params

from . import api_examples as examples
from . import selectors, services
from .models import RequestStatus
from .preview import product_preview

NOT_FOUND = not_found()
CONFLICT = error_response(
    409,
    "The request is no longer open, or one already exists.",
    code="conflict",
    message="This request is already approved.",
)
PAGE_NOT_FOUND = not_found("No such page (past the last one, or not a positive number).")


def _forbidden(description: str, message: str):
    return error_response(403, description, code="permission_denied", message=message)


BOOLEAN_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
ID_PARAM = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


class AccessRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.SerializerMethodField()
    requester = serializers.CharField(source="requester.username", read_only=True)
    status = serializers.CharField(read_only=True)
    purpose = serializers.CharField(read_only=True)
    note = serializers.CharField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True, allow_null=True)
    decided_rule = serializers.CharField(read_only=True)
    needs_governance = serializers.BooleanField(read_only=True)
    comment = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)

    def get_product(self, obj) -> str:
        return obj.product.ref


class AccessRequestCreateSerializer(serializers.Serializer):
    """Only these fields are read: status, requester, grant ids in a body are ignored."""

    product = serializers.RegexField(r"^[-\w]+/[-\w]+$", help_text="<domain>/<name>")
    purpose = serializers.CharField(max_length=2000)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    renew = serializers.BooleanField(required=False, default=False)


class RejectSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000)


class GrantSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.SerializerMethodField()
    user = serializers.CharField(source="user.username", read_only=True)
    level = serializers.CharField(read_only=True)
    request = serializers.IntegerField(source="request_id", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True, allow_null=True)
    revoked_at = serializers.DateTimeField(read_only=True, allow_null=True)
    end_reason = serializers.CharField(read_only=True)
    active = serializers.SerializerMethodField()

    def get_product(self, obj) -> str:
        return obj.product.ref

    def get_active(self, obj) -> bool:
        return obj.is_active()


PreviewSerializer = inline_serializer(
    "ProductPreview",
    {
        "product": serializers.CharField(help_text="<domain>/<name>"),
        "columns": serializers.ListField(child=serializers.CharField()),
        "rows": serializers.ListField(
            child=serializers.ListField(child=serializers.JSONField()),
            help_text="At most 100 rows; values are JSON scalars (decimals and dates as text).",
        ),
        "truncated": serializers.BooleanField(),
        "error": serializers.CharField(
            allow_blank=True, help_text="Why the data could not be read (empty when it could)."
        ),
        "consumption": inline_serializer(
            "ConsumptionPort",
            {
                "name": serializers.CharField(),
                "type": serializers.CharField(),
                "location": serializers.CharField(),
                "description": serializers.CharField(allow_blank=True),
            },
            many=True,
        ),
    },
)


_Pages = StrictPageNumberPagination
PAGE_PARAMS = page_params(_Pages)


def _raise(exc: services.AccessError):
    if isinstance(exc, services.AccessNotFound):
        raise Http404
    details = [{"field": exc.field, "message": exc.message}] if exc.field else []
    raise ApiError(exc.message, code=exc.code, status_code=exc.status_code, details=details)


class AccessRequestList(APIView):
    @extend_schema(
        operation_id="access_requests_list",
        summary="My access requests and those I decide",
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=[*RequestStatus.values, ""],
                description="Only requests in this status; empty: all.",
            ),
            *PAGE_PARAMS,
        ],
        responses={
            200: page_of("AccessRequestPage", AccessRequestSerializer),
            400: invalid(
                "Unknown `status`, or bad `page_size`.",
                details={"status": ["Not one of pending_owner, ..."]},
            ),
            404: PAGE_NOT_FOUND,
        },
        examples=[examples.REQUEST_PAGE],
    )
    def get(self, request):
        qs = selectors.requests_visible_to(request.user).order_by("-created_at", "-id")
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in RequestStatus.values:
                raise ApiError(
                    "The request is not valid.",
                    details={"status": [f"Not one of {', '.join(RequestStatus.values)}."]},
                )
            qs = qs.filter(status=wanted)
        pager = _Pages()
        page = pager.paginate_queryset(qs, request, view=self)
        return pager.get_paginated_response(AccessRequestSerializer(page, many=True).data)

    @extend_schema(
        operation_id="access_requests_create",
        summary="Request read access to a product",
        description=(
            "Policy decides at once: `status` is `approved` when the contract's access.read lists the "
            "requester's role or home domain on a public or internal product; otherwise `pending_owner`. "
            "A product you may not see answers 404, like a missing one."
        ),
        request={"application/json": AccessRequestCreateSerializer},
        responses={
            201: AccessRequestSerializer,
            400: invalid(
                "A field is missing or invalid (the details name it).",
                details={"purpose": ["This field is required."]},
            ),
            404: NOT_FOUND,
            409: error_response(
                409,
                "An open request exists, or access is already held.",
                code="conflict",
                message="You already have an open request for this product.",
            ),
        },
        examples=[examples.REQUEST_CREATE, examples.REQUEST_CREATED],
        extensions=checked_beyond_schema(
            "`expires_at` must be in the future and within the longest grant; `purpose` must say something."
        ),
    )
    def post(self, request):
        body = AccessRequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        domain, name = data["product"].split("/", 1)
        product = visible_product_or_404(request.user, domain=domain, name=name)
        try:
            created = services.access_request_create(
                product=product,
                requester=request.user,
                purpose=data["purpose"],
                note=data.get("note", ""),
                expires_at=data.get("expires_at"),
                renew=data.get("renew", False),
            )
        except services.AccessError as exc:
            _raise(exc)
        return Response(AccessRequestSerializer(created).data, status=status.HTTP_201_CREATED)


class _RequestAction(APIView):
    def _visible(self, request, pk: int):
        found = selectors.requests_visible_to(request.user).filter(pk=pk).first()
        if found is None:
            raise Http404
        return found

    def _answer(self, call):
        try:
            result = call()
        except services.AccessError as exc:
            _raise(exc)
        result.refresh_from_db()
        return Response(AccessRequestSerializer(result).data)


class AccessRequestApprove(_RequestAction):
    @extend_schema(
        operation_id="access_requests_approve",
        summary="Approve the stage you decide (owners, then governance when required)",
        request=None,
        parameters=[ID_PARAM],
        responses={
            200: AccessRequestSerializer,
            403: _forbidden("Not yours to decide.", "Only the product's owners decide this request now."),
            404: NOT_FOUND,
            409: CONFLICT,
        },
        examples=[examples.REQUEST_APPROVED],
    )
    def post(self, request, pk: int):
        found = self._visible(request, pk)
        return self._answer(
            lambda: services.access_request_approve(request_id=found.pk, decided_by=request.user)
        )


class AccessRequestReject(_RequestAction):
    @extend_schema(
        operation_id="access_requests_reject",
        summary="Reject with a comment",
        request={"application/json": RejectSerializer},
        parameters=[ID_PARAM],
        responses={
            200: AccessRequestSerializer,
            400: error_response(
                400,
                "No comment, or one that is not text.",
                code="invalid",
                message="Say why the request is rejected.",
                details=[{"field": "comment", "message": "Say why the request is rejected."}],
            ),
            403: _forbidden("Not yours to decide.", "Only the product's owners decide this request now."),
            404: NOT_FOUND,
            409: CONFLICT,
        },
        examples=[examples.REJECT, examples.REQUEST_REJECTED],
        extensions=checked_beyond_schema("`comment` must say something (not only spaces)."),
    )
    def post(self, request, pk: int):
        found = self._visible(request, pk)
        comment = request.data.get("comment", "") if hasattr(request.data, "get") else ""
        if not isinstance(comment, str):  # str(None) was stored as the comment "None"
            raise ApiError("The request is not valid.", details={"comment": ["Must be text."]})
        return self._answer(
            lambda: services.access_request_reject(
                request_id=found.pk, decided_by=request.user, comment=comment
            )
        )


class AccessRequestCancel(_RequestAction):
    @extend_schema(
        operation_id="access_requests_cancel",
        summary="Cancel your own open request",
        request=None,
        parameters=[ID_PARAM],
        responses={
            200: AccessRequestSerializer,
            403: _forbidden("Not your request.", "Only the requester may cancel a request."),
            404: NOT_FOUND,
            409: CONFLICT,
        },
        examples=[examples.REQUEST_CANCELLED],
    )
    def post(self, request, pk: int):
        found = self._visible(request, pk)
        return self._answer(
            lambda: services.access_request_cancel(request_id=found.pk, cancelled_by=request.user)
        )


class GrantList(APIView):
    @extend_schema(
        operation_id="grants_list",
        summary="My grants, and the grants on products I own",
        parameters=[
            OpenApiParameter("active", OpenApiTypes.BOOL, description="true: only grants in force now."),
            *PAGE_PARAMS,
        ],
        responses={
            200: page_of("GrantPage", GrantSerializer),
            400: invalid(
                "Bad `active` or `page_size`.", details={"page_size": ["A whole number from 1 to 200."]}
            ),
            404: PAGE_NOT_FOUND,
        },
        examples=[examples.GRANT_PAGE],
    )
    def get(self, request):
        qs = selectors.grants_visible_to(request.user).order_by("-created_at", "-id")
        active = request.query_params.get("active")
        if active is not None:
            if active.lower() not in BOOLEAN_WORDS:
                raise ApiError("The request is not valid.", details={"active": ["Use true or false."]})
            if BOOLEAN_WORDS[active.lower()]:
                qs = qs.active()
        pager = _Pages()
        page = pager.paginate_queryset(qs, request, view=self)
        return pager.get_paginated_response(GrantSerializer(page, many=True).data)


class GrantDetail(APIView):
    @extend_schema(
        operation_id="grants_revoke",
        summary="Revoke a grant (the product's owners)",
        parameters=[ID_PARAM],
        responses={
            204: None,
            403: _forbidden("Not an owner.", "Only the product's owners may revoke its grants."),
            404: NOT_FOUND,
            409: error_response(
                409, "The grant has already ended.", code="conflict", message="This grant has already ended."
            ),
        },
    )
    def delete(self, request, pk: int):
        grant = selectors.grants_visible_to(request.user).filter(pk=pk).first()
        if grant is None:
            raise Http404
        try:
            services.access_grant_revoke(grant_id=grant.pk, revoked_by=request.user)
        except services.AccessError as exc:
            _raise(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductPreview(APIView):
    @extend_schema(
        operation_id="products_preview",
        summary="The first 100 rows of a product's data (grant holders, owners, governance)",
        parameters=[
            OpenApiParameter(
                "domain",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                examples=[OpenApiExample("sales", value="sales")],
            ),
            OpenApiParameter(
                "name",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                examples=[OpenApiExample("orders", value="orders")],
            ),
        ],
        responses={
            200: PreviewSerializer,
            403: error_response(
                403,
                "Visible, but request access first.",
                code="request_access",
                message="You have no access to this product's data: request access.",
                details=[{"request_access": "/api/v1/access-requests/"}],
            ),
            404: NOT_FOUND,
        },
        examples=[examples.PREVIEW],
    )
    def get(self, request, domain: str, name: str):
        product: DataProduct = visible_product_or_404(request.user, domain=domain, name=name)
        if not selectors.user_may_read_data(user=request.user, product=product):
            raise ApiError(
                "You have no access to this product's data: request access.",
                code="request_access",
                status_code=403,
                details=[{"request_access": "/api/v1/access-requests/"}],
            )
        result = product_preview(product)
        services.data_access_record(
            user=request.user,
            product=product,
            action="data.preview",
            details={"rows": len(result.rows), "via": "api"},
        )
        return Response(
            {
                "product": product.ref,
                **result.as_dict(),
                "consumption": selectors.consumption_details(product),
            }
        )
