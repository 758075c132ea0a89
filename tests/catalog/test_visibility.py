"""Who sees which product: a product a user may not see answers exactly like a missing one,
everywhere, and is absent from every list, count and facet."""

import pytest

from catalog.models import DataProduct
from tests.factories import make_user, publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # make_user() sets a password; the default hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


PAGE_SUFFIXES = [
    "",
    "readme/",
    "schema/",
    "sla/",
    "changelog/",
    "contract/",
    "contract/?download=1",
    "contract.yaml",
    "?version=1.0.0",
    "schema/?version=1.0.0",
]
API_SUFFIXES = ["", "versions/", "versions/1.0.0/contract/", "versions/1.0.0/contract/?format=yaml"]
RESTRICTED = {"discovery": "restricted", "read": [{"role": "data_scientist"}], "write": [{"domain": "sales"}]}


@pytest.fixture
def world():
    """orders (public, with a blocked draft 1.1.0), secret_orders (restricted to data scientists),
    draft_orders (only a blocked draft), and an owner, an analyst, a scientist, a lead, a stranger."""
    owner = make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics")
    users = {
        "owner": owner,
        "analyst": make_user("analyst", role="analyst", home_domain="marketing"),
        "scientist": make_user("scientist", role="data_scientist", home_domain="product"),
        "lead": make_user("lead", governance=True),
        "stranger": make_user("stranger"),
    }
    assert publish(tags=["orders", "shared-tag"]).published
    assert publish(version="1.1.0", classification=None).status == "draft"
    assert publish(
        name="secret_orders",
        description="Secret margins.",
        tags=["secret-tag"],
        access=RESTRICTED,
        input_ports=[{"product": "sales/orders", "table": "orders"}],
        **{"schema.location": "s3://data-products/sales/secret_orders/"},
    ).published
    assert (
        publish(name="draft_orders", description="Not ready.", classification=None, tags=["draft-tag"]).status
        == "draft"
    )
    return users


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("hidden", ["secret_orders", "draft_orders"])
@pytest.mark.parametrize("suffix", PAGE_SUFFIXES)
def test_analyst_gets_the_missing_product_answer_for_every_page_of_a_hidden_product(
    client, world, hidden, suffix
):
    login(client, world["analyst"])

    response = client.get(f"/products/sales/{hidden}/{suffix}")
    missing = client.get(f"/products/sales/no_such_product/{suffix}")

    assert response.status_code == missing.status_code == 404
    assert response.content == missing.content
    assert hidden.encode() not in response.content


@pytest.mark.parametrize("hidden", ["secret_orders", "draft_orders"])
def test_htmx_tab_requests_for_a_hidden_product_get_the_missing_answer_too(client, world, hidden):
    login(client, world["analyst"])
    headers = {"HX-Request": "true", "HX-Target": "product-tabs"}

    response = client.get(f"/products/sales/{hidden}/schema/", headers=headers)
    missing = client.get("/products/sales/no_such_product/schema/", headers=headers)

    assert response.status_code == missing.status_code == 404
    assert response.content == missing.content


@pytest.mark.parametrize("hidden", ["secret_orders", "draft_orders"])
@pytest.mark.parametrize("suffix", API_SUFFIXES)
def test_analyst_gets_the_missing_product_answer_from_every_api_endpoint(client, world, hidden, suffix):
    login(client, world["analyst"])

    response = client.get(f"/api/v1/products/sales/{hidden}/{suffix}")
    missing = client.get(f"/api/v1/products/sales/no_such_product/{suffix}")

    assert response.status_code == missing.status_code == 404
    assert response.content == missing.content
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "details": []}}


def test_a_draft_version_of_a_visible_product_is_missing_for_an_analyst(client, world):
    login(client, world["analyst"])

    draft = client.get("/api/v1/products/sales/orders/versions/1.1.0/contract/")
    missing = client.get("/api/v1/products/sales/orders/versions/9.9.9/contract/")
    page = client.get("/products/sales/orders/contract/?version=1.1.0")
    missing_page = client.get("/products/sales/orders/contract/?version=9.9.9")

    assert draft.status_code == missing.status_code == 404 and draft.content == missing.content
    assert page.status_code == missing_page.status_code == 404 and page.content == missing_page.content


def test_hidden_products_are_absent_from_search_results_counts_and_facets(client, world):
    login(client, world["analyst"])

    body = client.get("/api/v1/products/", {"search": "orders"}).json()
    everything = client.get("/api/v1/products/").json()

    assert [r["name"] for r in body["results"]] == ["orders"]
    assert body["count"] == everything["count"] == 1
    for result in (body, everything):
        values = {key: {v["value"]: v["count"] for v in values} for key, values in result["facets"].items()}
        assert values["domain"] == {"sales": 1}
        assert values["tag"] == {"orders": 1, "shared-tag": 1}
        assert values["status"] == {"published": 1}
        assert values["team"] == {"sales-analytics": 1}
        assert values["classification"] == {"internal": 1}
        assert values["quality"] == {"unknown": 1}  # "Not measured" until monitoring runs
        assert values["freshness"] == {"unknown": 1} and values["pii"] == {"no": 1}


