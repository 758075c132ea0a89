"""Publishing a contract version through the API: POST /api/v1/products/<domain>/<name>/versions/."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import status
from rest_framework.response import Response

from catalog.services import Action, contract_version_submit
from catalog.visibility import publish_target
from mesh_portal.exceptions import ApiError

STATUS_FOR_ACTION = {
    Action.CREATED: status.HTTP_201_CREATED,
    Action.NEW_VERSION: status.HTTP_201_CREATED,
    Action.DRAFT_REPLACED: status.HTTP_200_OK,
    Action.UNCHANGED: status.HTTP_200_OK,
    Action.REFUSED: status.HTTP_409_CONFLICT,
    Action.INVALID: status.HTTP_400_BAD_REQUEST,
}


def version_create(request, *, domain: str, name: str) -> Response:
    """Submit a contract version (YAML body, or JSON {"contract": "<yaml>"}); `?dry_run=1` validates only.

    Permission comes first, before the body is parsed: a product the user may not see answers
    as a missing one; a visible product the user does not own answers 403.
    """
    publish_target(request.user, domain=domain, name=name)  # raises Http404 / PermissionDenied
    text = _contract_text(request)
    dry_run = request.query_params.get("dry_run", "").lower() in {"1", "true", "yes"}
    try:
        outcome = contract_version_submit(
            text=text,
            filename=f"{domain}/{name}",
            user=request.user,
            dry_run=dry_run,
            expected_ref=f"{domain}/{name}",
        )
    except PermissionDenied:
        raise
    except Http404:
        raise
    body = outcome.as_dict()
    if outcome.action == Action.INVALID:
        raise ApiError(
            outcome.message or "The contract is not valid.",
            code="invalid_contract",
            status_code=400,
            details=body["errors"],
        )
    if outcome.action == Action.REFUSED:
        raise ApiError(outcome.message, code="version_immutable", status_code=409, details=[])
    code = status.HTTP_200_OK if dry_run else STATUS_FOR_ACTION[outcome.action]
    return Response(body, status=code)


def _contract_text(request) -> str:
    raw = request.body
    if len(raw) > settings.MESH_CONTRACT_MAX_BYTES:
        raise ApiError(
            f"The contract is larger than {settings.MESH_CONTRACT_MAX_BYTES} bytes.",
            code="too_large",
            status_code=413,
        )
    content_type = (request.content_type or "").split(";")[0].strip()
    if content_type == "application/json":
        data = request.data
        text = data.get("contract") if isinstance(data, dict) else None
        if not isinstance(text, str):
            raise ApiError(
                'A JSON body must be {"contract": "<YAML text>"}.', code="invalid", status_code=400
            )
        return text
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(
            f"The body is not UTF-8 text (byte {exc.start}).", code="invalid", status_code=400
        ) from None
