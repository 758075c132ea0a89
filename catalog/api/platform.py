"""The self-serve platform API (the seed's `DataMeshPlatform`).

- `POST /api/v1/platform/products`: `create_data_product(spec)`: registers a draft product.
- `GET /api/v1/platform/products?domain=`: `list_data_products(domain)`: the catalog search.
- `GET /api/v1/platform/products/<domain>_<name>`: `get_data_product(id)`: the product detail.
- `GET /api/v1/platform/discover?search=`: `discover_data_products(query)`: the catalog search.
- `GET /api/v1/products/<domain>/<name>/scaffold.zip`: the dbt project and Airflow DAG.

The read aliases answer exactly what the catalog API answers (they call its views), so
visibility, pagination and errors are the catalog's.
"""

from django.http import Http404, HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.platform.scaffold import NoScaffold
from catalog.platform.selectors import product_by_id, product_scaffold
from catalog.platform.services import AlreadyRegistered, SpecInvalid, platform_product_register
from mesh_portal.exceptions import (
    ApiError,
    JsonErrorsMixin,
    checked_beyond_schema,
    error_response,
    invalid,
    not_found,
)

from . import examples
from .serializers import ProductDetailSerializer, ProductSearchResponseSerializer
from .views import NOT_FOUND, PRODUCT_PARAMS, SEARCH_PARAMS, ProductDetail, ProductList


class QualityCheckSpecSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Letters, digits and '_'; names the dbt test file.")
    query = serializers.CharField(help_text="A SELECT returning one value: the count of bad rows.")
    threshold = serializers.FloatField(required=False, default=0)
    severity = serializers.ChoiceField(["info", "warning", "error", "critical"], required=False)
    description = serializers.CharField(required=False, allow_null=True, allow_blank=True)


class ColumnSpecSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField()
    description = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    constraints = serializers.ListField(
        child=serializers.JSONField(),
        required=False,
        help_text="As in a contract: unique, not_null, {in: [...]}, {min: 0}, ...",
    )
    is_primary_key = serializers.BooleanField(required=False)
    references = serializers.CharField(
        required=False,
        allow_null=True,
        help_text="'<source table>.<column>' (a dbt relationships test), e.g. raw.customers.id",
    )


class PlatformSpecSerializer(serializers.Serializer):
    """Documents the spec; validation is catalog.platform.spec (every error names its field)."""

    name = serializers.RegexField(r"^[a-z0-9_-]{1,100}$", help_text="A lower-case slug.")
    domain = serializers.RegexField(r"^[a-z0-9_-]{1,100}$", help_text="A lower-case slug.")
    source_tables = serializers.ListField(
        child=serializers.CharField(), help_text="'schema.table' (a dbt source) or '<domain>/<product>'"
    )
    transformation_sql = serializers.CharField(help_text="One SELECT over the source tables.")
    schedule = serializers.CharField(help_text="5-field cron expression (UTC).")
    quality_checks = QualityCheckSpecSerializer(many=True, required=False, allow_null=True)
    columns = ColumnSpecSerializer(many=True, required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    owner_team = serializers.SlugField(
        required=False, allow_null=True, allow_blank=True, help_text="Default: your team in the domain."
    )
    freshness_max_age_hours = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text="Default: the longest gap between two scheduled runs + 2 hours.",
    )


class RegistrationSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The seed's product id, <domain>_<name>.")
    product = serializers.CharField()
    version = serializers.CharField()
    status = serializers.CharField()
    violations = serializers.ListField(child=serializers.DictField())
    warnings = serializers.ListField(child=serializers.DictField())
    links = serializers.DictField(child=serializers.CharField())


