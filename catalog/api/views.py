"""The catalog API: search, product detail, versions and contracts, domains.

Reads go through `DataProduct.objects.for_user()` (catalog.selectors / catalog.search): a
product the caller may not see answers the same 404 as a missing one.
"""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors
from catalog.filtersets import CLASSIFICATION_CHOICES, STATUS_CHOICES, ProductSearchFilterSet
from catalog.models import FreshnessStatus, QualityHealth
from catalog.search import MAX_FILTER_VALUES, SORTS, product_search
from mesh_portal.exceptions import (
    ErrorSerializer,
    JsonErrorsMixin,
    checked_beyond_schema,
    error_response,
    invalid,
    not_found,
)

from . import examples
from .serializers import (
    ContractSerializer,
    ContractSubmitSerializer,
    DomainSerializer,
    ProductDetailSerializer,
    ProductListParamsSerializer,
    ProductSearchResponseSerializer,
    ProductSummarySerializer,
    SubmitOutcomeSerializer,
    VersionSerializer,
)

NOT_FOUND = not_found("No such product, or one you may not see (the same answer).")
PRODUCT_PARAMS = [
    OpenApiParameter(
        "domain", OpenApiTypes.STR, OpenApiParameter.PATH, examples=[OpenApiExample("sales", value="sales")]
    ),
    OpenApiParameter(
        "name", OpenApiTypes.STR, OpenApiParameter.PATH, examples=[OpenApiExample("orders", value="orders")]
    ),
]


NO_NUL = "^[^\\u0000]*$"  # PostgreSQL text cannot hold NUL: such values answer 400


def _values_param(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        {
            "type": "array",
            "maxItems": MAX_FILTER_VALUES,
            "items": {"type": "string", "pattern": NO_NUL},
        },
        explode=True,
        description=f"{description}; repeat for several (any of them), at most {MAX_FILTER_VALUES}.",
    )


SEARCH_PARAMS = [
    OpenApiParameter(
        "search",
        {"type": "string", "maxLength": 500, "pattern": NO_NUL},
        description='Text, e.g. `orders`, `"order total"`, `cust*`, `domain:sales`.',
    ),
    _values_param("domain", "Domain name"),
    OpenApiParameter(
        "classification",
        OpenApiTypes.STR,
        many=True,
        explode=True,
        enum=[c for c, _ in CLASSIFICATION_CHOICES],
    ),
    OpenApiParameter(
        "status", OpenApiTypes.STR, many=True, explode=True, enum=[s for s, _ in STATUS_CHOICES]
    ),
    _values_param("tag", "Tag"),
    _values_param("team", "Owning team"),
    # "" is accepted and means "not given", as in the search page's form.
    OpenApiParameter(
        "pii",
        OpenApiTypes.STR,
        enum=["yes", "no", ""],
        description="Products with (or without) PII fields; empty: either.",
    ),
    OpenApiParameter(
        "quality",
        OpenApiTypes.STR,
        many=True,
        explode=True,
        enum=QualityHealth.values,
        description="Quality health from the latest checks (`unknown`: not measured yet).",
    ),
    OpenApiParameter(
        "freshness",
        OpenApiTypes.STR,
        many=True,
        explode=True,
        enum=FreshnessStatus.values,
        description="Freshness against the SLA (`unknown`: not measured yet).",
    ),
    OpenApiParameter(
        "sort",
        OpenApiTypes.STR,
        enum=[*SORTS, ""],
        description="Default (or empty): relevance (name without text).",
    ),
]


