"""OpenAPI examples of the access API (sales/orders and sales/secret, as in the tests)."""

from drf_spectacular.utils import OpenApiExample

ACCESS_REQUEST = {
    "id": 42,
    "product": "sales/secret",
    "requester": "analyst",
    "status": "pending_owner",
    "purpose": "Quarterly margins report",
    "note": "",
    "expires_at": None,
    "decided_rule": "owners then governance: restricted product",
    "needs_governance": True,
    "comment": "",
    "created_at": "2024-03-01T10:00:00Z",
}
GRANT = {
    "id": 7,
    "product": "sales/secret",
    "user": "analyst",
    "level": "read",
    "request": 42,
    "created_at": "2024-03-02T09:00:00Z",
    "expires_at": "2024-06-01T00:00:00Z",
    "revoked_at": None,
    "end_reason": "",
    "active": True,
}


def page(item: dict) -> dict:
    return {"count": 1, "next": None, "previous": None, "results": [item]}


REQUEST_PAGE = OpenApiExample("My open request", value=page(ACCESS_REQUEST), response_only=True)
REQUEST_CREATE = OpenApiExample(
    "Ask for sales/secret",
    value={"product": "sales/secret", "purpose": "Quarterly margins report", "note": ""},
    request_only=True,
)
REQUEST_CREATED = OpenApiExample(
    "Waiting for the owners", value=ACCESS_REQUEST, response_only=True, status_codes=["201"]
)
REQUEST_APPROVED = OpenApiExample(
    "Approved by the owners, now with governance",
    value={**ACCESS_REQUEST, "status": "pending_governance"},
    response_only=True,
)
REQUEST_REJECTED = OpenApiExample(
    "Rejected",
    value={**ACCESS_REQUEST, "status": "rejected", "comment": "Use the aggregated product instead."},
    response_only=True,
)
REJECT = OpenApiExample("Why", value={"comment": "Use the aggregated product instead."}, request_only=True)
REQUEST_CANCELLED = OpenApiExample(
    "Cancelled", value={**ACCESS_REQUEST, "status": "cancelled"}, response_only=True
)
GRANT_PAGE = OpenApiExample("One live grant", value=page(GRANT), response_only=True)
PREVIEW = OpenApiExample(
    "The first rows",
    value={
        "product": "sales/orders",
        "columns": ["order_id", "total_amount"],
        "rows": [["o-1", 10.5], ["o-2", 20.0]],
        "truncated": False,
        "error": "",
        "consumption": [
            {
                "name": "storage",
                "type": "parquet",
                "location": "s3://data-products/sales/orders/",
                "description": "",
            }
        ],
    },
    response_only=True,
)
