"""The products API: search with the page's ranking and facets, detail, versions, contracts, domains."""

import sys
import types

import pytest
import yaml
from rest_framework.response import Response

from catalog.models import ProductVersion
from catalog.search import SearchQuery, product_search
from tests.factories import make_user, publish_ok

pytestmark = pytest.mark.django_db

RESULT_KEYS = {
    "domain",
    "name",
    "version",
    "classification",
    "status",
    "description",
    "owning_team",
    "tags",
    "updated_at",
}


@pytest.fixture
def analyst(client):
    user = make_user("analyst", role="analyst", home_domain="marketing")
    client.force_login(user)
    return user


def one_field(name):
    return {
        "schema.fields": [
            {"name": name, "type": "string", "description": "Identifier", "is_primary_key": True}
        ]
    }


@pytest.fixture
def products():
    publish_ok(tags=["orders", "core"])
    publish_ok(version="1.1.0", tags=["orders", "core"])
    publish_ok(name="order_items", description="Line items of every order.", tags=["orders"])
    publish_ok(
        name="returns",
        description="Orders sent back, orders refunded, orders replaced.",
        **one_field("return_id"),
    )
    publish_ok(
        name="campaigns",
        domain="marketing",
        owner={"team": "marketing-analytics"},
        tags=["ads"],
        description="Campaign spend.",
        classification="public",
        **one_field("campaign_id"),
    )


def test_the_search_answers_count_results_and_facets(client, analyst, products):
    body = client.get("/api/v1/products/", {"search": "orders"}).json()

    assert body["count"] == 3
    assert set(body) >= {"count", "results", "facets"}
    assert set(body["results"][0]) == RESULT_KEYS
    first = body["results"][0]
    assert (first["domain"], first["name"], first["version"], first["status"]) == (
        "sales",
        "orders",
        "1.1.0",
        "published",
    )
    assert first["owning_team"] == "sales-analytics" and first["tags"] == ["core", "orders"]
    assert set(body["facets"]) == {
        "domain",
        "classification",
        "status",
        "tag",
        "team",
        "pii",
        "quality",
        "freshness",
    }
    assert body["facets"]["domain"] == [{"value": "sales", "label": "sales", "count": 3, "selected": False}]


@pytest.mark.parametrize(
    "text", ["orders", "order", "ordrs", "order_id", "campaign", "sales", '"line items"', "ret*"]
)
def test_the_api_ranks_like_the_search_page(client, analyst, products, text):
    api = [r["name"] for r in client.get("/api/v1/products/", {"search": text}).json()["results"]]
    page = [p.name for p in client.get("/search/", {"q": text}).context["result"].results]

    assert api == page == [p.name for p in product_search(user=analyst, query=SearchQuery(text=text)).results]


def test_parameters_filter_like_facets(client, analyst, products):
    def names(**params):
        return [r["name"] for r in client.get("/api/v1/products/", params).json()["results"]]

    assert names(domain="marketing") == ["campaigns"]
    assert names(classification="public") == ["campaigns"]
    assert names(tag="core") == ["orders"]
    assert names(tag=["core", "ads"]) == ["campaigns", "orders"]
    assert names(team="sales-analytics", search="order") == ["orders", "order_items", "returns"]
    assert names(pii="yes") == []
    assert names(status="published", sort="name") == ["campaigns", "order_items", "orders", "returns"]
    assert names(search="domain:marketing") == ["campaigns"]


def test_a_bad_parameter_is_a_400_in_the_one_error_shape(client, analyst, products):
    for params in (
        {"classification": "secret"},
        {"sort": "random"},
        {"page": "0"},
        {"pii": "maybe"},
        {"page_size": "1000"},
    ):
        response = client.get("/api/v1/products/", params)
        assert response.status_code == 400, params
        assert response.json()["error"]["code"] == "invalid"


def test_pages_link_to_each_other(client, analyst, products):
    first = client.get("/api/v1/products/", {"page_size": 2, "sort": "name"}).json()
    second = client.get(first["next"]).json()

    assert (first["count"], first["pages"], first["previous"]) == (4, 2, None)
    assert [r["name"] for r in second["results"]] == ["orders", "returns"]
    assert second["next"] is None and "page=1" in second["previous"]