class ProductList(APIView):
    @extend_schema(
        operation_id="products_search",
        summary="Search the products you may see",
        description=(
            "The same search, ranking and facets as the search page. `search` takes words (all must "
            'match), "phrases", prefix*, and domain:/tag:/team:/classification:/status:/pii:/quality:/freshness: filters. '
            "Filters given as parameters combine with those in the text (values of one filter: any; "
            "different filters: all)."
        ),
        parameters=[*SEARCH_PARAMS, ProductListParamsSerializer],
        responses={
            200: ProductSearchResponseSerializer,
            400: invalid(
                "A parameter is invalid (the details name it).",
                details={"page_size": ["Ensure this value is less than or equal to 100."]},
            ),
        },
        examples=[examples.PRODUCT_SEARCH],
    )
    def get(self, request):
        filterset = ProductSearchFilterSet(request.query_params)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        # A plain dict, not the QueryDict: DRF reads an empty value in a QueryDict as "not given",
        # and the schema says `page=` or `facets=` is not a number or a boolean.
        params = ProductListParamsSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        query = filterset.search_query(
            page=params.validated_data["page"],
            page_size=params.validated_data["page_size"],
            with_facets=params.validated_data["facets"],
        )
        result = product_search(user=request.user, query=query)

        def page_link(number):
            url = request.build_absolute_uri(request.path)
            params = request.query_params.copy()
            params["page"] = str(number)
            return f"{url}?{params.urlencode()}"

        return Response(
            {
                "count": result.total,
                "page": result.page,
                "pages": result.pages,
                "next": page_link(result.page + 1) if result.has_next else None,
                "previous": page_link(result.page - 1) if result.has_previous else None,
                "results": ProductSummarySerializer(result.results, many=True).data,
                "facets": {
                    key: [v.as_dict() for v in facet.values] for key, facet in (result.facets or {}).items()
                },
            }
        )


def _visible_product(request, domain: str, name: str):
    product = selectors.product_get(user=request.user, domain=domain, name=name)
    if product is None:
        raise Http404
    return product


class ProductDetail(APIView):
    @extend_schema(
        operation_id="products_retrieve",
        summary="One product: its current version's schema and ports",
        parameters=PRODUCT_PARAMS,
        responses={200: ProductDetailSerializer, 404: NOT_FOUND},
        examples=[examples.PRODUCT_DETAIL],
    )
    def get(self, request, domain: str, name: str):
        product = _visible_product(request, domain, name)
        shown = product.current_version
        if shown is None:  # a draft-only product: only its owners and governance leads get here
            versions = selectors.product_versions(product=product, with_drafts=True)
            shown = versions[0]
        product.shown_version = shown
        product.shown_fields = selectors.version_fields(version=shown)
        product.shown_output_ports = list(shown.output_ports.order_by("position"))
        product.shown_input_ports = list(shown.input_ports.order_by("table"))
        product.status = shown.status if product.current_version_id else "draft"
        return Response(ProductDetailSerializer(product).data)


class ProductVersionList(APIView):
    @extend_schema(
        operation_id="products_versions_list",
        summary="The product's versions, newest first",
        description="Drafts and governance findings are listed only for the product's owners and governance leads.",
        parameters=PRODUCT_PARAMS,
        responses={200: VersionSerializer(many=True), 404: NOT_FOUND},
        examples=[examples.VERSION_LIST],
    )
    def get(self, request, domain: str, name: str):
        product = _visible_product(request, domain, name)
        sees_drafts = selectors.user_sees_drafts(user=request.user, product=product)
        versions = selectors.product_versions(product=product, with_drafts=sees_drafts)
        return Response(VersionSerializer(versions, many=True, context={"sees_drafts": sees_drafts}).data)

    @extend_schema(
        operation_id="products_versions_create",
        summary="Publish a new version of the product's contract",
        description=(
            "The body is the contract: YAML text (`Content-Type: application/yaml` or `text/plain`) or "
            'JSON `{"contract": "<YAML text>"}`. The publish gate decides: the version is published, or '
            "kept as a draft with its governance findings. `?dry_run=1` validates and evaluates only. "
            "Only the product's owners may publish (others who may see it: 403); creating a product "
            "needs membership of a team of the domain."
        ),
        parameters=[
            *PRODUCT_PARAMS,
            OpenApiParameter(
                "dry_run",
                OpenApiTypes.STR,
                enum=["1", "0", "true", "false", "yes", "no"],
                description="`1`, `true` or `yes`: validate and evaluate, store nothing.",
            ),
        ],
        request={
            "application/yaml": OpenApiTypes.STR,
            "text/plain": OpenApiTypes.STR,
            "application/json": ContractSubmitSerializer,
        },
        responses={
            201: OpenApiResponse(SubmitOutcomeSerializer, description="A new product or a new version."),
            200: OpenApiResponse(
                SubmitOutcomeSerializer,
                description="A dry run, a draft replaced, or the same contract again (unchanged).",
            ),
            400: OpenApiResponse(
                ErrorSerializer,
                description="The contract does not parse or breaks the format (details: each problem "
                "with file, line, column and field path), or the body is not text.",
                examples=examples.SUBMIT_ERRORS_400,
            ),
            403: error_response(
                403,
                "You may see the product but not publish it, or may not create products in the domain.",
                code="permission_denied",
                message="Only the product's owners may publish versions of it.",
            ),
            404: not_found("No such domain."),
            409: error_response(
                409,
                "This version is published with a different contract: bump the version.",
                code="version_immutable",
                message="sales/orders 1.0.0 is published and cannot change: bump the version.",
            ),
            413: error_response(
                413,
                "The contract is larger than MESH_CONTRACT_MAX_BYTES.",
                code="too_large",
                message="The contract is larger than 262144 bytes.",
            ),
        },
        examples=[examples.SUBMIT_YAML, examples.SUBMIT_JSON, examples.SUBMIT_OUTCOME],
        extensions=checked_beyond_schema(
            "The contract is validated against the contract format and the publish gate."
        ),
    )
    def post(self, request, domain: str, name: str):
        # Publishing lives with the publish service's owner; this view only routes to it.
        from catalog.api.publish import version_create

        return version_create(request, domain=domain, name=name)


