"""One JSON error shape for the whole API: {"error": {"code", "message", "details"}}."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
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
