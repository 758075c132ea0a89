"""Publishing a version from the portal: the upload page and POST …/versions/, as owner and stranger."""

import pytest
from django.urls import reverse

from catalog.models import DataProduct, ProductVersion, VersionStatus
from tests.factories import contract_text, make_user, publish

pytestmark = pytest.mark.django_db

API = "/api/v1/products/sales/orders/versions/"


@pytest.fixture
def owner():
    return make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics")


@pytest.fixture
def stranger():
    return make_user("stranger", role="analyst", home_domain="marketing")


@pytest.fixture
def product(owner):
    publish()
    return DataProduct.objects.get(name="orders")


def post_yaml(client, user, text, url=API):
    client.force_login(user)
    return client.post(url, data=text, content_type="application/yaml")


def test_owner_publishes_a_new_version_through_the_api(client, owner, product):
    response = post_yaml(client, owner, contract_text(version="1.1.0"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["published"] is True and body["status"] == "published"
    product.refresh_from_db()
    assert product.current_version.version == "1.1.0"


def test_dry_run_validates_without_storing(client, owner, product):
    response = post_yaml(client, owner, contract_text(version="1.1.0"), url=API + "?dry_run=1")
    assert response.status_code == 200
    assert response.json()["dry_run"] is True
    assert not ProductVersion.objects.filter(version="1.1.0").exists()


def test_a_contract_with_errors_answers_400_with_line_and_column(client, owner, product):
    text = contract_text(version="1.1.0").replace("retention_days: 1095", "retention_days: soon")
    response = post_yaml(client, owner, text)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_contract"
    detail = next(d for d in error["details"] if d["path"] == "retention_days")
    assert detail["line"] == text.splitlines().index("retention_days: soon") + 1
    assert detail["column"] >= 1


def test_a_critical_violation_keeps_a_draft_and_the_fix_publishes_it(client, owner, product):
    bad = contract_text(version="2.0.0", classification="top-secret")
    response = post_yaml(client, owner, bad)
    assert response.status_code == 201
    assert response.json()["status"] == "draft"
    product.refresh_from_db()
    assert product.current_version.version == "1.0.0"
    draft = product.versions.get(version="2.0.0")
    assert draft.status == VersionStatus.DRAFT
    assert any(v["policy"] == "data_classification" for v in draft.violations)
    fixed = post_yaml(client, owner, contract_text(version="2.0.0"))
    assert fixed.status_code == 200 and fixed.json()["action"] == "draft_replaced"
    product.refresh_from_db()
    assert product.current_version.version == "2.0.0"
    assert product.versions.count() == 2


def test_a_published_version_cannot_change(client, owner, product):
    response = post_yaml(client, owner, contract_text(description="changed"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "version_immutable"


def test_a_contract_for_another_product_is_refused(client, owner, product):
    response = post_yaml(client, owner, contract_text(name="other"))
    assert response.status_code == 400


def test_stranger_who_sees_the_product_gets_403(client, stranger, product):
    response = post_yaml(client, stranger, contract_text(version="1.1.0"))
    assert response.status_code == 403
    assert not ProductVersion.objects.filter(version="1.1.0").exists()


def test_stranger_gets_the_same_answer_for_a_hidden_product_as_for_a_missing_one(client, stranger, owner):
    publish(**{"access.discovery": "restricted", "access.read": [{"role": "data_scientist"}]})
    hidden = post_yaml(client, stranger, contract_text(version="1.1.0"))
    missing = post_yaml(
        client, stranger, contract_text(name="nothing"), url="/api/v1/products/sales/nothing/versions/"
    )
    assert hidden.status_code == missing.status_code == 403
    assert hidden.json() == missing.json()


def test_permission_is_checked_before_the_body_is_parsed(client, stranger, product):
    response = post_yaml(client, stranger, "name: [broken")
    assert response.status_code == 403


def test_unknown_domain_is_404(client, owner):
    response = post_yaml(
        client, owner, contract_text(domain="nowhere"), url="/api/v1/products/nowhere/orders/versions/"
    )
    assert response.status_code == 404


def test_anonymous_api_call_is_401(client, product):
    response = client.post(API, data=contract_text(version="1.1.0"), content_type="application/yaml")
    assert response.status_code == 401


def test_domain_team_member_creates_a_new_product(client, owner):
    response = post_yaml(
        client, owner, contract_text(name="returns"), url="/api/v1/products/sales/returns/versions/"
    )
    assert response.status_code == 201
    assert DataProduct.objects.filter(name="returns").exists()


def test_owner_uploads_on_the_page_and_sees_the_result(client, owner, product):
    client.force_login(owner)
    url = reverse("product-publish", kwargs={"domain": "sales", "name": "orders"})
    assert client.get(url).status_code == 200
    response = client.post(url, {"contract": contract_text(version="1.2.0")})
    assert response.status_code == 200
    assert b"Published sales/orders@1.2.0" in response.content


def test_the_page_points_at_the_line_of_an_error(client, owner, product):
    client.force_login(owner)
    url = reverse("product-publish", kwargs={"domain": "sales", "name": "orders"})
    text = contract_text(version="1.2.0").replace("retention_days: 1095", "retention_days: soon")
    line = text.splitlines().index("retention_days: soon") + 1
    response = client.post(url, {"contract": text})
    assert response.status_code == 400
    assert f'id="L{line}" class="code-line--error"'.encode() in response.content
    assert f'href="#L{line}"'.encode() in response.content


def test_the_page_is_403_for_a_stranger_and_404_like_missing_for_hidden(client, stranger, product):
    client.force_login(stranger)
    url = reverse("product-publish", kwargs={"domain": "sales", "name": "orders"})
    assert client.get(url).status_code == 403
    assert (
        client.get(reverse("product-publish", kwargs={"domain": "nowhere", "name": "x"})).status_code == 404
    )


def test_every_publication_is_audited(client, owner, product):
    from access.models import AuditEvent

    post_yaml(client, owner, contract_text(version="1.1.0"))
    event = AuditEvent.objects.filter(action="version.published").order_by("-id").first()
    assert event.actor == owner and event.after["version"] == "1.1.0"
    assert event.product == product


def test_a_blocked_draft_and_its_violations_show_to_owners_only(client, owner, stranger, product):
    post_yaml(client, owner, contract_text(version="2.0.0", classification="top-secret"))
    url = reverse("product-tab", args=["sales", "orders", "changelog"])
    client.force_login(owner)
    page = client.get(url).content.decode()
    assert "2.0.0" in page and "data_classification" in page
    api = client.get("/api/v1/products/sales/orders/versions/").json()
    drafts = (
        [v for v in api["results"] if v["version"] == "2.0.0"]
        if isinstance(api, dict)
        else [v for v in api if v["version"] == "2.0.0"]
    )
    assert drafts and drafts[0]["violations"]
    client.force_login(stranger)
    page = client.get(url).content.decode()
    assert "2.0.0" not in page and "data_classification" not in page
    assert client.get(reverse("product", args=["sales", "orders"])).status_code == 200