class YamlTextRenderer(renderers.BaseRenderer):
    """The contract as submitted (YAML text)."""

    media_type = "application/yaml"
    format = "yaml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data["contract"].encode(self.charset)


class PlainTextContractRenderer(YamlTextRenderer):
    media_type = "text/plain"
    format = "txt"


class ProductVersionContract(JsonErrorsMixin, APIView):
    renderer_classes = [renderers.JSONRenderer, YamlTextRenderer, PlainTextContractRenderer]

    @extend_schema(
        operation_id="products_versions_contract",
        summary="A version's contract, as submitted",
        description=(
            "JSON by default (`contract` holds the YAML text); the YAML itself with "
            "`Accept: application/yaml` or `text/plain`, or `?format=yaml`."
        ),
        parameters=[
            *PRODUCT_PARAMS,
            OpenApiParameter(
                "version",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                examples=[OpenApiExample("1.0.0", value="1.0.0")],
            ),
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=["json", "yaml", "txt"],
                description="Overrides the Accept header; any other value answers 404.",
            ),
        ],
        responses={
            (200, "application/json"): ContractSerializer,
            (200, "application/yaml"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="The contract document itself."
            ),
            (200, "text/plain"): OpenApiTypes.STR,
            404: not_found("No such product or version, one you may not see, or an unknown `format`."),
        },
        examples=[examples.CONTRACT, examples.CONTRACT_YAML],
    )
    def get(self, request, domain: str, name: str, version: str):
        product = _visible_product(request, domain, name)
        sees_drafts = selectors.user_sees_drafts(user=request.user, product=product)
        found = selectors.product_version_get(product=product, version=version, with_drafts=sees_drafts)
        if found is None:
            raise Http404
        data = {
            "domain": product.domain.name,
            "name": product.name,
            "version": found.version,
            "status": found.status,
            "format": found.source_format,
            "contract": found.contract_text,
        }
        response = Response(ContractSerializer(data).data)
        if request.accepted_renderer.format != "json":
            filename = f"{product.domain.name}-{product.name}-{found.version}.yaml"
            response["Content-Disposition"] = f'inline; filename="{filename}"'
        return response


class DomainList(APIView):
    @extend_schema(
        operation_id="domains_list",
        summary="Every domain, its teams and how many of its products you may see",
        responses={200: DomainSerializer(many=True)},
        examples=[examples.DOMAIN_LIST],
    )
    def get(self, request):
        return Response(DomainSerializer(selectors.domain_list_for(user=request.user), many=True).data)
