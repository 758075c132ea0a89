"""What the schemathesis run found, pinned: each answer is the documented error, in the error shape."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.factories import make_user, publish_ok

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst():
    return make_user("analyst", role="analyst", home_domain="finance")


@pytest.fixture
def api(client, analyst):
    token, _ = Token.objects.get_or_create(user=analyst)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]


@pytest.mark.parametrize("param", ["tag", "domain", "team"])
def test_a_nul_character_in_a_search_filter_is_a_400_naming_the_filter(api, param):
    publish_ok()
    # With a text term the filters reach PostgreSQL, which cannot hold NUL: this was a 500.
    response = api.get("/api/v1/products/", {param: ["sales", "a\x00b"], "search": "orderz"})
    assert _error(response, 400)["details"] == {param: ["Null characters are not allowed."]}


def test_more_filter_values_than_the_limit_are_refused_even_when_repeated(api):
    error = _error(api.get("/api/v1/products/", {"tag": ["orders"] * 21}), 400)
    assert error["details"] == {"tag": ["At most 20 values."]}


@pytest.mark.parametrize("url", ["/api/v1/access-requests/", "/api/v1/grants/"])
@pytest.mark.parametrize("page_size", ["0", "201", "ten", "-1"])
def test_a_bad_page_size_is_a_400_not_the_default(api, url, page_size):
    error = _error(api.get(url, {"page_size": page_size}), 400)
    assert error["details"] == {"page_size": ["A whole number from 1 to 200."]}


@pytest.mark.parametrize("page", ["3", "", "0", "last", "two"])
def test_a_page_past_the_last_or_not_a_number_is_the_documented_404(api, page):
    assert _error(api.get("/api/v1/grants/", {"page": page}), 404)["code"] == "not_found"


@pytest.mark.parametrize("param", ["page", "page_size", "facets"])
def test_an_empty_search_paging_parameter_is_a_400_naming_it(api, param):
    assert list(_error(api.get("/api/v1/products/", {param: ""}), 400)["details"]) == [param]


def test_an_unknown_access_request_status_is_a_400(api):
    assert api.get("/api/v1/access-requests/", {"status": "approved"}).status_code == 200
    error = _error(api.get("/api/v1/access-requests/", {"status": "granted"}), 400)
    assert list(error["details"]) == ["status"]


def test_grants_active_takes_true_or_false_only(api):
    assert api.get("/api/v1/grants/", {"active": "false"}).status_code == 200
    assert api.get("/api/v1/grants/", {"active": "true"}).status_code == 200
    assert _error(api.get("/api/v1/grants/", {"active": "null"}), 400)["details"] == {
        "active": ["Use true or false."]
    }


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/api/v1/no-such-route/"),
        ("get", "/api/v1/products/not a slug/orders/"),
        ("post", "/api/v1/access-requests/not-a-number/approve/"),
        ("delete", "/api/v1/grants/%0A/"),
    ],
)
def test_a_path_no_api_route_matches_is_the_json_404(analyst, method, url):
    client = Client(enforce_csrf_checks=True)  # a session, as the browser has: no CSRF page either
    client.force_login(analyst)
    error = _error(getattr(client, method)(url), 404)
    assert error == {"code": "not_found", "message": "Not found.", "details": []}


def test_no_credentials_is_the_documented_401(client):
    error = _error(client.get("/api/v1/domains/"), 401)
    assert error["code"] == "not_authenticated"


def test_a_reject_comment_that_is_not_text_is_a_400_and_nothing_changes(client):
    from access import services
    from catalog.models import DataProduct
    from tests.access.conftest import SECRET_ACCESS

    publish_ok(name="secret", classification="restricted", access=SECRET_ACCESS)
    owner = make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics")
    requester = make_user("analyst", role="analyst", home_domain="finance")
    request = services.access_request_create(
        product=DataProduct.objects.get(name="secret"), requester=requester, purpose="Report"
    )
    token, _ = Token.objects.get_or_create(user=owner)
    response = client.post(
        f"/api/v1/access-requests/{request.pk}/reject/",
        {"comment": None},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert _error(response, 400)["details"] == {"comment": ["Must be text."]}
    request.refresh_from_db()
    assert (request.status, request.comment) == ("pending_owner", "")