SPEC_EXAMPLE = {
    "name": "orders_daily",
    "domain": "sales",
    "description": "Orders per day with customer enrichment.",
    "source_tables": ["raw.orders", "raw.customers"],
    "transformation_sql": (
        "SELECT o.order_id, o.customer_id, o.total_amount, o.status "
        "FROM raw.orders o JOIN raw.customers c ON o.customer_id = c.id"
    ),
    "schedule": "0 2 * * *",
    "quality_checks": [
        {"name": "no_negative_amounts", "query": "SELECT COUNT(*) FROM orders_daily WHERE total_amount < 0"}
    ],
    "columns": [
        {
            "name": "order_id",
            "type": "string",
            "description": "Order id",
            "constraints": ["unique", "not_null"],
        },
        {"name": "customer_id", "type": "string", "references": "raw.customers.id"},
        {"name": "total_amount", "type": "decimal(12,2)", "constraints": [{"min": 0}]},
        {"name": "status", "type": "string", "constraints": [{"in": ["pending", "completed"]}]},
    ],
}


class PlatformProducts(APIView):
    @extend_schema(
        operation_id="platform_products_create",
        summary="Register a data product from a platform spec (create_data_product)",
        description=(
            "Generates the product's contract from the spec and submits it through the publish gate as a "
            "draft (classification and retention are for the team to add), so its quality checks and "
            "schedule become the contract's checks and SLA. Only members of a team of the domain, and "
            "governance leads, may register. The dbt project and Airflow DAG are at `links.scaffold`."
        ),
        request=PlatformSpecSerializer,
        extensions=checked_beyond_schema(
            "The transformation SQL, the cron schedule and the checks' SQL are vetted by the contract "
            "parser and the publish gate, rules no schema can state."
        ),
        responses={
            201: RegistrationSerializer,
            400: error_response(
                400,
                "The spec is not valid; `details` names each field.",
                code="invalid_spec",
                message="The spec is not valid.",
                details=[{"field": "schedule", "message": "a cron expression has 5 fields"}],
            ),
            403: error_response(
                403,
                "You may not create products in this domain.",
                code="permission_denied",
                message="You do not have permission to perform this action.",
            ),
            404: not_found("No such domain."),
            409: error_response(
                409,
                "The product is already in the catalog.",
                code="already_registered",
                message="sales/orders_daily is already in the catalog.",
            ),
        },
        examples=[
            OpenApiExample("A daily product", value=SPEC_EXAMPLE, request_only=True),
            OpenApiExample(
                "Registered",
                response_only=True,
                status_codes=["201"],
                value={
                    "id": "sales_orders_daily",
                    "product": "sales/orders_daily",
                    "version": "0.1.0",
                    "status": "draft",
                    "violations": [
                        {
                            "policy": "data_classification",
                            "severity": "error",
                            "message": "data_classification is missing",
                            "field": None,
                        }
                    ],
                    "warnings": [],
                    "links": {
                        "product": "/api/v1/products/sales/orders_daily/",
                        "page": "/products/sales/orders_daily/",
                        "scaffold": "/api/v1/products/sales/orders_daily/scaffold.zip",
                    },
                },
            ),
        ],
    )
    def post(self, request):
        try:
            registration = platform_product_register(data=request.data, user=request.user)
        except SpecInvalid as exc:
            raise ApiError(exc.message, code="invalid_spec", status_code=400, details=exc.errors) from None
        except AlreadyRegistered as exc:
            raise ApiError(str(exc), code="already_registered", status_code=409) from None
        outcome = registration.outcome
        domain, name = registration.spec.domain, registration.spec.name
        body = {
            "id": registration.product_id,
            "product": outcome.product_ref,
            "version": outcome.version,
            "status": outcome.status,
            "violations": outcome.violations,
            "warnings": [w.as_dict() for w in outcome.warnings],
            "links": {
                "product": f"/api/v1/products/{domain}/{name}/",
                "page": f"/products/{domain}/{name}/",
                "scaffold": f"/api/v1/products/{domain}/{name}/scaffold.zip",
            },
        }
        return Response(RegistrationSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="platform_products_list",
        summary="Products you may see, by domain (list_data_products): the catalog search",
        description="The same answer as `GET /api/v1/products/`; pass `domain` to list one domain.",
        parameters=SEARCH_PARAMS,
        responses={
            200: ProductSearchResponseSerializer,
            400: invalid("A parameter is invalid (the details name it)."),
        },
        examples=[examples.PRODUCT_SEARCH],
    )
    def get(self, request):
        return ProductList().get(request)


