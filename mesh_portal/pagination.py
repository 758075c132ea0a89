"""Page-number paging as the API's schema describes it (DRF's own is lenient)."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination

from .exceptions import ApiError


def _whole_number(raw: str) -> int | None:
    # str.isdigit() admits "²", which int() refuses: only ASCII digits are a number here.
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None


class StrictPageNumberPagination(PageNumberPagination):
    """A `page` that is not a whole number from 1 is a 404 (DRF reads an empty one as 1 and
    accepts `last`); a bad `page_size` is a 400 saying so (DRF silently uses the default)."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        number = _whole_number(raw)
        if number is None or number < 1:
            raise Http404
        return number

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = _whole_number(raw)
        if size is None or not 1 <= size <= self.max_page_size:
            raise self.page_size_error()
        return size

    def page_size_error(self) -> ApiError:
        return ApiError(
            "The request is not valid.",
            details={"page_size": [f"A whole number from 1 to {self.max_page_size}."]},
        )


def page_params(pagination: type[StrictPageNumberPagination]) -> list[OpenApiParameter]:
    """The `page` and `page_size` parameters of a list paged by `pagination`, as it reads them."""
    return [
        OpenApiParameter(
            "page", {"type": "integer", "minimum": 1}, description="From 1; past the last page: 404."
        ),
        OpenApiParameter(
            "page_size",
            {"type": "integer", "minimum": 1, "maximum": pagination.max_page_size},
            description=f"Items per page (default {pagination.page_size}).",
        ),
    ]


def page_of(name: str, serializer) -> serializers.Serializer:
    """The paginated answer of a list: {count, next, previous, results}."""
    return inline_serializer(
        name,
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer(many=True),
        },
    )