def test_facets_can_be_skipped(client, analyst, products):
    body = client.get("/api/v1/products/", {"search": "order", "facets": "false"}).json()

    assert body["facets"] == {} and body["count"] == 3


def test_the_detail_describes_the_current_version(client, analyst, products):
    body = client.get("/api/v1/products/sales/orders/").json()

    assert body["version"] == body["current_version"] == "1.1.0"
    assert body["contact"] == "sales@example.com" and body["discovery"] == "public"
    assert [f["name"] for f in body["fields"]] == ["order_id", "total_amount"]
    assert body["fields"][0]["is_primary_key"] and body["fields"][0]["constraints"] == [
        {"type": "unique"},
        {"type": "not_null"},
    ]
    assert body["output_ports"][0]["location"] == "s3://data-products/sales/orders/"
    assert body["input_ports"] == []


def test_versions_are_listed_newest_first(client, analyst, products):
    body = client.get("/api/v1/products/sales/orders/versions/").json()

    assert [v["version"] for v in body] == ["1.1.0", "1.0.0"]
    assert body[0]["changes"] == ["Update"] and body[0]["date"] == "2024-02-01"
    assert body[0]["breaking"] is False and body[0]["status"] == "published"


def test_a_contract_comes_as_json_or_as_yaml(client, analyst, products):
    stored = ProductVersion.objects.get(product__name="orders", version="1.0.0").contract_text
    url = "/api/v1/products/sales/orders/versions/1.0.0/contract/"

    as_json = client.get(url)
    as_yaml = client.get(url, headers={"Accept": "application/yaml"})
    as_text = client.get(url, headers={"Accept": "text/plain"})
    by_format = client.get(url, {"format": "yaml"})

    assert as_json.json()["contract"] == stored and as_json.json()["version"] == "1.0.0"
    assert as_yaml["Content-Type"] == "application/yaml; charset=utf-8" and as_yaml.content.decode() == stored
    assert as_text["Content-Type"] == "text/plain; charset=utf-8" and as_text.content.decode() == stored
    assert by_format.content.decode() == stored
    assert yaml.safe_load(as_yaml.content)["version"] == "1.0.0"


def test_posting_a_version_is_routed_to_the_publish_api(client, analyst, products, monkeypatch):
    calls = []

    def version_create(request, *, domain, name):
        calls.append((request.method, domain, name))
        return Response({"routed": True}, status=201)

    monkeypatch.setitem(
        sys.modules, "catalog.api.publish", types.SimpleNamespace(version_create=version_create)
    )

    response = client.post(
        "/api/v1/products/sales/orders/versions/", "name: orders", content_type="application/yaml"
    )

    assert response.status_code == 201 and response.json() == {"routed": True}
    assert calls == [("POST", "sales", "orders")]


def test_domains_list_their_teams_and_visible_product_counts(client, analyst, products):
    body = {d["name"]: d for d in client.get("/api/v1/domains/").json()}

    assert body["sales"]["product_count"] == 3
    assert body["sales"]["teams"] == [{"name": "sales-analytics", "contact": "sales@example.com"}]
    assert body["marketing"]["product_count"] == 1


def test_the_openapi_schema_describes_the_endpoints(client, analyst):
    import json

    schema = json.loads(client.get("/api/schema/", {"format": "json"}).content)
    paths = schema["paths"]

    assert {
        "/api/v1/products/",
        "/api/v1/products/{domain}/{name}/",
        "/api/v1/products/{domain}/{name}/versions/",
        "/api/v1/products/{domain}/{name}/versions/{version}/contract/",
        "/api/v1/domains/",
    } <= set(paths)
    params = {p["name"] for p in paths["/api/v1/products/"]["get"]["parameters"]}
    assert {
        "search",
        "domain",
        "classification",
        "tag",
        "team",
        "status",
        "pii",
        "sort",
        "page",
        "page_size",
        "facets",
    } <= params
    assert "post" in paths["/api/v1/products/{domain}/{name}/versions/"]
