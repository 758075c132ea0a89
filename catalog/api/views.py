"""The catalog API: search, product detail, versions and contracts, domains.

Reads go through `DataProduct.objects.for_user()` (catalog.selectors / catalog.search): a
product the caller may not see answers the same 404 as a missing one.
"""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors
from catalog.filtersets import CLASSIFICATION_CHOICES, STATUS_CHOICES, ProductSearchFilterSet
from catalog.models import FreshnessStatus, QualityHealth
from catalog.search import SORTS, product_search

from .serializers import (
    ContractSerializer,
    DomainSerializer,
    ProductDetailSerializer,
    ProductListParamsSerializer,
    ProductSearchResponseSerializer,
    ProductSummarySerializer,
    VersionSerializer,
)

NOT_FOUND = OpenApiResponse(description="No such product, or one you may not see (the same answer).")
PRODUCT_PARAMS = [
    OpenApiParameter("domain", OpenApiTypes.STR, OpenApiParameter.PATH),
    OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH),
]


SEARCH_PARAMS = [
    OpenApiParameter(
        "search",
        OpenApiTypes.STR,
        description='Text, e.g. `orders`, `"order total"`, `cust*`, `domain:sales`.',
    ),
    OpenApiParameter("domain", OpenApiTypes.STR, many=True, explode=True),
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
    OpenApiParameter("tag", OpenApiTypes.STR, many=True, explode=True),
    OpenApiParameter("team", OpenApiTypes.STR, many=True, explode=True, description="Owning team."),
    OpenApiParameter(
        "pii", OpenApiTypes.STR, enum=["yes", "no"], description="Products with (or without) PII fields."
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
        "sort", OpenApiTypes.STR, enum=list(SORTS), description="Default: relevance (name without text)."
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
            400: OpenApiResponse(description="A parameter is invalid."),
        },
    )
    def get(self, request):
        filterset = ProductSearchFilterSet(request.query_params)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        params = ProductListParamsSerializer(data=request.query_params)
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
    )
    def get(self, request, domain: str, name: str):
        product = _visible_product(request, domain, name)
        sees_drafts = selectors.user_sees_drafts(user=request.user, product=product)
        versions = selectors.product_versions(product=product, with_drafts=sees_drafts)
        return Response(VersionSerializer(versions, many=True, context={"sees_drafts": sees_drafts}).data)

    @extend_schema(
        operation_id="products_versions_create",
        summary="Publish a new version of the product's contract",
        parameters=PRODUCT_PARAMS,
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 404: NOT_FOUND},
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


class ProductVersionContract(APIView):
    renderer_classes = [renderers.JSONRenderer, YamlTextRenderer, PlainTextContractRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are always the API's JSON error shape, whatever format the contract was asked in.
        if response.status_code >= 400:
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = request.accepted_renderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        operation_id="products_versions_contract",
        summary="A version's contract, as submitted",
        description=(
            "JSON by default (`contract` holds the YAML text); the YAML itself with "
            "`Accept: application/yaml` or `text/plain`, or `?format=yaml`."
        ),
        parameters=[*PRODUCT_PARAMS, OpenApiParameter("version", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={
            (200, "application/json"): ContractSerializer,
            (200, "application/yaml"): OpenApiTypes.STR,
            (200, "text/plain"): OpenApiTypes.STR,
            404: NOT_FOUND,
        },
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
    )
    def get(self, request):
        return Response(DomainSerializer(selectors.domain_list_for(user=request.user), many=True).data)