class PlatformProduct(APIView):
    @extend_schema(
        operation_id="platform_products_retrieve",
        summary="One product by its seed id <domain>_<name> (get_data_product)",
        description="The same answer as `GET /api/v1/products/<domain>/<name>/`.",
        parameters=[OpenApiParameter("product_id", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={
            200: ProductDetailSerializer,
            404: NOT_FOUND,
            409: error_response(
                409,
                "The id names more than one product (a '_' in a domain or product name).",
                code="ambiguous_id",
                message="'sales_orders' names more than one product; use /api/v1/products/<domain>/<name>/",
                details=["sales/orders", "sales_orders/x"],
            ),
        },
        examples=[examples.PRODUCT_DETAIL],
    )
    def get(self, request, product_id: str):
        found = product_by_id(user=request.user, product_id=product_id)
        if not found:
            raise Http404
        if len(found) > 1:
            raise ApiError(
                f"'{product_id}' names more than one product; use /api/v1/products/<domain>/<name>/",
                code="ambiguous_id",
                status_code=409,
                details=[p.ref for p in found],
            )
        product = found[0]
        return ProductDetail().get(request, domain=product.domain.name, name=product.name)


class PlatformDiscover(APIView):
    @extend_schema(
        operation_id="platform_discover",
        summary="Search the products you may see (discover_data_products): the catalog search",
        description="The same answer as `GET /api/v1/products/?search=...`.",
        parameters=SEARCH_PARAMS,
        responses={
            200: ProductSearchResponseSerializer,
            400: invalid("A parameter is invalid (the details name it)."),
        },
        examples=[examples.PRODUCT_SEARCH],
    )
    def get(self, request):
        return ProductList().get(request)


class ZipRenderer(renderers.BaseRenderer):
    """Lets clients ask for `Accept: application/zip`; the view returns the bytes itself."""

    media_type = "application/zip"
    format = "zip"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class ProductScaffold(JsonErrorsMixin, APIView):
    renderer_classes = [renderers.JSONRenderer, ZipRenderer]

    @extend_schema(
        operation_id="products_scaffold",
        summary="The product's dbt project and Airflow DAG, as a zip",
        description=(
            "For products registered through the platform API. The version shown on the product page "
            "(`?version=` for another). The zip is deterministic: the same version gives the same bytes."
        ),
        parameters=[*PRODUCT_PARAMS, OpenApiParameter("version", OpenApiTypes.STR)],
        responses={
            (200, "application/zip"): OpenApiResponse(
                response=OpenApiTypes.BINARY,
                description="A zip: dbt project, Airflow DAG, contract.",
                examples=[OpenApiExample("zip", value="PK\u0003\u0004...", response_only=True)],
            ),
            404: not_found("No such product or version, one you may not see, or no scaffold."),
        },
    )
    def get(self, request, domain: str, name: str):
        try:
            scaffold = product_scaffold(
                user=request.user, domain=domain, name=name, version=request.query_params.get("version")
            )
        except NoScaffold as exc:
            raise ApiError(f"No scaffold: {exc}.", code="no_scaffold", status_code=404) from None
        if scaffold is None:
            raise Http404
        response = HttpResponse(scaffold.zip_bytes(), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{scaffold.filename}"'
        return response


urlpatterns = [
    path("platform/products", PlatformProducts.as_view(), name="api-platform-products"),
    path("platform/products/<str:product_id>", PlatformProduct.as_view(), name="api-platform-product"),
    path("platform/discover", PlatformDiscover.as_view(), name="api-platform-discover"),
    path(
        "products/<slug:domain>/<slug:name>/scaffold.zip",
        ProductScaffold.as_view(),
        name="api-product-scaffold",
    ),
]
