"""The compliance API answers what its OpenAPI description says: a governance lead's answers
(which the schemathesis run, as an owner and an analyst, only meets as 403s) fit the documented
schemas, and query values outside their documented set are refused with 400 in the error shape."""

from __future__ import annotations

import copy
import datetime as dt

import jsonschema
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.models import DataProduct
from governance.compliance.services import compliance_report_run, waiver_create, waiver_revoke
from governance.models import ComplianceReport
from tests.test_openapi import _json_schema

from .compliance_world import example_people, import_example_organization

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def world(db):
    import_example_organization()
    people = example_people()
    people["orders"] = DataProduct.objects.get(name="sales_orders_analytical")
    return people


@pytest.fixture
def api_schema(client) -> dict:
    return client.get("/api/schema/", {"format": "json"}).json()


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def fits(api_schema: dict, path: str, method: str, status: str, body) -> None:
    """`body` validates against the schema the description gives that answer."""
    response = api_schema["paths"][path][method]["responses"][status]
    schema = _json_schema(response["content"]["application/json"]["schema"])
    components = _json_schema(copy.deepcopy(api_schema["components"]))
    jsonschema.validate(body, {**schema, "components": components})


def waive(world, *, policy: str = "schema_validation"):
    return waiver_create(
        product=world["orders"],
        policy=policy,
        reason="The primary key lands with the Q1 migration.",
        expires_on=TODAY + dt.timedelta(days=10),
        created_by=world["lead"],
    )


def test_a_leads_answers_fit_their_documented_schemas(world, api_schema):
    waive(world)
    report = compliance_report_run()
    lead = api(world["lead"])
    answers = [
        ("/api/v1/compliance/reports/", "/api/v1/compliance/reports/"),
        ("/api/v1/compliance/reports/{ref}/", "/api/v1/compliance/reports/latest/"),
        ("/api/v1/compliance/reports/{ref}/", f"/api/v1/compliance/reports/{report.pk}/"),
        ("/api/v1/compliance/reports/{ref}/products/", "/api/v1/compliance/reports/latest/products/"),
        (
            "/api/v1/compliance/reports/{ref}/products/",
            "/api/v1/compliance/reports/latest/products/?severity=critical&compliant=no&page_size=2",
        ),
        ("/api/v1/compliance/reports/{ref}/products/", "/api/v1/compliance/reports/latest/products/?access="),
        ("/api/v1/compliance/dashboard/", "/api/v1/compliance/dashboard/"),
        (
            "/api/v1/products/{domain}/{name}/compliance/",
            "/api/v1/products/sales/sales_orders_analytical/compliance/",
        ),
        ("/api/v1/waivers/", "/api/v1/waivers/"),
    ]
    for path, url in answers:
        response = lead.get(url)
        assert response.status_code == 200, (url, response.json())
        fits(api_schema, path, "get", "200", response.json())
    products = lead.get("/api/v1/compliance/reports/latest/products/").json()
    assert products["count"] == report.product_count and products["results"][0]["violations"]
    unfiltered = lead.get("/api/v1/compliance/reports/latest/products/?severity=&compliant=&access=").json()
    assert unfiltered["count"] == report.product_count  # an empty filter filters nothing, as on the page
    dashboard = lead.get("/api/v1/compliance/dashboard/").json()
    assert dashboard["report"]["id"] == report.pk and "trend" in dashboard["tables"]


def test_an_analyst_reads_a_score_without_violations_as_documented(world, api_schema):
    response = api(world["analyst"]).get("/api/v1/products/sales/sales_orders_analytical/compliance/")
    assert response.status_code == 200
    assert response.json()["violations"] is None
    fits(api_schema, "/api/v1/products/{domain}/{name}/compliance/", "get", "200", response.json())


def test_the_dashboard_before_any_report_fits_its_schema(world, api_schema):
    assert not ComplianceReport.objects.exists()
    response = api(world["lead"]).get("/api/v1/compliance/dashboard/")
    assert response.status_code == 200 and response.json()["report"] is None
    fits(api_schema, "/api/v1/compliance/dashboard/", "get", "200", response.json())


def test_a_revoked_waiver_fits_its_schema_and_is_listed_as_not_in_force(world, api_schema):
    live = waive(world)
    waiver_revoke(waiver_id=live.pk, revoked_by=world["lead"])
    again = waive(world)
    lead = api(world["lead"])
    ended = lead.get(f"/api/v1/waivers/{live.pk}/").json()
    assert ended["end_reason"] == "revoked" and ended["in_force"] is False
    fits(api_schema, "/api/v1/waivers/{id}/", "get", "200", ended)
    assert [w["id"] for w in lead.get("/api/v1/waivers/?in_force=false").json()["results"]] == [live.pk]
    assert [w["id"] for w in lead.get("/api/v1/waivers/?in_force=true").json()["results"]] == [again.pk]
    assert [w["id"] for w in lead.get("/api/v1/waivers/").json()["results"]] == [again.pk, live.pk]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/waivers/?in_force=maybe", "in_force"),
        ("/api/v1/waivers/?page_size=0", "page_size"),
        ("/api/v1/compliance/reports/?page_size=1001", "page_size"),
        ("/api/v1/compliance/reports/latest/products/?severity=fatal", "severity"),
        ("/api/v1/compliance/reports/latest/products/?access=sometimes", "access"),
        ("/api/v1/compliance/reports/latest/products/?freshness=unknown", "freshness"),
        ("/api/v1/compliance/reports/latest/products/?domain=sa%00les", "domain"),  # PostgreSQL: no NUL
        ("/api/v1/compliance/reports/latest/products/?policy=%00", "policy"),
        ("/api/v1/waivers/?product=sales/or%00ders", "product"),
    ],
)
def test_a_query_value_outside_its_documented_set_is_refused(world, url, field):
    compliance_report_run()
    response = api(world["lead"]).get(url)
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["details"]) == [field]


@pytest.mark.parametrize("ref", ["0", "99999999999999999999999", "²", "newest"])
def test_a_report_ref_that_names_no_report_answers_404_in_the_error_shape(world, ref):
    compliance_report_run()
    for url in (f"/api/v1/compliance/reports/{ref}/", f"/api/v1/compliance/reports/{ref}/products/"):
        response = api(world["lead"]).get(url)
        assert response.status_code == 404, url
        assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "details": []}}


@pytest.mark.parametrize("page", ["", "0", "last", "2"])
def test_a_page_past_the_last_or_not_a_number_is_the_documented_404(world, page):
    waive(world)
    for url in ("/api/v1/waivers/", "/api/v1/compliance/reports/"):
        response = api(world["lead"]).get(url, {"page": page})
        assert response.status_code == 404, (url, page)
        assert response.json()["error"]["code"] == "not_found"