@pytest.mark.parametrize(
    "text",
    ["secret", "secret_orders", "secret_ordrs", "margins", "draft_orders", "tag:secret-tag", "status:draft"],
)
def test_hidden_products_are_never_suggested_by_search(client, world, text):
    login(client, world["analyst"])

    api = client.get("/api/v1/products/", {"search": text}).json()
    page = client.get("/search/", {"q": text})

    assert api["count"] == 0 and api["results"] == []
    assert page.context["result"].total == 0
    assert b"0 products" in page.content
    # What the user typed is echoed back; nothing about the hidden products is.
    for hidden in (
        b"/products/sales/secret_orders/",
        b"/products/sales/draft_orders/",
        b"Secret margins",
        b"Not ready",
    ):
        assert hidden not in page.content
    for facet in page.context["result"].facets.values():
        for value in facet.values:
            assert value.count == 0 or value.value not in {"secret-tag", "draft-tag", "draft"}


def test_hidden_products_are_absent_from_home_domain_pages_and_domain_counts(client, world):
    login(client, world["analyst"])

    home = client.get("/")
    domain = client.get("/domains/sales/")
    domains = client.get("/api/v1/domains/").json()
    schema_tab = client.get("/products/sales/orders/schema/")

    for response in (home, domain):
        assert response.status_code == 200
        assert b"secret_orders" not in response.content and b"draft_orders" not in response.content
    assert {d["name"]: d["product_count"] for d in domains}["sales"] == 1
    # secret_orders reads orders, but the analyst may not know it exists.
    assert b"secret_orders" not in schema_tab.content


def test_a_grant_through_a_group_makes_the_restricted_product_visible(client, world):
    login(client, world["scientist"])

    assert client.get("/products/sales/secret_orders/").status_code == 200
    assert client.get("/api/v1/products/sales/secret_orders/versions/1.0.0/contract/").status_code == 200
    assert "secret_orders" in [r["name"] for r in client.get("/api/v1/products/").json()["results"]]
    # ... and it shows as a reader of orders.
    assert b"sales/secret_orders" in client.get("/products/sales/orders/schema/").content
    # Still no drafts for a reader.
    assert client.get("/products/sales/draft_orders/").status_code == 404


@pytest.mark.parametrize("who", ["owner", "lead"])
def test_owners_and_governance_leads_see_drafts_and_their_violations(client, world, who):
    login(client, world[who])

    changelog = client.get("/products/sales/orders/changelog/").content.decode()
    versions = client.get("/api/v1/products/sales/orders/versions/").json()
    draft_only = client.get("/products/sales/draft_orders/")

    assert 'data-version="1.1.0"' in changelog
    assert "data_classification" in changelog and "has no classification" in changelog
    assert [v["version"] for v in versions] == ["1.1.0", "1.0.0"]
    assert (
        versions[0]["status"] == "draft" and versions[0]["violations"][0]["policy"] == "data_classification"
    )
    assert draft_only.status_code == 200 and b"Draft" in draft_only.content
    assert client.get("/api/v1/products/sales/draft_orders/").json()["status"] == "draft"
    assert client.get("/api/v1/products/sales/orders/versions/1.1.0/contract/").status_code == 200


def test_readers_see_neither_draft_versions_nor_violations(client, world):
    login(client, world["analyst"])

    changelog = client.get("/products/sales/orders/changelog/").content.decode()
    versions = client.get("/api/v1/products/sales/orders/versions/").json()

    assert 'data-version="1.1.0"' not in changelog and "data_classification" not in changelog
    assert [v["version"] for v in versions] == ["1.0.0"]
    assert "violations" not in versions[0]


def test_a_user_without_a_profile_sees_public_products_only(client, world):
    login(client, world["stranger"])

    assert client.get("/").status_code == 200
    assert [r["name"] for r in client.get("/api/v1/products/").json()["results"]] == ["orders"]
    assert client.get("/products/sales/secret_orders/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    for url in (
        "/",
        "/search/",
        "/products/sales/orders/",
        "/products/sales/orders/contract.yaml",
        "/domains/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/api/v1/products/").status_code in (401, 403)


def test_every_product_of_the_world_exists(world):
    # Guard: the hidden products are really there, so the 404s above are about visibility.
    assert set(DataProduct.objects.values_list("name", flat=True)) == {
        "orders",
        "secret_orders",
        "draft_orders",
    }
