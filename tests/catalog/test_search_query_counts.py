"""Pinned query counts: the search page, the search API and the product page run the same number
of SQL queries for 2 or 10 results, fields and versions (no query per row)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_user, publish_ok

pytestmark = pytest.mark.django_db

TABS = ["readme", "schema", "sla", "changelog", "contract"]


def fields(n):
    return [
        {
            "name": f"field_{i}",
            "type": "string",
            "description": f"Field number {i}",
            "is_primary_key": i == 0,
            "constraints": ["not_null"],
        }
        for i in range(n)
    ]


def products(n, *, start=0):
    for i in range(start, n):
        publish_ok(name=f"orders_{i}", tags=[f"tag-{i}", "orders"], description=f"Orders number {i}")


def versions(n):
    for minor in range(n):
        version = f"1.{minor}.0"
        publish_ok(
            name="ledger",
            version=version,
            **{"schema.fields": fields(3)},
            changelog=[
                {
                    "version": version,
                    "date": "2024-02-01",
                    "changes": [f"Release {version}"],
                    "breaking": False,
                }
            ],
        )


def upstream_and_downstream(n):
    """`ledger` reads n products and is read by n products."""
    for i in range(n):
        publish_ok(name=f"source_{i}")
    publish_ok(
        name="ledger",
        input_ports=[{"product": f"sales/source_{i}", "table": f"source_{i}"} for i in range(n)],
    )
    for i in range(n):
        publish_ok(name=f"report_{i}", input_ports=[{"product": "sales/ledger", "table": "ledger"}])


def count(client, url, **headers):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return len(ctx)


@pytest.fixture
def analyst(client):
    client.force_login(make_user("analyst", role="analyst", home_domain="marketing"))
    return client


@pytest.mark.parametrize(
    "url",
    ["/search/?q=orders", "/search/", "/search/?q=ordrs&tag=orders", "/search/?q=orders&sort=updated", "/"],
)
def test_the_search_page_runs_as_many_queries_for_ten_results_as_for_two(
    analyst, django_assert_num_queries, url
):
    products(2)
    few = count(analyst, url)
    products(10, start=2)

    with django_assert_num_queries(few):
        response = analyst.get(url)
    assert (
        len(
            response.context["result"].results
            if "result" in response.context
            else response.context["domains"][0][1]
        )
        == 10
    )


def test_the_htmx_search_partial_is_constant_too(analyst, django_assert_num_queries):
    products(2)
    few = count(analyst, "/search/?q=orders", HX_Request="true", HX_Target="search-results")
    products(10, start=2)

    with django_assert_num_queries(few):
        analyst.get("/search/?q=orders", headers={"HX-Request": "true", "HX-Target": "search-results"})


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/products/?search=orders",
        "/api/v1/products/?search=orders&facets=false",
        "/api/v1/products/?domain=sales&tag=orders",
        "/api/v1/products/?search=orders&quality=unknown&freshness=unknown&pii=no",
        "/api/v1/domains/",
    ],
)
def test_the_search_api_runs_as_many_queries_for_ten_results_as_for_two(
    analyst, django_assert_num_queries, url
):
    products(2)
    few = count(analyst, url)
    products(10, start=2)

    with django_assert_num_queries(few):
        analyst.get(url)


@pytest.mark.parametrize("tab", TABS)
def test_a_product_tab_runs_as_many_queries_for_ten_fields_as_for_two(
    analyst, django_assert_num_queries, tab
):
    publish_ok(name="wide", **{"schema.fields": fields(2)})
    publish_ok(name="wider", **{"schema.fields": fields(10)})
    few = count(analyst, f"/products/sales/wide/{tab}/")

    with django_assert_num_queries(few):
        analyst.get(f"/products/sales/wider/{tab}/")


@pytest.mark.parametrize("tab", TABS)
def test_a_product_tab_runs_as_many_queries_for_ten_versions_as_for_two(
    analyst, django_assert_num_queries, tab
):
    versions(2)
    few = count(analyst, f"/products/sales/ledger/{tab}/")
    versions(10)

    with django_assert_num_queries(few):
        response = analyst.get(f"/products/sales/ledger/{tab}/")
    assert len(response.context["versions"]) == 10


def test_the_schema_tab_is_constant_in_the_number_of_upstream_and_downstream_products(
    analyst, django_assert_num_queries
):
    upstream_and_downstream(2)
    few = count(analyst, "/products/sales/ledger/schema/")
    publish_ok(
        name="ledger",
        version="1.1.0",
        input_ports=[{"product": f"sales/source_{i}", "table": f"source_{i}"} for i in range(2)],
    )

    # Rebuild with 10 on each side in a second product, compare.
    for i in range(2, 10):
        publish_ok(name=f"source_{i}")
        publish_ok(name=f"report_{i}", input_ports=[{"product": "sales/ledger", "table": "ledger"}])
    publish_ok(
        name="ledger",
        version="1.2.0",
        input_ports=[{"product": f"sales/source_{i}", "table": f"source_{i}"} for i in range(10)],
    )

    with django_assert_num_queries(few):
        response = analyst.get("/products/sales/ledger/schema/")
    assert len(response.context["upstreams"]) == 10 and len(response.context["downstreams"]) == 10


@pytest.mark.parametrize("suffix", ["", "versions/", "versions/1.0.0/contract/"])
def test_the_product_api_runs_as_many_queries_for_ten_fields_and_versions_as_for_two(
    analyst, django_assert_num_queries, suffix
):
    publish_ok(name="wide", **{"schema.fields": fields(2)})
    publish_ok(name="wide", version="1.1.0", **{"schema.fields": fields(2)})
    few = count(analyst, f"/api/v1/products/sales/wide/{suffix}")
    for minor in range(2, 10):
        publish_ok(name="wide", version=f"1.{minor}.0", **{"schema.fields": fields(10)})

    with django_assert_num_queries(few):
        analyst.get(f"/api/v1/products/sales/wide/{suffix}")
