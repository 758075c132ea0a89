"""One JSON error shape for the whole API: {"error": {"code", "message", "details"}}."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler

NOT_FOUND_MESSAGE = "Not found."


class ApiError(exceptions.APIException):
    """An API error with a stable code and structured details."""

    def __init__(self, message: str, *, code: str = "invalid", status_code: int = 400, details=None):
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.error_code = code
        self.details = details if details is not None else []


def api_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND_MESSAGE)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ApiError):
        body = {"code": exc.error_code, "message": str(exc.detail), "details": exc.details}
    elif isinstance(exc, exceptions.ValidationError):
        body = {"code": "invalid", "message": "The request is not valid.", "details": exc.detail}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        if response.status_code == status.HTTP_404_NOT_FOUND:
            detail, code = NOT_FOUND_MESSAGE, "not_found"
        body = {"code": code if isinstance(code, str) else "error", "message": str(detail), "details": []}
    response.data = {"error": body}
    return response


# --- The error shape in the OpenAPI schema -----------------------------------------------------


@extend_schema_field(
    {
        "oneOf": [
            {"type": "array", "items": {}},
            {"type": "object", "additionalProperties": {}},
        ],
        "description": "Structured details: a list (e.g. contract problems with file, line, column "
        "and path) or, for invalid fields, an object mapping each field to its messages.",
    }
)
class ErrorDetailsField(serializers.JSONField):
    pass


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable: `not_found`, `invalid`, ...")
    message = serializers.CharField(help_text="For people.")
    details = ErrorDetailsField()


class ErrorSerializer(serializers.Serializer):
    """Every API error: `{"error": {"code", "message", "details"}}`."""

    error = ErrorBodySerializer()


def error_response(
    status_code: int, description: str, *, code: str, message: str, details=None
) -> OpenApiResponse:
    """A documented error response in the API's error shape, with an example body."""
    return OpenApiResponse(
        response=ErrorSerializer,
        description=description,
        examples=[
            OpenApiExample(
                code,
                value={"error": {"code": code, "message": message, "details": details or []}},
                response_only=True,
                status_codes=[str(status_code)],
            )
        ],
    )


def not_found(
    description: str = "No such object, or one you may not see (the same answer).",
) -> OpenApiResponse:
    return error_response(404, description, code="not_found", message=NOT_FOUND_MESSAGE)


def invalid(description: str, *, details=None) -> OpenApiResponse:
    return error_response(
        400,
        description,
        code="invalid",
        message="The request is not valid.",
        details=details if details is not None else {"field": ["A valid value is required."]},
    )


def checked_beyond_schema(reason: str) -> dict:
    """`extend_schema(extensions=...)` for an operation that rejects some schema-valid input by a
    rule no schema can state (a contract's validity, a date in the future): the schemathesis
    test then skips only its "valid input is accepted" check there."""
    return {"x-checked-beyond-schema": reason}


NOT_AUTHENTICATED_EXAMPLE = {
    "error": {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
        "details": [],
    }
}


class JsonErrorsMixin:
    """For an API view that also renders other formats (YAML, a zip): its errors are always the
    API's JSON error shape, whatever the client asked for."""

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400:
            from rest_framework.renderers import JSONRenderer

            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = request.accepted_renderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
