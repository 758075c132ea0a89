"""Each product page shows the product's own compliance: its score to everyone who may see the
product, its violations to its owners and governance leads (as the changelog tab's findings)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from governance.compliance.services import compliance_report_run
from tests.factories import make_user, publish_ok

pytestmark = pytest.mark.django_db

NO_KEY = [
    {"name": "order_id", "type": "string", "description": "Order id"},
    {"name": "total_amount", "type": "decimal(12,2)"},
]


@pytest.fixture
def people(db):
    people = {
        "owner": make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics"),
        "analyst": make_user("analyst", role="analyst", home_domain="sales"),
        "lead": make_user("lead", governance=True),
    }
    publish_ok(name="orders", **{"schema.fields": NO_KEY})  # two schema_validation warnings: 94
    return people


def test_the_owner_sees_the_score_and_every_violation_on_the_product_page(client, people):
    client.force_login(people["owner"])
    html = client.get("/products/sales/orders/").content.decode()
    assert 'data-figure="product-score">94<' in html
    assert "No field is marked as the primary key." in html
    assert "Field total_amount has no description." in html


def test_an_analyst_sees_the_score_but_not_the_findings(client, people):
    client.force_login(people["analyst"])
    html = client.get("/products/sales/orders/").content.decode()
    assert 'data-figure="product-score">94<' in html
    assert "2 open findings" in html
    assert "No field is marked as the primary key." not in html
    api = APIClient()
    api.force_authenticate(people["analyst"])
    body = api.get("/api/v1/products/sales/orders/compliance/").json()
    assert (body["score"], body["compliant"], body["violations"]) == (94.0, True, None)
    assert body["by_severity"] == {"critical": 0, "error": 0, "warning": 2, "info": 0}


def test_the_panel_lists_the_scores_of_the_last_reports(client, people):
    compliance_report_run()
    client.force_login(people["lead"])
    html = client.get("/products/sales/orders/").content.decode()
    assert "last reports: 94" in html
    api = APIClient()
    api.force_authenticate(people["lead"])
    history = api.get("/api/v1/products/sales/orders/compliance/").json()["history"]
    assert [h["score"] for h in history] == [94.0]


def test_an_htmx_tab_swap_does_not_judge_the_product(client, people):
    client.force_login(people["owner"])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as full:
        client.get("/products/sales/orders/schema/")
    with CaptureQueriesContext(connection) as partial:
        client.get("/products/sales/orders/schema/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="product-tabs")
    assert not any("governance_qualityrun" in q["sql"] for q in partial.captured_queries)
    assert any("governance_qualityrun" in q["sql"] for q in full.captured_queries)
