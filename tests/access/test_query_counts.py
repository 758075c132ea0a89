"""Catalog lists and search cost the same number of queries whatever the number of grants."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access import services
from catalog.models import DataProduct
from tests.access.conftest import _checks
from tests.factories import make_user, publish

pytestmark = pytest.mark.django_db
PAGES = [
    "/api/v1/products/",
    "/api/v1/products/?facets=true&search=orders",
    "/search/?q=orders",
    "/",
    "/access/grants/",
    "/access/requests/",
    "/access/inbox/",
    "/api/v1/grants/",
    "/api/v1/access-requests/",
]


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
        assert response.status_code == 200, path
    return len(ctx.captured_queries)


def test_catalog_and_access_pages_do_not_grow_with_grants(client, world):
    analyst = world["analyst"]
    for i in range(12):
        assert publish(
            name=f"orders_{i}",
            **{"schema.location": f"s3://data-products/sales/orders_{i}/"},
            **_checks(f"orders_{i}"),
        ).published
    products = list(DataProduct.objects.filter(name__startswith="orders_").select_related("domain"))
    client.force_login(analyst)
    services.access_request_create(product=products[0], requester=analyst, purpose="x")
    for path in PAGES:
        queries(client, path)  # warm caches (content types, sessions)
    few = {path: queries(client, path) for path in PAGES}

    for product in products[1:]:
        services.access_request_create(product=product, requester=analyst, purpose="x")
    other = make_user("other", role="analyst")
    for product in products[:6]:
        services.access_request_create(product=product, requester=other, purpose="x")
    many = {path: queries(client, path) for path in PAGES}

    assert many == few
