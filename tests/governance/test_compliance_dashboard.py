"""The governance lead's dashboard: figures from the latest report, drill-downs to the products
behind each figure, CSV/JSON exports, SLA attainment, access figures, a fixed number of queries."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from io import StringIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from access import services as access_services
from access.models import AccessRequest
from catalog.models import DataProduct
from governance.compliance.services import compliance_report_run, waiver_create
from tests.factories import make_user, publish_ok

pytestmark = pytest.mark.django_db

NO_KEY = [
    {"name": "order_id", "type": "string", "description": "Order id"},
    {"name": "total_amount", "type": "decimal(12,2)", "description": "Order total"},
]


@pytest.fixture
def people(db):
    return {
        "lead": make_user("lead", governance=True),
        "owner": make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics"),
        "analyst": make_user("analyst", role="analyst", home_domain="sales"),
    }


def products(prefix: str, n: int, *, domain: str = "sales", broken_every: int = 2) -> None:
    """n products; every `broken_every`-th lacks a primary key (a schema_validation warning)."""
    for i in range(n):
        extra = {"schema.fields": NO_KEY} if i % broken_every == 0 else {}
        publish_ok(
            name=f"{prefix}_{i}",
            domain=domain,
            owner={"team": f"{domain}-analytics", "contact": f"{domain}@example.com"},
            **{"schema.location": f"s3://data-products/{domain}/{prefix}_{i}/"},
            **extra,
        )


def lead_client(client, people):
    client.force_login(people["lead"])
    return client


def page_numbers(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="([\w-]+)">\s*<span class="figure__value">([^<]*)</span>', html))


def test_only_governance_leads_see_the_dashboard_its_drill_downs_and_exports(client, people):
    client.force_login(people["owner"])
    for url in (
        "/governance/compliance/",
        "/governance/compliance/products/",
        "/governance/compliance/export/domains.csv",
        "/governance/compliance/waivers/",
    ):
        assert client.get(url).status_code == 403, url
    assert APIClient().get("/api/v1/compliance/dashboard/").status_code == 401


def test_the_dashboard_figures_are_the_latest_reports_and_the_apis(client, people):
    products("orders", 4)
    products("leads", 2, domain="marketing")
    compliance_report_run(now=timezone.now() - dt.timedelta(days=1))
    report = compliance_report_run()

    html = lead_client(client, people).get("/governance/compliance/").content.decode()
    figures = page_numbers(html)
    api = APIClient()
    api.force_authenticate(people["lead"])
    latest = api.get("/api/v1/compliance/reports/latest/").json()["report"]
    assert latest["id"] == report.pk
    assert figures["score"] == f"{latest['score']}"
    assert figures["compliant"] == f"{latest['compliant']} / {latest['products']}"
    assert figures["open"] == str(latest["open_violations"])
    assert figures["warning"] == str(latest["by_severity"]["warning"]) == "3"
    assert latest["score"] == round((97 * 3 + 100 * 3) / 6, 1)
    dashboard = api.get("/api/v1/compliance/dashboard/").json()
    assert dashboard["report"] == latest
    assert [r["score"] for r in dashboard["tables"]["trend"]] == [latest["score"], latest["score"]]
    assert '<svg class="chart"' in html and "<script" not in html.split("</header>", 1)[1]


def test_every_heat_map_cell_drills_down_to_exactly_its_products(client, people):
    products("orders", 4)
    products("leads", 3, domain="marketing")
    compliance_report_run()
    html = lead_client(client, people).get("/governance/compliance/").content.decode()
    heat = html[html.index('data-table="heatmap"') :]
    heat = heat[: heat.index("</table>")]
    cell = re.search(r'<a href="([^"]*domain=sales[^"]*policy=schema_validation[^"]*)">(\d+)</a>', heat)
    assert cell and cell.group(2) == "2"
    listed = client.get(cell.group(1).replace("&amp;", "&")).content.decode()
    assert re.findall(r">sales/(orders_\d)<", listed) == ["orders_0", "orders_2"]
    assert 'data-figure="count">2<' in listed


def test_each_table_exports_as_csv_and_json_with_the_same_rows(client, people):
    products("orders", 3)
    waiver_create(
        product=DataProduct.objects.get(name="orders_0"),
        policy="schema_validation",
        reason="Migration",
        expires_on=timezone.localdate() + dt.timedelta(days=5),
        created_by=people["lead"],
    )
    compliance_report_run()
    lead_client(client, people)
    for table in ("domains", "heatmap", "worst", "violations", "waivers", "sla", "access", "trend"):
        as_json = json.loads(client.get(f"/governance/compliance/export/{table}.json").content)
        response = client.get(f"/governance/compliance/export/{table}.csv")
        assert response["Content-Disposition"].startswith("attachment;")
        rows = list(csv.DictReader(StringIO(b"".join(response.streaming_content).decode())))
        assert len(rows) == len(as_json["rows"]), table
        for row, record in zip(rows, as_json["rows"], strict=True):
            assert row == {k: "" if v is None else str(v) for k, v in record.items()}, table
    waivers = json.loads(client.get("/governance/compliance/export/waivers.json").content)["rows"]
    assert [(w["product"], w["policy"]) for w in waivers] == [("sales/orders_0", "schema_validation")]
    worst = json.loads(client.get("/governance/compliance/export/worst.json").content)["rows"]
    assert [(w["product"], w["score"], w["warning"]) for w in worst] == [("sales/orders_2", 97.0, 1)]
    drilled = client.get("/governance/compliance/export/products.csv?waived=yes")
    assert [r["product"] for r in csv.DictReader(StringIO(b"".join(drilled.streaming_content).decode()))] == [
        "sales/orders_0"
    ]
    assert client.get("/governance/compliance/export/nope.csv").status_code == 404
    assert client.get("/governance/compliance/export/domains.xml").status_code == 404


def test_sla_attainment_per_domain_comes_from_the_monitoring_columns(client, people):
    products("orders", 4)
    products("leads", 2, domain="marketing")
    DataProduct.objects.filter(name__in=["orders_0", "orders_1", "orders_2"]).update(freshness_status="fresh")
    DataProduct.objects.filter(name="orders_3").update(freshness_status="stale", quality_health="failing")
    DataProduct.objects.filter(name="orders_0").update(quality_health="passing")
    DataProduct.objects.filter(name="leads_0").update(freshness_status="late", quality_health="warning")
    compliance_report_run()
    sla = {
        r["domain"]: r
        for r in json.loads(
            lead_client(client, people).get("/governance/compliance/export/sla.json").content
        )["rows"]
    }
    assert sla["sales"] | {} == {
        "domain": "sales",
        "products": 4,
        "freshness_measured": 4,
        "fresh": 3,
        "late": 0,
        "stale": 1,
        "freshness_attainment": 75.0,
        "quality_measured": 2,
        "passing": 1,
        "warning": 0,
        "failing": 1,
        "quality_attainment": 50.0,
    }
    assert (sla["marketing"]["freshness_attainment"], sla["marketing"]["quality_attainment"]) == (0.0, 0.0)
    listed = client.get("/governance/compliance/products/?domain=sales&freshness=stale").content.decode()
    assert re.findall(r">sales/(orders_\d)<", listed) == ["orders_3"]


def test_access_figures_median_time_to_decision_auto_approval_rate_and_open_requests(client, people):
    publish_ok(name="orders")
    orders = DataProduct.objects.get(name="orders")
    auto = access_services.access_request_create(
        product=orders, requester=people["analyst"], purpose="Report"
    )
    assert auto.status == "approved"
    decided = []
    for hours in (2, 6, 10):
        scientist = make_user(f"scientist{hours}", role="data_scientist", home_domain="product")
        req = access_services.access_request_create(product=orders, requester=scientist, purpose="Model")
        AccessRequest.objects.filter(pk=req.pk).update(created_at=timezone.now() - dt.timedelta(hours=hours))
        decided.append(access_services.access_request_approve(request_id=req.pk, decided_by=people["owner"]))
    waiting = make_user("waiting", role="data_scientist", home_domain="product")
    access_services.access_request_create(product=orders, requester=waiting, purpose="Later")
    compliance_report_run()

    rows = json.loads(lead_client(client, people).get("/governance/compliance/export/access.json").content)[
        "rows"
    ]
    overall = rows[-1]
    assert overall["domain"] == "all"
    assert overall["median_hours_to_decision"] == 6.0
    assert (
        overall["decided_by_people"],
        overall["auto_approved"],
        overall["auto_approval_rate"],
        overall["open"],
    ) == (
        3,
        1,
        25.0,
        1,
    )
    listed = client.get("/governance/compliance/products/?access=open").content.decode()
    assert re.findall(r">(sales/orders)<", listed) == ["sales/orders"]


def test_the_dashboard_runs_a_fixed_number_of_queries_whatever_the_number_of_products(
    client, people, django_assert_num_queries
):
    products("few", 2)
    compliance_report_run()
    lead_client(client, people).get("/governance/compliance/")  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get("/governance/compliance/").status_code == 200

    products("many", 12)
    products("more", 6, domain="marketing")
    products("most", 4, domain="finance")
    for name in ("many_0", "many_2", "more_0"):
        waiver_create(
            product=DataProduct.objects.get(name=name),
            policy="schema_validation",
            reason="Later",
            expires_on=timezone.localdate() + dt.timedelta(days=3),
            created_by=people["lead"],
        )
    DataProduct.objects.filter(name__startswith="many").update(
        freshness_status="fresh", quality_health="passing"
    )
    publish_ok(name="requested")
    access_services.access_request_create(
        product=DataProduct.objects.get(name="requested"), requester=people["analyst"], purpose="Report"
    )
    compliance_report_run(now=timezone.now() - dt.timedelta(days=1))
    compliance_report_run()
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/governance/compliance/")
    assert response.context["organization"]["products"] == 25


def test_each_point_of_the_trend_drills_down_to_the_products_of_that_report(client, people):
    products("orders", 2)
    yesterday = compliance_report_run(now=timezone.now() - dt.timedelta(days=1))
    products("later", 2)
    compliance_report_run()
    html = lead_client(client, people).get("/governance/compliance/").content.decode()
    links = re.findall(r'<a href="([^"]*report=\d+[^"]*)"><circle', html)
    assert len(links) == 2 and f"report={yesterday.pk}" in links[0]
    listed = client.get(links[0].replace("&amp;", "&")).content.decode()
    assert 'data-figure="count">2<' in listed and f"report {yesterday.pk} as of" in listed
    assert client.get("/governance/compliance/products/?report=999999").context["report"] is None
    for odd in ("²", "1e3", "99999999999999999999999"):  # not a report id: no report, never a 500
        response = client.get("/governance/compliance/products/", {"report": odd})
        assert response.status_code == 200 and response.context["report"] is None
