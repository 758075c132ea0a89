"""The platform API: POST /api/v1/platform/products registers a draft product from a spec; its
scaffold (dbt project + Airflow DAG) downloads as a zip; the read aliases answer as the catalog."""

import pytest
import yaml
from rest_framework.test import APIClient

from catalog.models import DataProduct, ProductVersion, VersionStatus
from tests.catalog.test_platform_scaffold import check_dbt_project, dag_facts, spec, unzip
from tests.factories import make_user, publish_ok

pytestmark = pytest.mark.django_db
URL = "/api/v1/platform/products"
SCAFFOLD = "/api/v1/products/sales/orders_daily/scaffold.zip"


@pytest.fixture
def users(db):
    return {
        "owner": make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics"),
        "stranger": make_user(
            "stranger", role="product_owner", home_domain="marketing", team="marketing-team"
        ),
        "analyst": make_user("analyst", role="analyst", home_domain="sales"),
        "lead": make_user("lead", governance=True),
    }


def api(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_member_registers_a_draft_product_with_its_checks_schedule_and_scaffold(users):
    response = api(users["owner"]).post(URL, spec(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id"] == "sales_orders_daily"
    assert body["product"] == "sales/orders_daily" and body["version"] == "0.1.0"
    assert body["status"] == "draft"
    assert {v["policy"] for v in body["violations"]} >= {"data_classification", "data_retention"}
    assert body["links"]["scaffold"] == SCAFFOLD

    product = DataProduct.objects.get(domain__name="sales", name="orders_daily")
    assert product.source == "platform-api" and product.owning_team.name == "sales-analytics"
    assert product.current_version is None
    version = ProductVersion.objects.get(product=product)
    assert version.status == VersionStatus.DRAFT and version.created_by == users["owner"]
    assert [c.name for c in version.quality_checks.all()] == ["no_negative_amounts", "few_cancelled"]
    assert version.quality_checks.get(name="few_cancelled").threshold == 10
    assert version.sla.update_schedule == "0 2 * * *"
    assert version.sla.freshness_max_age_hours == 26
    assert [f.name for f in version.fields.all()] == ["order_id", "customer_id", "total_amount", "status"]
    assert version.output_ports.get().location == "s3://data-products/sales/orders_daily/"

    download = api(users["owner"]).get(SCAFFOLD)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert 'filename="sales_orders_daily-scaffold.zip"' in download["Content-Disposition"]
    infos, files = unzip(download.content)
    names = sorted(files)
    assert names == [
        "sales_orders_daily/README.md",
        "sales_orders_daily/contract.yaml",
        "sales_orders_daily/dags/sales_orders_daily.py",
        "sales_orders_daily/dbt_project.yml",
        "sales_orders_daily/models/docs.md",
        "sales_orders_daily/models/orders_daily.sql",
        "sales_orders_daily/models/schema.yml",
        "sales_orders_daily/models/sources.yml",
        "sales_orders_daily/profiles.yml",
        "sales_orders_daily/tests/constraints/orders_daily__total_amount__min.sql",
        "sales_orders_daily/tests/quality/few_cancelled.sql",
        "sales_orders_daily/tests/quality/no_negative_amounts.sql",
    ]
    assert check_dbt_project(files, "sales_orders_daily") == []

    model = files["sales_orders_daily/models/orders_daily.sql"]
    assert "{{ source('raw', 'orders') }} AS o" in model
    assert "{{ source('raw', 'customers') }} AS c" in model
    schema = yaml.safe_load(files["sales_orders_daily/models/schema.yml"])
    columns = {c["name"]: c for c in schema["models"][0]["columns"]}
    assert columns["order_id"]["data_tests"] == ["unique", "not_null"]
    assert columns["status"]["data_tests"] == [
        {"accepted_values": {"values": ["pending", "completed", "cancelled"]}}
    ]
    assert columns["customer_id"]["data_tests"] == [
        {"relationships": {"to": "source('raw', 'customers')", "field": "id"}}
    ]
    assert columns["order_id"]["description"] == "Unique order id"
    check = files["sales_orders_daily/tests/quality/no_negative_amounts.sql"]
    assert "FROM {{ ref('orders_daily') }}" in check and "where failures > 0" in check
    assert "config(severity='warn')" in files["sales_orders_daily/tests/quality/few_cancelled.sql"]
    assert files["sales_orders_daily/contract.yaml"] == version.contract_text

    dag = dag_facts(files["sales_orders_daily/dags/sales_orders_daily.py"])
    assert dag["dag_id"] == "sales_orders_daily"
    assert dag["schedule"] == "0 2 * * *"
    assert dag["chain"] == ["dbt_run", "dbt_test", "publish"]

    again = api(users["lead"]).get(SCAFFOLD)
    assert again.content == download.content  # deterministic: same version, same bytes
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_each_spec_error_names_its_field(users):
    bad = spec(
        schedule="every day",
        transformation_sql="SELECT * FROM raw.orders JOIN raw.payments USING (order_id)",
        quality_checks=[{"name": "x", "query": "SELECT COUNT(*) FROM elsewhere"}],
        colour="blue",
    )
    response = api(users["owner"]).post(URL, bad, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_spec"
    fields = {d["field"]: d["message"] for d in error["details"]}
    assert "cron" in fields["schedule"]
    assert "raw.payments" in fields["transformation_sql"]
    assert "raw.customers" in fields["source_tables[1]"]  # declared but never read
    assert "unknown key" in fields["colour"]
    assert not DataProduct.objects.filter(name="orders_daily").exists()


def test_contract_problems_are_reported_under_the_spec_field(users):
    bad = spec(quality_checks=[{"name": "x", "query": "SELECT COUNT(*) FROM elsewhere"}])
    response = api(users["owner"]).post(URL, bad, format="json")

    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert details[0]["field"] == "quality_checks[0].query"
    assert "elsewhere" in details[0]["message"]
    assert not DataProduct.objects.filter(name="orders_daily").exists()


@pytest.mark.parametrize(
    ("who", "domain", "status"),
    [("stranger", "sales", 403), ("analyst", "sales", 403), ("owner", "nowhere", 404)],
)
def test_only_members_of_a_team_of_the_domain_may_register(users, who, domain, status):
    response = api(users[who]).post(URL, spec(domain=domain), format="json")

    assert response.status_code == status
    assert not DataProduct.objects.filter(name="orders_daily").exists()


def test_anonymous_gets_401(users):
    assert api(None).post(URL, spec(), format="json").status_code == 401


def test_a_governance_lead_registers_for_a_named_team(users):
    assert api(users["lead"]).post(URL, spec(), format="json").status_code == 400  # which team?
    response = api(users["lead"]).post(URL, spec(owner_team="sales-analytics"), format="json")
    assert response.status_code == 201
    assert DataProduct.objects.get(name="orders_daily").owning_team.name == "sales-analytics"


def test_a_member_may_not_register_for_a_team_of_another_domain(users):
    response = api(users["owner"]).post(URL, spec(owner_team="marketing-team"), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "owner_team"


def test_registering_an_existing_product_is_a_conflict_and_a_hidden_one_is_not_revealed(users):
    assert api(users["owner"]).post(URL, spec(), format="json").status_code == 201
    assert api(users["owner"]).post(URL, spec(), format="json").status_code == 409
    # The draft is invisible to a member of another sales team: the same answer as a non-member's.
    other = make_user("other", role="product_owner", home_domain="sales", team="sales-ops")
    hidden = api(other).post(URL, spec(), format="json")
    stranger = api(users["stranger"]).post(URL, spec(), format="json")
    assert hidden.status_code == stranger.status_code == 403
    assert hidden.json() == stranger.json()


def test_scaffold_of_a_hidden_product_answers_like_a_missing_one(users):
    api(users["owner"]).post(URL, spec(), format="json")
    hidden = api(users["stranger"]).get(SCAFFOLD)
    missing = api(users["stranger"]).get("/api/v1/products/sales/nothing/scaffold.zip")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_scaffold_of_a_product_not_registered_through_the_platform_is_404_with_a_reason(users):
    publish_ok(name="orders")
    response = api(users["analyst"]).get("/api/v1/products/sales/orders/scaffold.zip")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "no_scaffold"


def test_read_aliases_answer_as_the_catalog_api(users):
    publish_ok(name="orders")
    client = api(users["analyst"])
    assert (
        client.get(URL, {"domain": "sales"}).json()
        == client.get("/api/v1/products/", {"domain": "sales"}).json()
    )
    assert (
        client.get("/api/v1/platform/discover", {"search": "orders"}).json()
        == client.get("/api/v1/products/", {"search": "orders"}).json()
    )
    assert client.get(URL + "/sales_orders").json() == client.get("/api/v1/products/sales/orders/").json()
    assert client.get(URL + "/sales_nothing").status_code == 404


def test_the_product_page_links_the_scaffold_for_those_who_see_it(client, users):
    api(users["owner"]).post(URL, spec(), format="json")
    client.force_login(users["owner"])
    page = client.get("/products/sales/orders_daily/")
    assert page.status_code == 200
    assert SCAFFOLD.encode() in page.content
    publish_ok(name="orders")
    client.force_login(users["analyst"])
    assert SCAFFOLD.encode() not in client.get("/products/sales/orders/").content


def test_scaffold_download_reads_a_fixed_number_of_queries(users, django_assert_num_queries):
    client = api(users["owner"])
    assert client.post(URL, spec(), format="json").status_code == 201
    weekly = spec(name="orders_weekly", schedule="0 3 * * 1", quality_checks=None)
    assert client.post(URL, weekly, format="json").status_code == 201
    # the visible product, may-see-drafts, the version list, the shown version with its contract
    with django_assert_num_queries(4):
        assert client.get(SCAFFOLD).status_code == 200
    with django_assert_num_queries(4):
        assert client.get("/api/v1/products/sales/orders_weekly/scaffold.zip").status_code == 200
